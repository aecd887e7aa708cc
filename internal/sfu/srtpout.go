package sfu

import (
	"errors"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/pion/dtls/v3"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// srtpOut is a subscriber's direct RTP path: forwarded packets are
// encrypted here with the connection's own SRTP keys and handed to the
// media socket's batch (batch.go), skipping Pion's per-packet chain
// (RTPSender → interceptors → SRTP session → mux → ICE conn → UDP mux),
// which cost about 3 µs a packet, a quarter of the server's CPU.
//
// It is an optimisation with a fallback, never a requirement: until it
// is ready, or when the connection is one it does not handle (ICE over
// TCP, an ambiguous local socket, a Pion version whose DTLS
// transport no longer has the field read below), downTrack writes go
// through Pion as before. While it is up, the subscriber's RTCP is read
// with the same keys (rtcpin.go); the RTCP the server sends (sender
// reports) still goes through Pion.
type srtpOut struct {
	ready atomic.Bool

	mu  sync.Mutex
	ctx *srtp.Context
	// seal seals the AEAD profiles' RTP, instead of ctx (gcmseal.go);
	// atomic for the fan-out's prefetching, which reads it without mu.
	seal atomic.Pointer[gcmSRTP]
	gen  uint32 // counts the times the path came up (rocTracker.synced)
	conn *batchConn
	dst  netip.AddrPort
	hdr  rtp.Header
	// pion is the SRTP session of Pion's own path, whose rollover counts
	// syncPion corrects when that path takes a stream back; nil if a
	// Pion upgrade hid it (pionSRTPOf).
	pion *srtp.SessionSRTP

	in srtcpIn // the subscriber's RTCP, same keys (rtcpin.go)

	// aliases: other addresses the subscriber sends RTCP from
	// (altaddr.go); ufrag: the connection's local ICE username fragment.
	aliases []netip.AddrPort
	ufrag   string
}

var (
	errFastPathTCP  = errors.New("sfu: selected candidate pair is not UDP")
	errFastPathSock = errors.New("sfu: no unique media socket for the local candidate")
	errFastPathDTLS = errors.New("sfu: DTLS connection not reachable")
)

// start derives the outbound SRTP context from the subscribe connection's
// DTLS session and points the path at its selected candidate pair. It is
// called once the connection is up; an error leaves the Pion path in use.
// first is true the first time the keys are derived.
func (o *srtpOut) start(pc *webrtc.PeerConnection, bn *batchNet) (first bool, err error) {
	dt := pc.SCTP().Transport()
	o.mu.Lock()
	started := o.ctx != nil
	o.mu.Unlock()
	if started {
		// Connected again after an ICE restart: same DTLS session, same
		// keys. A new context would restart the rollover counter, which
		// must never repeat an SRTP index under one key.
		bn.registerICE(pc, &o.mu, &o.ufrag, nil, o) // new credentials after an ICE restart
		pair, err := dt.ICETransport().GetSelectedCandidatePair()
		if err != nil {
			return false, errFastPathSock
		}
		return false, o.setPair(pair, bn)
	}
	cfg, opts, err := sessionKeys(pc)
	if err != nil {
		return false, err
	}
	ctx, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, cfg.Profile, opts...)
	if err != nil {
		return false, err
	}
	var seal *gcmSRTP
	if len(opts) == 0 { // no cryptex
		if seal, err = newGCMSRTP(cfg.Profile, cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt); err != nil {
			return false, err
		}
	}
	inCtx, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, cfg.Profile,
		srtp.SRTCPReplayProtection(srtcpReplayWindow))
	if err != nil {
		return false, err
	}
	o.in.mu.Lock()
	o.in.ctx = inCtx
	o.in.mu.Unlock()
	pair, err := dt.ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return false, errFastPathSock
	}
	o.mu.Lock()
	o.ctx = ctx
	o.seal.Store(seal)
	o.pion, _ = pionSRTPOf(dt)
	o.mu.Unlock()
	bn.registerICE(pc, &o.mu, &o.ufrag, nil, o)
	return true, o.setPair(pair, bn)
}

// setPair follows the selected candidate pair (ICE restarts, network
// changes). A pair it cannot use switches the path off.
func (o *srtpOut) setPair(pair *webrtc.ICECandidatePair, bn *batchNet) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ready.Store(false)
	bn.routeRTCP(o.dst, netip.AddrPort{}, o)
	if o.ctx == nil {
		return errFastPathSock
	}
	dst, err := udpRemote(pair)
	if err != nil {
		return err
	}
	c := bn.connFor(pair.Local.Address, pair.Local.Port, dst)
	if c == nil {
		return errFastPathSock
	}
	o.conn = c
	o.dst = dst
	o.aliases = slices.DeleteFunc(o.aliases, func(a netip.AddrPort) bool { return a == dst })
	bn.routeRTCP(netip.AddrPort{}, o.dst, o)
	o.gen++
	o.ready.Store(true)
	return nil
}

// udpRemote is the remote address of a candidate pair the direct paths
// can use: UDP at both ends, IPv4.
func udpRemote(pair *webrtc.ICECandidatePair) (netip.AddrPort, error) {
	if pair == nil || pair.Local == nil || pair.Remote == nil {
		return netip.AddrPort{}, errFastPathSock
	}
	if pair.Local.Protocol != webrtc.ICEProtocolUDP || pair.Remote.Protocol != webrtc.ICEProtocolUDP {
		return netip.AddrPort{}, errFastPathTCP
	}
	raddr, err := netip.ParseAddr(pair.Remote.Address)
	if err != nil || !raddr.Unmap().Is4() {
		return netip.AddrPort{}, errFastPathSock
	}
	return netip.AddrPortFrom(raddr.Unmap(), pair.Remote.Port), nil
}

func (o *srtpOut) stop(bn *batchNet) {
	o.mu.Lock()
	o.ready.Store(false)
	o.conn = nil
	if bn != nil {
		bn.routeRTCP(o.dst, netip.AddrPort{}, o)
		o.dropAliases(bn)
		bn.ice.unregister(o.ufrag, nil, o)
	}
	o.mu.Unlock()
}

// srtcpReplayWindow is how many recent SRTCP indexes are remembered to
// refuse replays, as Pion does by default.
const srtcpReplayWindow = 64

// writeRTP encrypts and queues one packet; ok is false when the path is
// not ready and the caller must use Pion's. rt is the sending downTrack's
// rollover state and roc this packet's rollover count: the first packet
// a stream sends on this path after it came up sets the context's
// counter, since Pion's path may have sent (and wrapped) meanwhile. The
// datagram is built in wire, the caller's (sendScratch).
func (o *srtpOut) writeRTP(h *rtp.Header, payload []byte, rt *rocTracker, roc uint32, wire *[mtu + 64]byte) (n int, ok bool) {
	if !o.ready.Load() {
		return 0, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == nil {
		return 0, false
	}
	hn, err := h.MarshalTo(wire[:])
	if err != nil || hn+len(payload) > mtu {
		return 0, true // cannot be sent either way: drop
	}
	n = hn + copy(wire[hn:], payload)
	if g := o.seal.Load(); g != nil {
		if _, err := o.conn.WriteToAddrPort(g.seal(wire[:n], hn, h.SSRC, roc, h.SequenceNumber), o.dst); err != nil {
			return 0, true
		}
		return n, true
	}
	if rt != nil && rt.synced != o.gen {
		o.ctx.SetROC(h.SSRC, roc)
		rt.synced = o.gen
	}
	pkt, err := o.ctx.EncryptRTP(wire[:n], wire[:n], &o.hdr)
	if err != nil {
		return 0, true
	}
	if _, err := o.conn.WriteToAddrPort(pkt, o.dst); err != nil {
		return 0, true
	}
	return n, true
}

// syncPion runs before Pion's path sends a packet of a stream: if the
// direct path has carried the stream since Pion's path last did (the
// connection moved to ICE over TCP, say), Pion's SRTP context is set to
// the stream's rollover count. It never saw the direct packets, and after
// a sequence-number wrap it would encrypt with a count the subscriber
// cannot decrypt: the picture would stop for good.
func (o *srtpOut) syncPion(ssrc uint32, rt *rocTracker, roc uint32) {
	o.mu.Lock()
	gen, s := o.gen, o.pion
	o.mu.Unlock()
	if gen == 0 || rt.pionSynced == gen || s == nil {
		return
	}
	rt.pionSynced = gen
	_ = s.UpdateLocalOptions(func(c *srtp.Context) error {
		c.SetROC(ssrc, roc)
		return nil
	})
}

// rocTracker follows the SRTP rollover counter of the packets a
// downTrack sends, whichever path sent them: the direct path and Pion's
// have separate SRTP contexts, and one that takes over mid-stream after
// the other wrapped the sequence number would otherwise guess the counter
// wrong and the subscriber could not decrypt. Guarded by the downTrack's mu.
type rocTracker struct {
	started bool
	last    uint16 // newest sequence number sent
	roc     uint32 // its rollover count
	synced  uint32 // srtpOut.gen the direct context was last set for
	// pionSynced: srtpOut.gen Pion's context was last set for (syncPion).
	pionSynced uint32
}

// packetROC returns the rollover count of sequence number seq and
// advances the state when seq is the newest.
func (r *rocTracker) packetROC(seq uint16) uint32 {
	switch {
	case !r.started:
		r.started, r.last = true, seq
	case seqNewer(seq, r.last):
		if seq < r.last {
			r.roc++
		}
		r.last = seq
	case seq > r.last:
		return r.roc - 1 // a retransmission from before the last wrap
	}
	return r.roc
}

// sessionKeys derives a connection's SRTP keys from its DTLS session, with
// the context options its peer negotiated.
func sessionKeys(pc *webrtc.PeerConnection) (srtp.Config, []srtp.ContextOption, error) {
	// RFC 9335: the remote's a=cryptex says it can receive encrypted
	// header extensions, and Pion then sends that way; do the same.
	var opts []srtp.ContextOption
	if rd := pc.CurrentRemoteDescription(); rd != nil && strings.Contains(rd.SDP, "a=cryptex") {
		opts = append(opts, srtp.Cryptex(srtp.CryptexModeEnabled))
	}
	conn, ok := dtlsConnOf(pc.SCTP().Transport())
	if !ok {
		return srtp.Config{}, nil, errFastPathDTLS
	}
	state, ok := conn.ConnectionState()
	if !ok {
		return srtp.Config{}, nil, errFastPathDTLS
	}
	profile, ok := conn.SelectedSRTPProtectionProfile()
	if !ok {
		return srtp.Config{}, nil, errFastPathDTLS
	}
	cfg := srtp.Config{Profile: srtp.ProtectionProfile(profile)}
	isClient, ok := dtlsIsClient(pc)
	if !ok {
		return srtp.Config{}, nil, errFastPathDTLS
	}
	if err := cfg.ExtractSessionKeysFromDTLS(&state, isClient); err != nil {
		return srtp.Config{}, nil, err
	}
	return cfg, opts, nil
}

// dtlsConnOf reads the unexported DTLS connection of Pion's DTLS
// transport: the only way to its SRTP keying material. A Pion that
// renames or retypes the field turns the fast path off instead of
// breaking (TestDirectPathCarriesMedia notices).
func dtlsConnOf(t *webrtc.DTLSTransport) (*dtls.Conn, bool) {
	f, ok := transportField[*dtls.Conn](t, "conn")
	if !ok || *f == nil {
		return nil, false
	}
	return *f, true
}

// pionSRTPOf reads the unexported SRTP session of Pion's DTLS transport,
// checked the same way (TestPionPathTakesOverRolloverCount notices).
func pionSRTPOf(t *webrtc.DTLSTransport) (*srtp.SessionSRTP, bool) {
	f, ok := transportField[atomic.Value](t, "srtpSession")
	if !ok {
		return nil, false
	}
	s, ok := f.Load().(*srtp.SessionSRTP)
	return s, ok && s != nil
}

// transportField points at the unexported field name of t if it has
// type T; false if t is nil or a Pion upgrade renamed or retyped it.
func transportField[T any](t *webrtc.DTLSTransport, name string) (*T, bool) {
	if t == nil {
		return nil, false
	}
	f := reflect.ValueOf(t).Elem().FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeFor[T]() {
		return nil, false
	}
	return (*T)(unsafe.Pointer(f.UnsafeAddr())), true
}

// dtlsIsClient tells whether this side is the DTLS client, from the
// setup attributes of the current descriptions (RFC 5763): the side that
// says "active" is the client; "actpass" lets the other side choose.
func dtlsIsClient(pc *webrtc.PeerConnection) (client, ok bool) {
	ld, rd := pc.CurrentLocalDescription(), pc.CurrentRemoteDescription()
	if ld == nil || rd == nil {
		return false, false
	}
	local, remote := setupAttr(ld.SDP), setupAttr(rd.SDP)
	switch {
	case local == "active":
		return true, true
	case local == "passive":
		return false, true
	case local == "actpass" && remote == "passive":
		return true, true
	case local == "actpass" && remote == "active":
		return false, true
	}
	return false, false
}

// setupAttr is the first a=setup value of an SDP.
func setupAttr(sdp string) string {
	_, rest, ok := strings.Cut(sdp, "a=setup:")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, "\n")
	return strings.TrimSpace(v)
}

// connFor returns the media socket a local candidate lives on: the one
// bound to its address; when the candidate's address was rewritten to a
// public one (1:1 NAT, --public-ip) and several sockets share the port
// (one per interface: eth0, docker0, …), the one on the address the
// kernel would send to remote from, which is where the client's packets
// arrive.
func (n *batchNet) connFor(addr string, port uint16, remote netip.AddrPort) *batchConn {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil
	}
	if c := n.connOn(ip, port); c != nil {
		return c
	}
	if src, ok := sourceFor(remote); ok {
		return n.connOn(src, port)
	}
	return nil
}

// connOn is the media socket bound to ip:port, or nil.
func (n *batchNet) connOn(ip netip.Addr, port uint16) *batchConn {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.conns {
		la := c.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort()
		if la.Port() == port && la.Addr().Unmap() == ip.Unmap() {
			return c
		}
	}
	return nil
}

// sourceFor asks the kernel which local address it would send to remote
// from: connecting a UDP socket picks the route and sends nothing.
func sourceFor(remote netip.AddrPort) (netip.Addr, bool) {
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(remote))
	if err != nil {
		return netip.Addr{}, false
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), true
}
