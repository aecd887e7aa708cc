package sfu

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

const (
	// mtu bounds one RTP packet as read from the publisher.
	mtu = 1500
	// Cache sizes: ~500 video packets are a couple of seconds at 1–2
	// Mbit/s, well past any useful NACK round trip; audio needs fewer.
	videoCacheSize = 512
	audioCacheSize = 128
	// maxLayers is the number of simulcast layers a track may have.
	maxLayers = 3
)

// receiver is one published (incoming) track: one layer, or up to three
// simulcast layers, each read by its own goroutine into its own packet
// cache, fanned out to one downTrack per subscriber. Each downTrack picks
// the layer it forwards.
type receiver struct {
	info      TrackInfo
	codec     webrtc.RTPCodecParameters
	publisher *Peer
	rtpRecv   *webrtc.RTPReceiver
	log       *slog.Logger
	router    *Router // nil in unit tests
	sendPLI   func(ssrc uint32)
	clock     uint32
	kind      int // codecVP8, codecH264, codecOther

	layers    [maxLayers]atomic.Pointer[layer]
	simulcast atomic.Bool
	// muted is the server-enforced mute (Router.SetTrackMuted).
	muted atomic.Bool
	// Audio: smoothed level and rank among the room's audio tracks
	// (speaker.go); 0 is the loudest.
	audio audioState
	// downLoss: audio only, the worst loss subscribers reported lately
	// (downloss.go).
	downLoss lossPeak
	// upLoss: the worst loss of its layers on the way in lately, as the
	// server's receiver reports say (connquality.go).
	upLoss lossPeak
	// source is set by the room ("camera", "screen", …); it raises the
	// allocation priority of screen shares.
	source atomic.Pointer[string]

	// downTracks is copy-on-write so that the per-packet fan-out reads it
	// without a lock. unpaused is the part of it the fan-out visits: in a
	// big meeting most subscribers have most tracks paused (top-N audio,
	// thumbnails out of view), and visiting them cost a cache miss each
	// per packet.
	downTracks atomic.Pointer[[]*downTrack]
	unpaused   atomic.Pointer[[]*downTrack]
	mu         sync.Mutex // guards writes to downTracks, unpaused, closed, running, activeRIDs
	closed     bool
	running    int
	activeRIDs string // last layer set announced to the publisher (dynacast)

	// Used only by the router's tick goroutine (dynacast).
	created  time.Time
	unneeded [maxLayers]time.Time

	closeOnce sync.Once
	done      chan struct{}
}

const (
	codecOther = iota
	codecVP8
	codecH264
)

func newReceiver(info TrackInfo, codec webrtc.RTPCodecParameters, publisher *Peer,
	rr *webrtc.RTPReceiver, log *slog.Logger, sendPLI func(ssrc uint32),
) *receiver {
	r := &receiver{
		info:      info,
		codec:     codec,
		publisher: publisher,
		rtpRecv:   rr,
		log:       log,
		sendPLI:   sendPLI,
		clock:     codec.ClockRate,
		created:   time.Now(),
		done:      make(chan struct{}),
	}
	if r.clock == 0 {
		r.clock = 90000
	}
	switch {
	case equalFoldMime(codec.MimeType, webrtc.MimeTypeVP8):
		r.kind = codecVP8
	case equalFoldMime(codec.MimeType, webrtc.MimeTypeH264):
		r.kind = codecH264
	}
	r.downTracks.Store(&[]*downTrack{})
	r.unpaused.Store(&[]*downTrack{})
	return r
}

// defaultLayer is where a new subscriber starts: the lowest layer (small
// keyframe, quick first picture); the allocator raises it.
func (r *receiver) defaultLayer() int { return 0 }

func (r *receiver) isVideo() bool { return r.info.Kind == webrtc.RTPCodecTypeVideo.String() }

// addLayer registers one incoming stream (a simulcast rid, or the only
// stream) and returns it; nil if the receiver has ended or the slot is
// taken.
func (r *receiver) addLayer(rid string, track *webrtc.TrackRemote) *layer {
	idx := ridIndex(rid)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	if idx < 0 {
		for i := range r.layers {
			if r.layers[i].Load() == nil {
				idx = i
				break
			}
		}
	}
	if idx < 0 || r.layers[idx].Load() != nil {
		return nil
	}
	l := newLayer(r, idx, rid, track)
	r.layers[idx].Store(l)
	if rid != "" {
		r.simulcast.Store(true)
	}
	r.running++
	return l
}

// ridIndex maps the rids confer's clients use to layer indexes, lowest
// quality first; -1 for unknown rids (placed in the first free slot).
func ridIndex(rid string) int {
	switch rid {
	case "", "q", "0", "l":
		return 0
	case "h", "1", "m":
		return 1
	case "f", "2":
		return 2
	}
	return -1
}

// layerEnded is called when one layer's reader stops; the track ends with
// its last layer.
func (r *receiver) layerEnded(onEnd func()) {
	r.mu.Lock()
	r.running--
	last := r.running == 0
	r.mu.Unlock()
	if last {
		onEnd()
	}
}

// forward fans one parsed packet of layer l out to every subscriber.
// batched: the caller flushes the sends (the media socket's reader
// corks its whole read batch); otherwise the fan-out is one flush.
func (r *receiver) forward(l *layer, pkt []byte, n int, pi *pktInfo, batched bool) (forwarded bool) {
	if r.muted.Load() {
		return false
	}
	payload := pkt[n:]
	dts := *r.unpaused.Load()
	if len(dts) == 0 {
		return false // most microphones in a big meeting: top-N audio forwards them to nobody
	}
	scratch := scratchPool.Get().(*sendScratch)
	defer scratchPool.Put(scratch)
	cork := r.router != nil && len(dts) >= 2 && !batched
	if cork {
		// One sendmmsg for the whole fan-out (batch.go).
		r.router.e.batch.corkStart()
	}
	packets, bytes := 0, 0
	for i, d := range dts {
		prefetchFanOut(dts, i)
		f, n := d.writeRTP(l, &l.hdr, payload, pi, scratch)
		forwarded = forwarded || f
		if n > 0 {
			packets++
			bytes += n
		}
	}
	if cork {
		r.router.e.batch.corkEnd()
	}
	// Counted once a fan-out: atomic adds on shared counters for every
	// packet cost as much as the rest of the bookkeeping.
	if packets > 0 && r.router != nil {
		r.router.e.stats.forwarded(packets, bytes)
	}
	return forwarded
}

// requestKeyframe asks the publisher for a keyframe on every live layer
// now, or at the end of the throttle window.
func (r *receiver) requestKeyframe() {
	for i := range r.layers {
		if l := r.layers[i].Load(); l != nil {
			l.keyframes.request(true)
		}
	}
}

// addDownTrack attaches a subscriber; false if the track has ended.
func (r *receiver) addDownTrack(d *downTrack) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	old := *r.downTracks.Load()
	next := make([]*downTrack, 0, len(old)+1)
	next = append(next, old...)
	next = append(next, d)
	r.downTracks.Store(&next)
	r.refreshUnpausedLocked()
	return true
}

func (r *receiver) removeDownTrack(d *downTrack) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.downTracks.Load()
	next := make([]*downTrack, 0, len(old))
	for _, x := range old {
		if x != d {
			next = append(next, x)
		}
	}
	r.downTracks.Store(&next)
	r.refreshUnpausedLocked()
}

// refreshUnpaused rebuilds the list the fan-out visits after a downTrack
// was paused or resumed (setTarget).
func (r *receiver) refreshUnpaused() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refreshUnpausedLocked()
}

func (r *receiver) refreshUnpausedLocked() {
	all := *r.downTracks.Load()
	next := make([]*downTrack, 0, len(all))
	for _, d := range all {
		if d.tgtA.Load() >= 0 {
			next = append(next, d)
		}
	}
	r.unpaused.Store(&next)
}

// close detaches every subscriber and returns them, exactly once.
func (r *receiver) close() (detached []*downTrack, first bool) {
	r.closeOnce.Do(func() {
		first = true
		r.mu.Lock()
		r.closed = true
		detached = *r.downTracks.Load()
		r.downTracks.Store(&[]*downTrack{})
		r.unpaused.Store(&[]*downTrack{})
		r.mu.Unlock()
		for i := range r.layers {
			if l := r.layers[i].Load(); l != nil {
				l.keyframes.close()
			}
		}
		close(r.done)
	})
	return detached, first
}

func equalFoldMime(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
