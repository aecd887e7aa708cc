package sfu

import (
	"math"
	"sort"
	"sync/atomic"
	"time"
)

// audioState is one audio track's loudness from the RFC 6464 level the
// publisher puts in every packet (0 = loudest, 127 = silence, in -dBov).
type audioState struct {
	fast   atomic.Uint64 // float64 bits: loudness (127-level), smoothed over ~100 ms
	lastAt atomic.Int64
	lastTS uint32 // RTP timestamp of the last packet; the reader goroutine only
	hasExt atomic.Bool
	// Used only by the router's tick goroutine.
	slow float64
	rank int
}

// observe runs on the track's reader goroutine, the only writer of fast.
// The average is per 20 ms frame: frames a DTX sender left out (silence)
// count as silent, or someone who stopped talking would stay "loud" for
// seconds on the few packets DTX sends. The frames left out are counted
// from the RTP timestamps, not the arrival times: packets that arrive in
// a burst after a network or scheduling hiccup are not silence.
func (a *audioState) observe(level uint8, ts uint32, now int64) {
	loud := float64(127 - level)
	f := math.Float64frombits(a.fast.Load())
	if a.lastAt.Load() != 0 {
		if missed := int32(ts-a.lastTS)/opusFrameTicks - 1; missed > 0 {
			f *= math.Pow(0.8, float64(min(missed, 50)))
		}
	}
	a.lastTS = ts
	a.fast.Store(math.Float64bits(0.8*f + 0.2*loud))
	a.lastAt.Store(now)
	a.hasExt.Store(true)
}

func (a *audioState) loudness(now int64) float64 {
	if now-a.lastAt.Load() > int64(time.Second) {
		return 0 // not sending (muted, or gone)
	}
	return math.Float64frombits(a.fast.Load())
}

const (
	// speechLoudness: slow loudness above this counts as someone talking
	// (a level of about -70 dBov and louder).
	speechLoudness = 57
	// speakerMargin and speakerHold make the dominant speaker sticky: a
	// challenger must be this much louder for this many ticks in a row.
	speakerMargin = 6
	speakerHold   = 3
	// defaultMaxAudio is the number of loudest audio streams forwarded to
	// each subscriber.
	defaultMaxAudio = 3
	// audioFrame is one Opus frame as browsers send them, and its length
	// in RTP timestamp ticks (Opus's clock is always 48 kHz).
	audioFrame     = 20 * time.Millisecond
	opusFrameTicks = 960
)

// speakerState lives on the router's tick goroutine.
type speakerState struct {
	dominant   string // peer id
	challenger string
	wins       int
}

// updateAudio ranks the room's audio tracks by loudness, forwards to each
// subscriber only the N loudest (other than its own), and announces
// dominant speaker changes. It runs on the router's tick goroutine.
func (r *Router) updateAudio(now time.Time) {
	n := r.e.cfg.MaxAudioStreams
	if n == 0 {
		n = defaultMaxAudio
	}
	ns := now.UnixNano()
	r.mu.Lock()
	var audio []*receiver
	for _, recv := range r.receivers {
		if !recv.isVideo() {
			audio = append(audio, recv)
		}
	}
	peers := r.peersLocked()
	r.mu.Unlock()

	for _, a := range audio {
		a.audio.slow = 0.6*a.audio.slow + 0.4*a.audio.loudness(ns)
	}
	// Tracks without the level extension cannot be ranked: they are
	// always forwarded (rank 0), like the loudest.
	sort.SliceStable(audio, func(i, j int) bool {
		ai, aj := audio[i], audio[j]
		if ai.audio.hasExt.Load() != aj.audio.hasExt.Load() {
			return !ai.audio.hasExt.Load()
		}
		return ai.audio.slow > aj.audio.slow
	})
	for i, a := range audio {
		if a.audio.hasExt.Load() {
			a.audio.rank = i
		} else {
			a.audio.rank = 0
		}
	}
	if n > 0 {
		for _, p := range peers {
			if !p.slotMode { // slot peers: assignSlots picks the loudest
				p.selectAudio(n)
			}
		}
	}
	r.updateDominant(audio)
}

// selectAudio forwards this subscriber the n loudest audio tracks of the
// others. Its own track, if among the loudest, frees a place.
func (p *Peer) selectAudio(n int) {
	own := false
	p.mu.Lock()
	for _, recv := range p.published {
		if !recv.isVideo() && recv.audio.hasExt.Load() && recv.audio.rank < n {
			own = true
		}
	}
	dts := p.downTrackList()
	p.mu.Unlock()
	limit := n
	if own {
		limit = n + 1
	}
	for _, d := range dts {
		if d.kind.String() != "audio" {
			continue
		}
		if d.recv.audio.rank < limit {
			d.setTarget(0)
		} else {
			d.setTarget(-1)
		}
	}
}

func (r *Router) updateDominant(ranked []*receiver) {
	s := &r.speaker
	if len(ranked) == 0 {
		return
	}
	top := ranked[0]
	if !top.audio.hasExt.Load() || top.audio.slow < speechLoudness {
		s.challenger, s.wins = "", 0
		return
	}
	if top.info.PeerID == s.dominant {
		s.challenger, s.wins = "", 0
		return
	}
	var cur float64
	for _, a := range ranked {
		if a.info.PeerID == s.dominant {
			cur = a.audio.slow
		}
	}
	if top.audio.slow < cur+speakerMargin {
		s.challenger, s.wins = "", 0
		return
	}
	if s.challenger != top.info.PeerID {
		s.challenger, s.wins = top.info.PeerID, 0
	}
	s.wins++
	if s.wins < speakerHold && s.dominant != "" {
		return
	}
	s.dominant, s.challenger, s.wins = top.info.PeerID, "", 0
	id := s.dominant
	r.activeSpeaker.Store(&id)
	if h, ok := r.h.(SpeakerHandler); ok {
		r.events.post(func() { h.ActiveSpeaker(id) })
	}
}

// ActiveSpeaker returns the peer id of the dominant speaker, "" if none yet.
func (r *Router) ActiveSpeaker() string {
	if p := r.activeSpeaker.Load(); p != nil {
		return *p
	}
	return ""
}
