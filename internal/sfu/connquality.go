package sfu

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
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
	loss    atomic.Uint32 // the last measure: uplink loss << 8 | downlink loss (x/256)
	seen    Quality       // a different level measured lately
	seenN   int           // in how many evaluations in a row
	scratch []*downTrack
}

// rrCount packs a receiver report's cumulative counts: packets lost (24
// bits, signed) and the extended highest sequence number received.
func rrCount(r rtcp.ReceptionReport) uint64 {
	return uint64(r.TotalLost&0xffffff)<<32 | uint64(r.LastSequenceNumber)
}

// lossSinceLast is the fraction (x/256) of the track's packets the
// subscriber lost since the previous evaluation, from the cumulative
// counts of its reports: browsers also send reports with their NACKs, a
// packet or two after the previous one, and the fraction lost of such a
// short interval says little (one loss in two packets reads 50 %).
// Router loop only (d.qPrev).
func (d *downTrack) lossSinceLast() uint8 {
	cur := d.rrCum.Load()
	prev := d.qPrev
	d.qPrev = cur
	expected := uint32(cur) - uint32(prev)
	if prev == 0 || cur == 0 || expected < minLossSample || expected > 1<<20 {
		return 0 // no report, or too few packets to grade, or a reset
	}
	lost := int64(signed24(uint32(cur>>32))) - int64(signed24(uint32(prev>>32)))
	if lost <= 0 {
		return 0
	}
	return uint8(min(255, lost*256/int64(expected)))
}

// minLossSample: fewer packets between two evaluations grade nothing.
const minLossSample = 20

func signed24(v uint32) int32 { return int32(v<<8) >> 8 }

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
	var up, down uint8
	if p.fb != nil {
		up = p.fb.upLoss.get(now)
	}
	p.mu.Lock()
	ds := p.appendDownTracks(p.quality.scratch[:0])
	p.mu.Unlock()
	for _, d := range ds {
		got := d.lossSinceLast()
		down = max(down, got-min(got, d.recv.upLoss.get(now)))
	}
	clear(ds)
	p.quality.scratch = ds[:0]
	p.quality.loss.Store(uint32(up)<<8 | uint32(down))
	return levelFor(max(up, down))
}

// updateQuality evaluates every peer and tells the handler of changes.
// While the server itself drops packets for want of CPU (stale, buffers.go)
// nobody is graded: its drops would read as the participants' loss.
func (r *Router) updateQuality(now time.Time) {
	h, ok := r.h.(ConnQualityHandler)
	ns := now.UnixNano()
	stale := r.e.batch.stale.Load()
	overloaded := stale != r.qualityStale
	r.qualityStale = stale
	for _, p := range r.peerList() {
		m := p.measureQuality(ns) // also when overloaded: starts the next interval
		// Under p.mu, against Close: a closed peer is no longer counted.
		p.mu.Lock()
		if p.closed || overloaded {
			p.mu.Unlock()
			continue
		}
		old := p.ConnectionQuality()
		q, changed := p.quality.next(m)
		if changed {
			r.e.stats.qualityMoved(old, q)
		}
		p.mu.Unlock()
		if changed && ok {
			id := p.id
			r.events.post(func() { h.ConnectionQuality(id, q) })
		}
	}
}

// measuredLoss is the last evaluation's uplink and downlink loss, in %.
func (p *Peer) measuredLoss() (up, down float64) {
	v := p.quality.loss.Load()
	return float64(v>>8) * 100 / 256, float64(v&0xff) * 100 / 256
}

// qualityMoved keeps the count of peers graded fair and poor.
func (s *engineStats) qualityMoved(from, to Quality) {
	if from == to {
		return
	}
	if c := s.graded(from); c != nil {
		c.Add(-1)
	}
	if c := s.graded(to); c != nil {
		c.Add(1)
	}
}

func (s *engineStats) graded(q Quality) *atomic.Int64 {
	switch q {
	case QualityFair:
		return &s.fair
	case QualityPoor:
		return &s.poor
	}
	return nil
}

// ConnectionQuality is the peer's connection quality as last told.
func (p *Peer) ConnectionQuality() Quality { return Quality(p.quality.cur.Load()) }
