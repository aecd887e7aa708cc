package sfu

import (
	"sync/atomic"
	"time"
)

// Quality is how well a participant's connection carries the meeting, as
// clients show it on the participant's tile (and warn the participant
// itself): from the loss on its uplink (what the server's receiver reports
// say of its streams) and on its downlink (what its own receiver reports
// say, less what its publishers' uplinks had already lost). Loss is what
// people see and hear on a patchy hospital or school network: freezes,
// blocky pictures, robotic voice.
type Quality uint8

const (
	QualityGood Quality = iota
	QualityFair         // noticeable: some freezes, lower layers
	QualityPoor         // hard to follow
)

func (q Quality) String() string {
	switch q {
	case QualityFair:
		return "fair"
	case QualityPoor:
		return "poor"
	}
	return "good"
}

// Loss thresholds, in RTCP's fraction lost (x/256). Below ≈ 4 % NACK
// retransmission and Opus FEC hide nearly everything; above ≈ 12 % video
// freezes between keyframes and speech breaks up.
const (
	fairLoss = 10 // ≈ 4 %
	poorLoss = 31 // ≈ 12 %
)

// qualityEvery: ticks between evaluations (2 s). A level is told once it
// has been measured qualityHold evaluations in a row: a subscriber's
// report can come before the server's own report of the publisher's
// uplink that explains it, and a recovering connection should not flicker.
const (
	qualityEvery = int(2 * time.Second / tickInterval)
	qualityHold  = 2
)

// ConnQualityHandler is an optional extension of RouterHandler: a handler
// that implements it hears each peer's connection quality when it
// changes, through the same ordered event queue as the speaker.
type ConnQualityHandler interface {
	ConnectionQuality(peerID string, q Quality)
}

// qualityState is one peer's evaluation state (router loop only, except
// cur, which the snapshot reads).
type qualityState struct {
	cur     atomic.Uint32 // Quality last told
	seen    Quality       // a different level measured lately
	seenN   int           // in how many evaluations in a row
	scratch []*downTrack
}

// levelFor grades a loss fraction (x/256).
func levelFor(loss uint8) Quality {
	switch {
	case loss >= poorLoss:
		return QualityPoor
	case loss >= fairLoss:
		return QualityFair
	}
	return QualityGood
}

// next is the level to tell after an evaluation that measured m, and
// whether it differs from the one told before.
func (s *qualityState) next(m Quality) (Quality, bool) {
	cur := Quality(s.cur.Load())
	if m == cur {
		s.seenN = 0
		return cur, false
	}
	if m != s.seen {
		s.seen, s.seenN = m, 0
	}
	s.seenN++
	if s.seenN < qualityHold {
		return cur, false
	}
	s.seenN = 0
	s.cur.Store(uint32(m))
	return m, true
}

// measureQuality is the peer's level from its recent loss both ways: its
// uplink's as the server's reports say, and its downlink's as its own
// reports say, less what each track's publisher had already lost on the
// way in (those gaps show in every subscriber's report).
func (p *Peer) measureQuality(now int64) Quality {
	var loss uint8
	if p.fb != nil {
		loss = p.fb.upLoss.get(now)
	}
	p.mu.Lock()
	ds := p.appendDownTracks(p.quality.scratch[:0])
	p.mu.Unlock()
	for _, d := range ds {
		got := d.reported.get(now)
		loss = max(loss, got-min(got, d.recv.upLoss.get(now)))
	}
	clear(ds)
	p.quality.scratch = ds[:0]
	return levelFor(loss)
}

// updateQuality evaluates every peer and tells the handler of changes.
func (r *Router) updateQuality(now time.Time) {
	h, ok := r.h.(ConnQualityHandler)
	ns := now.UnixNano()
	for _, p := range r.peerList() {
		q, changed := p.quality.next(p.measureQuality(ns))
		if changed && ok {
			id := p.id
			r.events.post(func() { h.ConnectionQuality(id, q) })
		}
	}
}

// ConnectionQuality is the peer's connection quality as last told.
func (p *Peer) ConnectionQuality() Quality { return Quality(p.quality.cur.Load()) }
