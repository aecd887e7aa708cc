package sfu

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// srtpIn is a publisher's direct receive path. Through Pion, every
// incoming packet crossed three goroutines (the UDP mux's reader, the
// DTLS/SRTP session's, the track's reader), each hand-off a chance to
// park and wake a thread: together with Pion's per-packet work that was
// about a third of the server's CPU. Here the media socket's reader
// (batchread.go) decrypts a publisher's RTP with the connection's own
// SRTP keys and forwards it on the spot, so a packet goes from recvmmsg
// to the subscribers' sendmmsg on one goroutine.
//
// Like srtpOut it is an optimisation with a fallback. Pion still reads
// what this path does not take: STUN, DTLS, the publisher's RTCP, a new
// stream until OnTrack has made a layer of it (simulcast streams are
// told apart there by their RID extension), every packet of a connection
// over ICE-TCP or before the path is up. A stream is taken over only
// after its layer has read a packet from Pion, so the rollover counter
// the takeover starts from is known (layer.roc).
type srtpIn struct {
	ready atomic.Bool

	mu   sync.Mutex // guards ctx, src, aliases, ufrag, takeovers and hdr: one datagram at a time
	ctx  *srtp.Context
	open *gcmSRTP       // when set, streams are decrypted here, not by ctx (layer.openDirect)
	src  netip.AddrPort // the publisher's address, registered in batchNet.pubSinks
	// aliases: other addresses the publisher sends from (altaddr.go);
	// ufrag: the connection's local ICE username fragment.
	aliases []netip.AddrPort
	ufrag   string
	hdr     rtp.Header

	// layers: the streams this path may take; a handful (simulcast
	// layers and audio), so a scan beats a map that is cold in the cache.
	// Each SSRC sits beside its layer: the scan reads one cache line, not
	// one per layer (those misses were 1 % of the server's CPU at 50 × 50).
	lmu    sync.Mutex // serialises writes to layers
	layers atomic.Pointer[[]layerRef]

	bad atomic.Uint64 // datagrams that did not decrypt
}

// srtpReplayWindow is how many recent SRTP indexes are remembered to
// refuse replays: 1024, as libwebrtc. Pion's default of 64 refused a
// retransmission that came more than 64 packets after the original: a
// lost keyframe packet recovered by NACK a second later on a busy
// publisher, so that layer's subscribers waited for keyframes that never
// completed (seen on a starved machine: minutes on Chromium's 360p layer).
const srtpReplayWindow = 1024

// start derives the decryption context from the publish connection's
// DTLS session and registers the connection's remote address. It is
// called once the connection is up; an error leaves Pion reading. first
// is true the first time the keys are derived.
func (in *srtpIn) start(pc *webrtc.PeerConnection, bn *batchNet) (first bool, err error) {
	in.mu.Lock()
	started := in.ctx != nil
	in.mu.Unlock()
	if !started {
		cfg, opts, err := sessionKeys(pc)
		if err != nil {
			return false, err
		}
		var open *gcmSRTP
		if len(opts) == 0 { // no cryptex
			if open, err = newGCMSRTP(cfg.Profile, cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt); err != nil {
				return false, err
			}
		}
		opts = append(opts, srtp.SRTPReplayProtection(srtpReplayWindow))
		ctx, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, cfg.Profile, opts...)
		if err != nil {
			return false, err
		}
		in.mu.Lock()
		in.ctx = ctx
		in.open = open
		in.mu.Unlock()
		first = true
	}
	bn.registerICE(pc, &in.mu, &in.ufrag, in, nil)
	pair, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil {
		return first, errFastPathSock
	}
	return first, in.setPair(pair, bn)
}

// setPair follows the selected candidate pair; one it cannot use hands
// reading back to Pion.
func (in *srtpIn) setPair(pair *webrtc.ICECandidatePair, bn *batchNet) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.ready.Store(false)
	if in.src.IsValid() {
		bn.pubSinks.compareAndDelete(in.src, in)
		in.src = netip.AddrPort{}
	}
	if in.ctx == nil {
		return errFastPathSock
	}
	src, err := udpRemote(pair)
	if err != nil {
		return err
	}
	in.src = src
	in.aliases = slices.DeleteFunc(in.aliases, func(a netip.AddrPort) bool { return a == src })
	// Streams are taken over afresh: while the path was off Pion read
	// them, possibly past a sequence-number wrap that this context did
	// not see (layer.roc did).
	if ls := in.layers.Load(); ls != nil {
		for _, r := range *ls {
			r.l.taken.Store(false)
		}
	}
	bn.pubSinks.store(in.src, in)
	in.ready.Store(true)
	return nil
}

func (in *srtpIn) stop(bn *batchNet) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.ready.Store(false)
	if bn != nil {
		if in.src.IsValid() {
			bn.pubSinks.compareAndDelete(in.src, in)
		}
		in.dropAliases(bn)
		bn.ice.unregister(in.ufrag, in, nil)
	}
	in.src = netip.AddrPort{}
}

// layerRef is one entry of srtpIn.layers.
type layerRef struct {
	ssrc uint32
	l    *layer
}

// addLayer makes l's stream eligible for the direct path.
func (in *srtpIn) addLayer(l *layer) {
	in.lmu.Lock()
	defer in.lmu.Unlock()
	next := []layerRef{{ssrc: l.ssrc, l: l}}
	if old := in.layers.Load(); old != nil {
		for _, o := range *old {
			if o.ssrc != l.ssrc {
				next = append(next, o)
			}
		}
	}
	in.layers.Store(&next)
}

func (in *srtpIn) removeLayer(l *layer) {
	in.lmu.Lock()
	if old := in.layers.Load(); old != nil {
		next := make([]layerRef, 0, len(*old))
		for _, o := range *old {
			if o.l != l {
				next = append(next, o)
			}
		}
		in.layers.Store(&next)
	}
	in.lmu.Unlock()
	in.mu.Lock()
	l.taken.Store(false) // a stream that comes back restarts from Pion
	in.mu.Unlock()
}

// readRTP takes one SRTP datagram from the media socket's reader and
// forwards it, on the spot or, when the reader is falling behind, on a
// worker (spread.go). false means "not mine": the reader hands it to
// Pion. Datagrams that do not decrypt are dropped, as Pion would.
func (in *srtpIn) readRTP(pkt []byte, sp *spreader) bool {
	if !in.ready.Load() || len(pkt) < 12 {
		return false
	}
	layers := in.layers.Load()
	if layers == nil {
		return false
	}
	ssrc := binary.BigEndian.Uint32(pkt[8:12])
	var l *layer
	for _, c := range *layers {
		if c.ssrc == ssrc {
			l = c.l
			break
		}
	}
	if l == nil {
		return false
	}
	if !l.taken.Load() && !in.takeOver(l, binary.BigEndian.Uint16(pkt[2:4])) {
		return false // its layer has not read from Pion yet
	}
	if sp.take(in, l, pkt) {
		return true
	}
	in.forward(l, pkt)
	return true
}

// takeOver starts decrypting l's stream here, at packet seq.
func (in *srtpIn) takeOver(l *layer, seq uint16) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if l.taken.Load() {
		return true
	}
	roc, ok := l.takeoverROC(seq)
	if !ok {
		return false
	}
	in.ctx.SetROC(l.ssrc, roc)
	l.forgetReplays()
	l.taken.Store(true)
	return true
}

// forward decrypts pkt in place and hands it to its layer.
func (in *srtpIn) forward(l *layer, pkt []byte) {
	if in.open != nil {
		if !l.openDirect(in.open, pkt) {
			in.bad.Add(1)
			return
		}
	} else {
		in.mu.Lock()
		dec, err := in.ctx.DecryptRTP(pkt, pkt, &in.hdr)
		in.mu.Unlock()
		if err != nil {
			in.bad.Add(1)
			return
		}
		l.handleLocked(dec, true)
	}
	if rt := l.r.router; rt != nil {
		rt.e.stats.receivedDirect.Add(1)
	}
}

// openDirect decrypts pkt in place with the connection's AEAD keys and
// handles it; false if it does not authenticate or is a replay. Pion's
// context would look the stream's state up in a map and track its
// rollover count, which the layer already does (l.roc); with the
// context's lock, header parsing and replay window that was about 4 %
// of the server's CPU at 50 × 50.
func (l *layer) openDirect(g *gcmSRTP, pkt []byte) bool {
	hdrLen, ok := rtpHeaderLen(pkt)
	if !ok {
		return false
	}
	seq := binary.BigEndian.Uint16(pkt[2:4])
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.roc // a copy: handle advances the real one once it is authentic
	roc := t.packetROC(seq)
	index := uint64(roc)<<16 | uint64(seq)
	if !l.replay.fresh(index) {
		return false
	}
	dec, err := g.open(pkt, hdrLen, l.ssrc, roc, seq, &l.iv)
	if err != nil {
		return false
	}
	l.replay.accept(index)
	l.handle(dec, true)
	return true
}

// forgetReplays starts a new replay window: the direct path takes the
// stream over (again) where Pion's context left it.
func (l *layer) forgetReplays() {
	l.mu.Lock()
	l.replay = replayWindow{}
	l.mu.Unlock()
}

// replayWindow refuses SRTP packets whose index was accepted before or
// is older than the window (RFC 3711 §3.3.2), srtpReplayWindow indexes
// wide. The bitmap is a ring: index i is bit i mod the window, so the
// usual step (the next index) clears and sets one bit. Pion's detector
// keeps the window in a big-integer type whose shifts cost more than the
// AES-GCM open of a packet.
type replayWindow struct {
	started bool
	top     uint64                        // the highest index accepted
	seen    [srtpReplayWindow / 64]uint64 // bit i mod window: index i accepted, for i in (top-window, top]
}

func (w *replayWindow) bit(i uint64) (word int, mask uint64) {
	b := i % srtpReplayWindow
	return int(b / 64), 1 << (b % 64)
}

// fresh tells whether index may be accepted.
func (w *replayWindow) fresh(index uint64) bool {
	if !w.started || index > w.top {
		return true
	}
	if w.top-index >= srtpReplayWindow {
		return false
	}
	word, mask := w.bit(index)
	return w.seen[word]&mask == 0
}

// accept records an authentic packet's index.
func (w *replayWindow) accept(index uint64) {
	switch {
	case !w.started:
		w.started, w.top, w.seen = true, index, [srtpReplayWindow / 64]uint64{}
	case index > w.top:
		// The indexes skipped over take the bits of ones now too old.
		if index-w.top >= srtpReplayWindow {
			w.seen = [srtpReplayWindow / 64]uint64{}
		} else {
			for i := w.top + 1; i < index; i++ {
				word, mask := w.bit(i)
				w.seen[word] &^= mask
			}
		}
		w.top = index
	}
	word, mask := w.bit(index)
	w.seen[word] |= mask
}
