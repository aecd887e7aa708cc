package sfu

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// layer is one incoming RTP stream of a receiver: the only stream of a
// plain track or one simulcast encoding. Sequence numbers are per stream,
// so each layer has its own packet cache and keyframe throttle.
type layer struct {
	r     *receiver
	idx   int
	rid   string
	track *webrtc.TrackRemote // nil in unit tests
	ssrc  uint32

	cache     *packetCache
	keyframes *keyframeRequester
	levelID   uint8 // audio level extension id on the publish connection

	// Written by the reader, read by the allocator.
	bytes   atomic.Uint64
	packets atomic.Uint64
	lastAt  atomic.Int64 // unix nanoseconds of the newest packet
	sentAt  atomic.Int64 // … of the newest packet forwarded to anyone (NACKs: pubfeedback.go)
	keyAt   atomic.Int64 // … of the newest video keyframe packet (snapshot.go)
	width   atomic.Uint32
	height  atomic.Uint32
	// Computed by the allocator tick.
	bitrate   atomic.Uint64
	lastBytes uint64 // tick goroutine only

	// taken: the direct receive path decrypts this stream (srtpin.go).
	taken atomic.Bool
	// inflight: packets of this layer queued on a worker (spread.go).
	inflight atomic.Int32

	// mu serialises handle: packets arrive from Pion's track reader
	// (run) and, once the direct path took the stream over, from the
	// media socket's reader (srtpin.go). It guards what follows.
	mu       sync.Mutex
	hdr      rtp.Header
	pi       pktInfo
	gotFirst bool
	roc      rocTracker // rollover count of the newest packet (srtpIn takeover)
	// The direct receive path's SRTP state when it decrypts (openDirect).
	replay replayWindow
	iv     [12]byte
	fb     *fbStream // NACK, receiver report and TWCC bookkeeping; nil in unit tests
}

func newLayer(r *receiver, idx int, rid string, track *webrtc.TrackRemote) *layer {
	l := &layer{r: r, idx: idx, rid: rid, track: track}
	// The cache grows to about cacheWindow of the stream's own traffic
	// (nothing for a layer that is never sent); these byte limits only
	// bite above ~2 Mbit/s for f, ~1 Mbit/s for h, ~500 kbit/s for q and
	// ~130 kbit/s for audio, where the history shortens below a second.
	size, limit := audioCacheSize, 16<<10
	if r.isVideo() {
		// The lower simulcast layers carry a quarter and a half of the
		// packets of the top one: the same time window needs fewer slots.
		switch {
		case rid == "": // not simulcast: a camera or a screen share at full rate
			size, limit = videoCacheSize, 512<<10
		case ridIndex(rid) == 0:
			size, limit = videoCacheSize/4, 64<<10
		case ridIndex(rid) == 1:
			size, limit = videoCacheSize/2, 128<<10
		default:
			size, limit = videoCacheSize, 256<<10
		}
	}
	l.cache = newPacketCacheLimit(size, mtu, limit)
	if track != nil {
		l.ssrc = uint32(track.SSRC())
		if p := r.publisher; p != nil && p.fb != nil && r.rtpRecv != nil {
			refs := fbRefs{sentAt: &l.sentAt, upLoss: &r.upLoss}
			if !r.isVideo() {
				refs.downLoss = &r.downLoss
			}
			l.fb = p.fb.bind(l.ssrc, r.codec, r.rtpRecv.GetParameters().HeaderExtensions, refs)
		}
	}
	l.keyframes = newKeyframeRequester(pliInterval, func() {
		if r.sendPLI != nil && r.isVideo() {
			r.sendPLI(l.ssrc)
		}
	})
	if r.rtpRecv != nil && !r.isVideo() {
		for _, e := range r.rtpRecv.GetParameters().HeaderExtensions {
			if e.URI == sdp.AudioLevelURI {
				l.levelID = uint8(e.ID)
			}
		}
	}
	return l
}

// run reads packets until the stream ends, then calls ended.
func (l *layer) run(ended func()) {
	defer ended()
	if l.fb != nil {
		defer l.fb.unbind()
	}
	// Read RTCP (sender reports) so the receiver reports can answer them
	// and Pion's buffer does not fill.
	go func() {
		for {
			var pkts []rtcp.Packet
			var err error
			if l.rid != "" {
				pkts, _, err = l.r.rtpRecv.ReadSimulcastRTCP(l.rid)
			} else {
				pkts, _, err = l.r.rtpRecv.ReadRTCP()
			}
			if err != nil {
				return
			}
			if l.fb != nil {
				l.fb.f.senderReports(pkts)
			}
		}
	}()
	buf := make([]byte, mtu)
	for {
		n, _, err := l.track.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				l.r.log.Debug("track read ended", "track", l.r.info.ID, "rid", l.rid, "err", err)
			}
			return
		}
		l.handleLocked(buf[:n], false)
	}
}

// handleLocked is handle under the layer's lock. batched says the caller
// (the media socket's reader) flushes the sends itself once its whole
// read batch is forwarded.
func (l *layer) handleLocked(pkt []byte, batched bool) {
	l.mu.Lock()
	l.handle(pkt, batched)
	l.mu.Unlock()
}

// takeoverROC is the rollover count of sequence number seq, judged from
// the packets handled so far. ok is false while the direct path must not
// take the stream over yet: before the layer has read a packet from Pion,
// and while Pion may still hold packets older than seq (the direct path
// would forward seq before them), which it surely does not once seq
// follows the newest one handled or the stream has paused.
func (l *layer) takeoverROC(seq uint16) (roc uint32, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.roc.started {
		return 0, false
	}
	if seq != l.roc.last+1 && time.Now().UnixNano()-l.lastAt.Load() < int64(takeoverPause) {
		return 0, false
	}
	t := l.roc // a copy: only handle advances the real one
	return t.packetROC(seq), true
}

// takeoverPause: a stream that sent nothing for this long has nothing
// left in Pion's buffers.
const takeoverPause = 100 * time.Millisecond

// handle is the hot path: parse the header in place, parse the payload
// descriptor once, hand it to every subscriber, cache it if it went out. It
// allocates nothing. l.mu is held; batched: see handleLocked.
func (l *layer) handle(pkt []byte, batched bool) {
	n, err := l.hdr.Unmarshal(pkt)
	if err != nil {
		return
	}
	l.roc.packetROC(l.hdr.SequenceNumber)
	t := time.Now()
	now := t.UnixNano()
	if l.fb != nil {
		l.fb.observe(pkt, &l.hdr, t)
	}
	l.bytes.Add(uint64(len(pkt)))
	l.packets.Add(1)
	l.lastAt.Store(now)
	if l.r.router != nil {
		l.r.router.e.stats.received.Add(1)
	}
	l.pi = pktInfo{}
	payload := pkt[n:]
	if l.hdr.PaddingSize > 0 && int(l.hdr.PaddingSize) <= len(payload) {
		payload = payload[:len(payload)-int(l.hdr.PaddingSize)]
	}
	l.pi.picOff, l.pi.tl0Off = -1, -1
	switch l.r.kind {
	case codecVP8:
		parseVP8(payload, &l.pi)
		if l.pi.key && l.pi.width > 0 {
			l.width.Store(uint32(l.pi.width))
			l.height.Store(uint32(l.pi.height))
		}
	case codecH264:
		l.pi.key = isH264Keyframe(payload)
	default:
		l.pi.key = true // audio: every packet can start a stream
	}
	if l.levelID != 0 {
		if ext := l.hdr.GetExtension(l.levelID); len(ext) > 0 {
			l.pi.hasAudio = true
			l.pi.level = ext[0] & 0x7f
			l.r.audio.observe(l.pi.level, l.hdr.Timestamp, now)
		}
	}
	if l.pi.key && l.r.kind != codecOther {
		l.keyAt.Store(now)
	}
	if !l.gotFirst {
		// A stream that starts mid-picture (a layer the encoder was
		// already sending) is asked for a keyframe, so that a late
		// joiner need not wait for the encoder's next periodic one. One
		// that starts with a keyframe, as a new camera does, is not:
		// that request would only arm the throttle, and the first
		// subscriber's own request (its slot is bound a moment later,
		// after the keyframe went by) would wait out the window: others
		// saw a newcomer's camera about 400 ms later
		// (BenchmarkNewcomerSeenByOthers).
		l.gotFirst = true
		if !l.pi.key {
			l.keyframes.request(true)
		}
	}
	// Only what went out can be NACKed: a layer nobody gets (a simulcast
	// layer before dynacast pauses it, or one no tile needs) costs no
	// cache, and the publisher is not asked to resend it (pubfeedback.go).
	// Subscribers never NACK audio (none is negotiated).
	if l.r.forward(l, pkt, n, &l.pi, batched) {
		l.sentAt.Store(now)
		if l.r.isVideo() {
			l.cache.insert(l.hdr.SequenceNumber, pkt)
		}
	}
}

// live reports whether the layer has delivered a packet recently: a
// publisher that lost uplink bandwidth (or was told to pause the layer)
// stops sending it.
func (l *layer) live(now int64) bool {
	return now-l.lastAt.Load() < int64(layerTimeout)
}

const layerTimeout = 1500 * time.Millisecond

// sendPLIFunc builds the PLI for the publisher's connection.
func sendPLIFunc(pc *webrtc.PeerConnection, log interface {
	Debug(string, ...any)
},
) func(ssrc uint32) {
	return func(ssrc uint32) {
		err := pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
		if err != nil {
			log.Debug("send PLI", "ssrc", ssrc, "err", err)
		}
	}
}
