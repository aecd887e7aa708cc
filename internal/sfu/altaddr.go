package sfu

import (
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/pion/stun/v4"
	"github.com/pion/webrtc/v4"
)

// Other addresses of a peer. The direct paths register the remote
// address of the candidate pair Pion selected. A browser may send from
// another pair it has validated: Chromium nominates the pair of its
// choice, and Pion, the controlled agent without renomination, keeps its
// first selected pair unless the new one has a higher priority. Traffic
// from that address then went to Pion: a publisher's RTP only cost CPU,
// but a subscriber's RTCP (NACK, PLI, REMB), which Pion's side no longer
// reads once the direct path is on, was lost. Seen on a machine with two
// local addresses: Chromium sent from one, Pion had selected the other.
//
// ICE accepts traffic on every pair whose checks succeeded; this does
// the same. A STUN binding request that authenticates with a
// connection's ICE password (which only the peer has, from the SDP)
// makes its source address an alias of that connection's direct paths.
// The browser sends such requests on the pair it uses, when it nominates
// it and then every few seconds (consent freshness, RFC 7675).

// maxAliases bounds the extra addresses one direct path keeps.
const maxAliases = 4

// iceCreds is one connection's local ICE password and the direct paths
// that use it (both for a single PeerConnection each way).
type iceCreds struct {
	pwd string
	in  *srtpIn
	out *srtpOut
}

// iceRegistry maps a connection's local ICE username fragment to its
// credentials. Written when a path starts or stops, read only for STUN
// from an address no path knows.
type iceRegistry struct {
	mu sync.Mutex
	m  map[string]*iceCreds
}

// localICE is pc's current local ICE username fragment and password.
func localICE(pc *webrtc.PeerConnection) (ufrag, pwd string, ok bool) {
	p, err := pc.SCTP().Transport().ICETransport().GetLocalParameters()
	if err != nil || p.UsernameFragment == "" || p.Password == "" {
		return "", "", false
	}
	return p.UsernameFragment, p.Password, true
}

// register records in or out (one may be nil) under ufrag.
func (r *iceRegistry) register(ufrag, pwd string, in *srtpIn, out *srtpOut) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*iceCreds{}
	}
	c := r.m[ufrag]
	if c == nil || c.pwd != pwd {
		c = &iceCreds{pwd: pwd}
		r.m[ufrag] = c
	}
	if in != nil {
		c.in = in
	}
	if out != nil {
		c.out = out
	}
}

// unregister removes in or out from ufrag's entry, and the entry once
// empty.
func (r *iceRegistry) unregister(ufrag string, in *srtpIn, out *srtpOut) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.m[ufrag]
	if c == nil {
		return
	}
	if in != nil && c.in == in {
		c.in = nil
	}
	if out != nil && c.out == out {
		c.out = nil
	}
	if c.in == nil && c.out == nil {
		delete(r.m, ufrag)
	}
}

func (r *iceRegistry) lookup(ufrag string) (iceCreds, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.m[ufrag]
	if c == nil {
		return iceCreds{}, false
	}
	return *c, true
}

// isSTUNRequest: a STUN binding request (RFC 5389: type 0x0001, the
// magic cookie).
func isSTUNRequest(b []byte) bool {
	return len(b) >= 20 && b[0] == 0 && b[1] == 1 &&
		b[4] == 0x21 && b[5] == 0x12 && b[6] == 0xa4 && b[7] == 0x42
}

// learn makes from an alias of the direct paths whose ICE password
// authenticates the binding request pkt. pkt is not modified: Pion
// answers it.
func (n *batchNet) learn(from netip.AddrPort, pkt []byte) {
	if len(pkt) > mtu {
		return
	}
	var buf [mtu]byte
	m := &stun.Message{Raw: buf[:copy(buf[:], pkt)]}
	if m.Decode() != nil || m.Type != stun.BindingRequest {
		return
	}
	var user stun.Username
	if user.GetFrom(m) != nil {
		return
	}
	local, _, found := strings.Cut(user.String(), ":")
	if !found {
		return
	}
	c, ok := n.ice.lookup(local)
	if !ok || stun.NewShortTermIntegrity(c.pwd).Check(m) != nil {
		return
	}
	if c.in != nil {
		c.in.addAlias(from, n)
	}
	if c.out != nil {
		c.out.addAlias(from, n)
	}
}

// newAlias adds from to list unless it is the path's own address, known
// already, or one too many.
func newAlias(list *[]netip.AddrPort, from, own netip.AddrPort) bool {
	if from == own || len(*list) >= maxAliases || slices.Contains(*list, from) {
		return false
	}
	*list = append(*list, from)
	return true
}

// addAlias routes from's RTP to this publisher path too.
func (in *srtpIn) addAlias(from netip.AddrPort, bn *batchNet) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ctx != nil && newAlias(&in.aliases, from, in.src) {
		bn.pubSinks.store(from, in)
	}
}

// dropAliases forgets the extra addresses; in.mu is held.
func (in *srtpIn) dropAliases(bn *batchNet) {
	for _, a := range in.aliases {
		bn.pubSinks.compareAndDelete(a, in)
	}
	in.aliases = nil
}

// addAlias routes from's RTCP to this subscriber path too.
func (o *srtpOut) addAlias(from netip.AddrPort, bn *batchNet) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ctx != nil && newAlias(&o.aliases, from, o.dst) {
		bn.routeRTCP(netip.AddrPort{}, from, o)
	}
}

// dropAliases forgets the extra addresses; o.mu is held.
func (o *srtpOut) dropAliases(bn *batchNet) {
	for _, a := range o.aliases {
		bn.routeRTCP(a, netip.AddrPort{}, o)
	}
	o.aliases = nil
}

// registerICE records pc's current ICE credentials for in or out (the
// other nil); *ufrag, guarded by mu, is the fragment they had before
// (an ICE restart changes it).
func (n *batchNet) registerICE(pc *webrtc.PeerConnection, mu *sync.Mutex, ufrag *string, in *srtpIn, out *srtpOut) {
	u, pwd, ok := localICE(pc)
	if !ok {
		return
	}
	mu.Lock()
	old := *ufrag
	*ufrag = u
	mu.Unlock()
	if old != "" && old != u {
		n.ice.unregister(old, in, out)
	}
	n.ice.register(u, pwd, in, out)
}
