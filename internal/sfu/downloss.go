package sfu

import (
	"sync/atomic"
	"time"
)

// lossMax keeps the worst fraction lost (RTCP's 0–255) that subscribers
// reported for one audio track in the last lossWindow. The receiver
// reports the server sends the publisher carry it (pubfeedback.go), so
// that the publisher's Opus encoder adds in-band FEC for the listeners'
// networks as well as for its own uplink: audio is never retransmitted,
// and FEC is what rebuilds a lost packet without a round trip.
type lossMax struct {
	v atomic.Uint64 // unix milliseconds << 8 | fraction
}

const lossWindow = 5 * time.Second

// note records one subscriber's report; now is in unix nanoseconds.
func (m *lossMax) note(frac uint8, now int64) {
	ms := now / int64(time.Millisecond)
	for {
		old := m.v.Load()
		if frac < uint8(old) && ms-int64(old>>8) < lossWindow.Milliseconds() {
			return // a worse report is still fresh
		}
		if m.v.CompareAndSwap(old, uint64(ms)<<8|uint64(frac)) {
			return
		}
	}
}

// get is the worst fraction reported within lossWindow, 0 if none.
func (m *lossMax) get(now int64) uint8 {
	v := m.v.Load()
	if now/int64(time.Millisecond)-int64(v>>8) >= lossWindow.Milliseconds() {
		return 0
	}
	return uint8(v)
}
