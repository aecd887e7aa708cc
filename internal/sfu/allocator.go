package sfu

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// The allocator decides, for every subscriber and video track, which layer
// to forward. Inputs: the tile size the client reported (VideoPref), the
// layers the publisher is actually sending, and the subscriber's available
// bandwidth (bwe.go). Priority order: audio first (never paused by the
// allocator), then screen shares and the active speaker, then the other
// videos. Every track first gets its lowest layer if it fits, otherwise it
// is paused rather than everything being sent badly; what is left
// upgrades tracks toward their wanted layer in priority order. When the
// budget is known, upgrades and resumes go one step per tick, so recovery
// after congestion is gradual.

// nominalBitrate is the cost of a layer not measured yet (browser
// simulcast ladder: 180p, 360p, 720p), and of a single-layer video.
var nominalBitrate = [maxLayers]uint64{150_000, 500_000, 2_500_000}

const singleLayerBitrate = 1_500_000

// nominalWidth is the width of each simulcast layer when no keyframe has
// told the real one yet.
var nominalWidth = [maxLayers]uint32{320, 640, 1280}

// VideoPref is a subscriber's wish for one video track: the size in CSS
// pixels × devicePixelRatio of the tile showing it. Width and height 0
// mean not visible: the track is paused for this subscriber.
type VideoPref struct {
	TrackID       string
	Width, Height int
}

// SetVideoPrefs records the subscriber's tile sizes. Tracks not listed keep
// their previous preference (initially: the best layer).
func (p *Peer) SetVideoPrefs(prefs []VideoPref) {
	p.mu.Lock()
	changed := false
	for _, pr := range prefs {
		pr.Width, pr.Height = max(pr.Width, 0), max(pr.Height, 0)
		if p.slotMode {
			// Kept for tracks without a slot yet: they decide which
			// sources get one (slots.go).
			if old, ok := p.prefs[pr.TrackID]; !ok || old != pr {
				p.prefs[pr.TrackID] = pr
				changed = true
				if !ok {
					p.prefsAdded.Store(true)
				}
			}
		}
		if d := p.downTracks[pr.TrackID]; d != nil && d.setPref(pr.Width, pr.Height) {
			changed = true
		}
	}
	p.mu.Unlock()
	// Re-allocating the room is not free: only for a real change.
	if changed {
		p.r.kick() // apply now rather than at the next tick
	}
}

// setPref records the tile size for d and says whether it changed.
func (d *downTrack) setPref(w, h int) bool {
	w, h = max(w, 0), max(h, 0)
	pw, ph := uint32(min(w, 1<<16)), uint32(min(h, 1<<16))
	if d.hasPrefs.Load() && d.prefW.Load() == pw && d.prefH.Load() == ph {
		return false
	}
	d.prefW.Store(pw)
	d.prefH.Store(ph)
	d.prefPaused.Store(w == 0 || h == 0)
	d.hasPrefs.Store(true)
	return true
}

// layerFor returns the lowest layer at least as large as the tile (a
// little smaller is fine: 0.8 of the tile's larger side).
func layerFor(recv *receiver, w, h uint32) int {
	top := -1
	for i := range recv.layers {
		l := recv.layers[i].Load()
		if l == nil {
			continue
		}
		top = i
		lw, lh := l.width.Load(), l.height.Load()
		if lw == 0 {
			lw, lh = nominalWidth[i], nominalWidth[i]*9/16
		}
		if lw*5 >= w*4 && lh*5 >= h*4 {
			return i
		}
	}
	return top
}

// wanted is the layer the subscriber's tile asks for, before bandwidth.
func (d *downTrack) wanted() int {
	if d.prefPaused.Load() {
		return -1
	}
	recv := d.recv
	if !recv.simulcast.Load() {
		return 0
	}
	if !d.hasPrefs.Load() {
		return maxLayers - 1
	}
	return layerFor(recv, d.prefW.Load(), d.prefH.Load())
}

func layerCost(recv *receiver, i int) uint64 {
	if l := recv.layers[i].Load(); l != nil {
		if b := l.bitrate.Load(); b > 0 {
			return b
		}
	}
	if !recv.simulcast.Load() {
		return singleLayerBitrate
	}
	return nominalBitrate[i]
}

// liveAtOrBelow returns the highest live layer ≤ want, else the lowest
// live layer, else want itself (nothing measured yet).
func liveAtOrBelow(recv *receiver, want int, now int64) int {
	for i := want; i >= 0; i-- {
		if l := recv.layers[i].Load(); l != nil && l.live(now) {
			return i
		}
	}
	for i := want + 1; i < maxLayers; i++ {
		if l := recv.layers[i].Load(); l != nil && l.live(now) {
			return i
		}
	}
	return want
}

// allocScratch is allocate's working memory, reused: allocation runs
// twice a second for every subscriber, and fresh slices each time were a
// third of the server's steady-state garbage in a 50-person meeting.
type allocScratch struct {
	all, videos []*downTrack
	want, alloc []int
}

// allocate runs on the router's tick goroutine for one subscriber.
func (p *Peer) allocate(now time.Time, speaker string) {
	sc := &p.allocScratch
	p.mu.Lock()
	sc.all = p.appendDownTracks(sc.all[:0])
	p.mu.Unlock()
	all := sc.all
	defer clear(sc.all) // hold no closed track until the next tick
	ns := now.UnixNano()
	budget := p.bwe.available(now)
	limited := budget > 0

	videos := sc.videos[:0]
	defer func() { clear(videos); sc.videos = videos[:0] }()
	var audioCost uint64
	for _, d := range all {
		if d.kind.String() == "audio" {
			if d.target() >= 0 {
				audioCost += layerCost(d.recv, 0)
			}
			continue
		}
		videos = append(videos, d)
	}
	prio := func(d *downTrack) int {
		if s := d.recv.source.Load(); s != nil && *s == "screen" {
			return 0
		}
		if d.recv.info.PeerID == speaker {
			return 1
		}
		return 2
	}
	slices.SortStableFunc(videos, func(a, b *downTrack) int {
		if c := cmp.Compare(prio(a), prio(b)); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	remaining := ^uint64(0)
	if limited {
		remaining = budget - min(budget, audioCost)
	}
	sc.want = slices.Grow(sc.want[:0], len(videos))[:len(videos)]
	sc.alloc = slices.Grow(sc.alloc[:0], len(videos))[:len(videos)]
	want, alloc := sc.want, sc.alloc
	// Pass 1: the lowest layer for everyone, in priority order.
	for i, d := range videos {
		want[i] = d.wanted()
		alloc[i] = -1
		if want[i] < 0 {
			continue
		}
		lo := liveAtOrBelow(d.recv, 0, ns)
		if c := layerCost(d.recv, lo); c <= remaining {
			remaining -= c
			alloc[i] = lo
		}
	}
	// Pass 2: upgrades toward the wanted layer.
	for i, d := range videos {
		if alloc[i] < 0 {
			continue
		}
		for l := alloc[i] + 1; l <= want[i]; l++ {
			extra := layerCost(d.recv, l) - min(layerCost(d.recv, l), layerCost(d.recv, alloc[i]))
			if extra > remaining {
				break
			}
			remaining -= extra
			alloc[i] = l
		}
	}
	for i, d := range videos {
		a := alloc[i]
		prev := d.want.Load()
		// Recover one step per tick after the budget held a track below
		// its tile's wish; a tile that grows while the budget is ample
		// gets its layer at once: each step is a keyframe switch, which
		// Chromium counts as a freeze.
		if limited && prev < d.wish.Load() && a > int(prev)+1 {
			a = int(prev) + 1
		}
		d.wish.Store(int32(want[i]))
		d.want.Store(int32(a))
		if a < 0 {
			d.setTarget(-1)
			continue
		}
		// The allocation may name a layer the publisher has paused
		// (dynacast resumes it next); forward the best live one meanwhile.
		d.setTarget(liveAtOrBelow(d.recv, a, ns))
	}
}

// measureLayers turns byte counters into bitrates, once per allocation
// tick.
func (r *receiver) measureLayers(dt time.Duration) {
	for i := range r.layers {
		l := r.layers[i].Load()
		if l == nil {
			continue
		}
		b := l.bytes.Load()
		rate := uint64(float64(b-l.lastBytes) * 8 / dt.Seconds())
		l.lastBytes = b
		// Smooth: keyframes make single windows spiky.
		old := l.bitrate.Load()
		if old == 0 {
			l.bitrate.Store(rate)
		} else {
			l.bitrate.Store((old*3 + rate) / 4)
		}
	}
}
