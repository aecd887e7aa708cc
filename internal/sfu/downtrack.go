package sfu

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rtpWriter is where a downTrack sends packets: the RTPSender's write
// stream in production (webrtc.TrackLocalWriter), a discard writer in the
// benchmark.
type rtpWriter interface {
	WriteRTP(h *rtp.Header, payload []byte) (int, error)
}

// downTrack forwards one published track to one subscriber. It is a
// webrtc.TrackLocal of its own rather than a TrackLocalStaticRTP so that
// picking the layer and rewriting the header (munger.go) happen in one
// place without allocating.
//
// Layer selection: target is the layer the allocator wants (-1 = paused);
// current is the layer being forwarded. A switch happens only on a
// keyframe of the target layer; until then the current one keeps flowing,
// so the picture never freezes.
type downTrack struct {
	id, streamID string
	kind         webrtc.RTPCodecType
	codec        webrtc.RTPCodecCapability
	recv         *receiver
	subscriber   *Peer

	fast        *srtpOut // the subscriber's direct path, nil in unit tests
	slot        *slot    // the receive slot it writes to; nil: its own m-line
	sender      *webrtc.RTPSender
	transceiver *webrtc.RTPTransceiver

	ssrcA       atomic.Uint32 // d.ssrc, for readers without d.mu
	rtcpReading atomic.Bool   // readRTCP runs (rtcpin.go)

	// Fast, lock-free rejection of packets of layers that are neither
	// current nor target (two of three for a simulcast track), nor the
	// layer a repair may fall back to.
	curA, tgtA, fixA atomic.Int32

	// prefs and allocation (allocator.go).
	prefW, prefH atomic.Uint32 // tile size the client reported
	hasPrefs     atomic.Bool
	prefPaused   atomic.Bool  // the client said the tile is not visible
	want         atomic.Int32 // layer allocated before liveness (dynacast input)
	wish         atomic.Int32 // layer the tile asked for at the last allocation
	gauge        atomic.Int32 // subscribed-tracks gauge state (stats.go)

	mu      sync.Mutex // guards the fields below: writes come from layer readers and the RTCP reader
	w       rtpWriter
	ssrc    uint32
	pt      uint8
	hdr     rtp.Header // scratch header, reused for every packet
	started bool       // a packet actually went out
	closed  bool
	cur     int   // layer forwarded, -1 none
	tgt     int   // layer wanted, -1 paused
	fix     int   // a lower layer to fall back to on its keyframe, -1 none (repair)
	fixAt   int64 // when fix was set, unix ns
	fixReq  int64 // when fix's layer was last asked for a keyframe
	keyReq  int64
	m       munger
	mStart  munger     // m before the switch that starts the stream (writeRTP)
	sr      sendCounts // for sender reports (reports.go)
	roc     rocTracker // SRTP rollover count of what was sent (srtpout.go)

	// Used only by the RTCP reader goroutine.
	rtxHdr  rtp.Header
	rtxInfo pktInfo

	// rrCum: the subscriber's latest report's cumulative counts (rrCount),
	// qPrev what the last quality evaluation read (connquality.go); cold,
	// so kept out of the forwarding lines.
	rrCum atomic.Uint64
	qPrev uint64
}

func newDownTrack(recv *receiver, subscriber *Peer) *downTrack {
	d := &downTrack{
		id:         recv.info.ID,
		streamID:   recv.info.PeerID,
		kind:       webrtc.NewRTPCodecType(recv.info.Kind),
		codec:      recv.codec.RTPCodecCapability,
		recv:       recv,
		subscriber: subscriber,
		cur:        -1,
		tgt:        recv.defaultLayer(),
		fix:        -1,
	}
	d.curA.Store(-1)
	d.fixA.Store(-1)
	d.tgtA.Store(int32(d.tgt))
	d.want.Store(int32(d.tgt))
	if subscriber != nil {
		d.fast = &subscriber.out
	}
	return d
}

// ID, RID, StreamID, Kind, Bind and Unbind implement webrtc.TrackLocal.

func (d *downTrack) ID() string                { return d.id }
func (d *downTrack) RID() string               { return "" }
func (d *downTrack) StreamID() string          { return d.streamID }
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.kind }

// Bind is called by Pion once the subscriber's answer is applied; only then
// are the SSRC and negotiated payload type known.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := matchCodec(d.codec, ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w = ctx.WriteStream()
	d.ssrc = uint32(ctx.SSRC())
	d.ssrcA.Store(d.ssrc)
	d.pt = uint8(codec.PayloadType)
	if p := d.subscriber; p != nil {
		p.mu.Lock()
		p.bySSRC[d.ssrc] = d
		p.mu.Unlock()
	}
	return codec, nil
}

func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w = nil
	return nil
}

func matchCodec(want webrtc.RTPCodecCapability, have []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	for _, c := range have {
		if strings.EqualFold(c.MimeType, want.MimeType) && c.ClockRate == want.ClockRate &&
			c.SDPFmtpLine == want.SDPFmtpLine {
			return c, true
		}
	}
	for _, c := range have {
		if strings.EqualFold(c.MimeType, want.MimeType) && c.ClockRate == want.ClockRate {
			return c, true
		}
	}
	return webrtc.RTPCodecParameters{}, false
}

// sendScratch is where one packet to a subscriber is built: its payload
// when rewritten, then the whole datagram, sealed, before it is copied
// into the send queue. Sending copies it out at once, so one per fan-out
// loop is enough, rather than one per downTrack (2,450 of them in a
// 50-person meeting) or one per subscriber connection; and the same few
// kilobytes stay in the core's L1 cache for the whole fan-out, where 40
// subscribers' own buffers did not (the stores' cache misses showed as
// the send queue's unlock, 4 % of the server's CPU at 10 × 40).
type sendScratch struct {
	payload [mtu]byte
	wire    [mtu + 64]byte
}

var scratchPool = sync.Pool{New: func() any { return new(sendScratch) }}

// keyframeRetry is how long a pending switch waits for the target layer's
// keyframe before asking again.
const keyframeRetry = int64(time.Second)

// writeRTP sends one packet of layer l to the subscriber, if l is the
// layer this subscriber gets, and says whether it was, and how many bytes
// left (0 before the connection is up). It allocates nothing. scratch is
// where the packet is built (sendScratch); the caller's, as one fan-out
// loop needs only one.
func (d *downTrack) writeRTP(l *layer, h *rtp.Header, payload []byte, pi *pktInfo, scratch *sendScratch) (forwarded bool, sent int) {
	li := int32(l.idx)
	if li != d.curA.Load() && li != d.tgtA.Load() && li != d.fixA.Load() {
		return false, 0
	}
	starting := false // this packet would be the first to go out
	d.mu.Lock()
	if d.w == nil || d.closed {
		d.mu.Unlock()
		return false, 0
	}
	now := l.lastAt.Load()
	if l.idx != d.cur {
		if l.idx != d.tgt {
			take, ask := d.fallBack(l, pi, now)
			if !take {
				d.mu.Unlock()
				if ask {
					l.keyframes.request(true)
				}
				return false, 0
			}
		} else if !pi.key {
			// Keep forwarding the current layer; nudge the publisher if
			// the keyframe is slow to come.
			retry := now-d.keyReq > keyframeRetry
			if retry {
				d.keyReq = now
			}
			d.mu.Unlock()
			if retry {
				l.keyframes.request(true)
			}
			return false, 0
		}
		if !d.started {
			starting = true
			d.mStart = d.m
		}
		d.m.rebase(l.idx, h, pi, now, d.recv.clock)
		d.cur = l.idx
		d.curA.Store(li)
		d.endRepair()
	} else if pi.key && d.fix >= 0 {
		d.endRepair() // the current layer's own keyframe came first
	}
	d.hdr = *h
	d.hdr.SSRC = d.ssrc
	d.hdr.PayloadType = d.pt
	// Header extension ids were negotiated on the publisher's connection
	// and mean nothing (or something else) on the subscriber's: drop them.
	d.hdr.Extension = false
	d.hdr.ExtensionProfile = 0
	d.hdr.Extensions = nil
	// Padding bytes, if any, are still at the end of payload.
	d.hdr.PaddingSize = 0
	out := d.m.apply(&d.m.cur, &d.hdr, pi, payload, scratch.payload[:], now, true)
	n := d.send(out, now, &scratch.wire)
	if n == 0 && starting {
		// The connection is not up yet (DTLS): this keyframe is lost, so
		// start on the next one, as if this one had not come, instead of
		// sending what depends on it.
		d.m = d.mStart
		d.cur = -1
		d.curA.Store(-1)
		d.startLow()
	}
	// Writes before DTLS is up return 0 and are dropped by Pion.
	if n > 0 {
		d.started = true
	}
	d.mu.Unlock()
	// A video starts only on a keyframe (above), so a subscriber whose
	// first packet went out has one: asking for another, as this did
	// once, cost every new subscriber and every slot switch a second
	// keyframe half a second later, from the publisher's uplink.
	return true, n
}

// send writes d.hdr and payload through the direct path when it is up,
// else through Pion, and counts it for sender reports. now is the packet's
// arrival (0 for a retransmission, which does not move the RTP clock);
// the direct path builds the datagram in wire. Called with d.mu held.
func (d *downTrack) send(payload []byte, now int64, wire *[mtu + 64]byte) int {
	n, ok := 0, false
	// A packet that does not go out (before DTLS is up) must not move the
	// rollover count: the subscriber starts counting at the first packet
	// it gets, and a count started on an earlier number, before a wrap,
	// would make the whole stream undecryptable for it.
	before := d.roc
	roc := d.roc.packetROC(d.hdr.SequenceNumber)
	if d.fast != nil {
		n, ok = d.fast.writeRTP(&d.hdr, payload, &d.roc, roc, wire)
	}
	if !ok {
		if d.fast != nil {
			d.fast.syncPion(d.hdr.SSRC, &d.roc, roc)
		}
		n, _ = d.w.WriteRTP(&d.hdr, payload)
	}
	if n > 0 {
		d.sr.count(d.hdr.Timestamp, len(payload), now)
	} else {
		d.roc = before
	}
	return n
}

// setTarget changes the wanted layer (-1 pauses). Pausing is immediate;
// a new layer starts on its next keyframe, which is requested now.
func (d *downTrack) setTarget(layer int) (changed bool) {
	d.mu.Lock()
	if d.tgt == layer {
		d.mu.Unlock()
		return false
	}
	resumed, paused := d.tgt < 0 && layer >= 0, d.tgt >= 0 && layer < 0
	d.tgt = layer
	d.tgtA.Store(int32(layer))
	if layer < 0 {
		d.cur = -1
		d.curA.Store(-1)
		d.endRepair()
	} else if d.cur < 0 {
		d.startLow()
	}
	d.keyReq = time.Now().UnixNano()
	d.mu.Unlock()
	if resumed || paused {
		d.recv.refreshUnpaused() // the fan-out visits unpaused downTracks only
	}
	if layer >= 0 && layer != d.current() {
		if l := d.recv.layers[layer].Load(); l != nil {
			l.keyframes.request(true)
		}
	}
	return true
}

// repairGrace is how long a video waiting for a keyframe (a subscriber's
// PLI, or a start) waits for its own layer's before it takes the lowest
// layer's instead. A healthy encoder answers well within it; each
// fallback costs the viewer a drop to the low layer and a second switch
// back up, which Chromium counts as one more freeze.
const repairGrace = 500 * time.Millisecond

// repair answers the subscriber's keyframe request (its decoder lost the
// picture): the current layer is asked for a keyframe, and for simulcast
// the lowest live layer is armed as a fallback (fallBack). Waiting only
// for the current layer froze tiles for a minute when a publisher's
// encoder did not deliver on its 360p layer (Chromium on a starved CPU,
// seen in the six-browser test) while its 180p layer did.
func (d *downTrack) repair() {
	c := d.current()
	if c < 0 {
		return
	}
	if l := d.recv.layers[c].Load(); l != nil {
		l.keyframes.request(false)
	}
	if c == 0 {
		return
	}
	d.mu.Lock()
	if d.cur == c && !d.closed && d.fix < 0 {
		d.armFallback(c)
	}
	d.mu.Unlock()
}

// startLow arms the lowest live layer as a fallback for a video that has
// not started (or restarts), in case its target's keyframe does not come.
// d.mu is held.
func (d *downTrack) startLow() {
	if d.cur < 0 && d.tgt > 0 {
		d.armFallback(d.tgt)
	}
}

// armFallback makes the lowest live layer, if below the layer waited
// for, the fallback of a simulcast track. d.mu is held.
func (d *downTrack) armFallback(waited int) {
	if !d.recv.simulcast.Load() {
		return
	}
	now := time.Now().UnixNano()
	if lo := liveAtOrBelow(d.recv, 0, now); lo < waited {
		d.fix, d.fixAt, d.fixReq = lo, now, 0
		d.fixA.Store(int32(lo))
	}
}

// fallBack decides about a packet of layer l, neither current nor target:
// take it (a keyframe of the fallback layer once repairGrace has passed:
// the switch happens), or ask l for a keyframe (after the grace, at most
// once per keyframeRetry). d.mu is held.
func (d *downTrack) fallBack(l *layer, pi *pktInfo, now int64) (take, ask bool) {
	if l.idx != d.fix || now-d.fixAt < int64(repairGrace) {
		return false, false
	}
	if pi.key {
		return true, false
	}
	if now-d.fixReq > keyframeRetry {
		d.fixReq = now
		return false, true
	}
	return false, false
}

// endRepair forgets the fallback layer; d.mu is held.
func (d *downTrack) endRepair() {
	d.fix = -1
	d.fixA.Store(-1)
}

// startKeyframe asks d's source for a keyframe so that a video that has
// just been put on a slot starts at once. It waits for the slot to be
// bound and the connection to be up (Peer.subState calls it then): a
// keyframe that arrives before is dropped, and asking then would only
// hold back the next request by the throttle's window.
func (d *downTrack) startKeyframe() {
	d.mu.Lock()
	ready := d.w != nil && !d.started && !d.closed
	d.mu.Unlock()
	if !ready || d.kind != webrtc.RTPCodecTypeVideo || d.subscriber == nil || !d.subscriber.subUp.Load() {
		return
	}
	if l := d.recv.layers[max(d.target(), 0)].Load(); l != nil {
		l.keyframes.request(true)
	}
}

// resync makes the next forwarded packet start a new epoch (after a
// server-side mute, the publisher's numbers jumped).
func (d *downTrack) resync() {
	d.mu.Lock()
	d.cur = -1
	d.curA.Store(-1)
	d.startLow()
	d.mu.Unlock()
}

func (d *downTrack) current() int {
	return int(d.curA.Load())
}

func (d *downTrack) target() int {
	return int(d.tgtA.Load())
}

// close stops writing; the transceiver is removed by the subscriber.
func (d *downTrack) close() {
	d.countDead()
	d.mu.Lock()
	d.closed = true
	d.w = nil
	ssrc := d.ssrc
	d.mu.Unlock()
	if p := d.subscriber; p != nil && ssrc != 0 {
		p.mu.Lock()
		if p.bySSRC[ssrc] == d {
			delete(p.bySSRC, ssrc)
		}
		p.mu.Unlock()
	}
}

// startRTCPReader starts readRTCP once.
func (d *downTrack) startRTCPReader() {
	if d.sender != nil && d.rtcpReading.CompareAndSwap(false, true) {
		go d.readRTCP()
	}
}

// readRTCP reads this track's feedback from Pion until the sender stops:
// the way RTCP arrives when the direct path (rtcpin.go) is not in use.
func (d *downTrack) readRTCP() {
	buf := make([]byte, mtu)
	scratch := make([]byte, mtu)
	for {
		n, _, err := d.sender.Read(buf)
		if err != nil {
			return
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				if d.subscriber != nil {
					d.subscriber.bwe.remb(uint64(p.Bitrate))
				}
			case *rtcp.ReceiverReport:
				for _, rr := range p.Reports {
					if rr.SSRC == d.ssrcA.Load() {
						d.reportedLoss(rr)
					}
				}
			default:
				d.feedback(p, scratch)
			}
		}
	}
}

// reportedLoss applies the loss the subscriber reported for this track:
// to its bandwidth estimate, and for audio to the publisher's receiver
// reports (downloss.go).
func (d *downTrack) reportedLoss(r rtcp.ReceptionReport) {
	frac := r.FractionLost
	if d.subscriber != nil {
		d.subscriber.bwe.loss(frac)
	}
	d.rrCum.Store(rrCount(r))
	if d.kind == webrtc.RTPCodecTypeAudio {
		d.recv.downLoss.note(frac, time.Now().UnixNano())
	}
}

// feedback handles one packet of feedback about this track: NACKs are
// answered from the packet cache, PLI/FIR go to the publisher through the
// throttle.
func (d *downTrack) feedback(p rtcp.Packet, scratch []byte) {
	switch p := p.(type) {
	case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
		d.repair()
	case *rtcp.TransportLayerNack:
		for i := range p.Nacks {
			p.Nacks[i].Range(func(seq uint16) bool {
				d.retransmit(seq, scratch)
				return true
			})
		}
	}
}

// retransmit resends one packet to this subscriber only: the munger maps
// the subscriber's sequence number back to the layer and number it came
// from, and the packet is taken from that layer's cache.
func (d *downTrack) retransmit(outSeq uint16, scratch []byte) {
	d.mu.Lock()
	e, ok := d.m.lookup(outSeq)
	d.mu.Unlock()
	if !ok {
		return
	}
	l := d.recv.layers[e.layer].Load()
	if l == nil {
		return
	}
	n, ok := l.cache.get(outSeq-e.seqOff, scratch)
	if !ok {
		return
	}
	hn, err := d.rtxHdr.Unmarshal(scratch[:n])
	if err != nil {
		return
	}
	d.rtxInfo = pktInfo{picOff: -1, tl0Off: -1}
	if d.recv.kind == codecVP8 {
		parseVP8(scratch[hn:n], &d.rtxInfo)
	}
	d.mu.Lock()
	if d.w == nil || d.closed {
		d.mu.Unlock()
		return
	}
	d.hdr = d.rtxHdr
	d.hdr.SSRC = d.ssrc
	d.hdr.PayloadType = d.pt
	d.hdr.Extension = false
	d.hdr.ExtensionProfile = 0
	d.hdr.Extensions = nil
	d.hdr.PaddingSize = 0
	buf := scratchPool.Get().(*sendScratch)
	out := d.m.apply(&e, &d.hdr, &d.rtxInfo, scratch[hn:n], buf.payload[:], 0, false)
	d.send(out, 0, &buf.wire)
	scratchPool.Put(buf)
	d.mu.Unlock()
	if d.recv.router != nil {
		d.recv.router.e.stats.retransmitted.Add(1)
	}
}
