package sfu

import (
	"sync"
	"time"
)

// bwe is one subscriber's available downlink bandwidth, as the browser
// reports it in REMB (its receive-side estimate), lowered while receiver
// reports show heavy loss. Zero means unknown (a client that sends no
// REMB, like the Go load tester): the allocator then only follows tile
// sizes.
//
// A send-side estimator (transport-cc + GCC, pion/interceptor pkg/gcc)
// would react faster, but Pion's runs per packet on the send path with a
// lock and a map allocation; at ≤ 4 µs per forwarded packet REMB is the
// budget choice.
type bwe struct {
	mu       sync.Mutex
	estimate uint64 // bits/s, from REMB
	at       time.Time
	lossEWMA float64 // fraction lost, smoothed
}

const bweStale = 5 * time.Second

// minBudget is the least a subscriber is given whatever its REMB says. A
// receive-side estimate only grows with what arrives (about 1.5× the
// incoming rate), so a subscriber starved of video would report a low
// estimate forever and never get video back; the floor keeps the lowest
// layers of a few tiles flowing so the estimate can climb. Seen in real
// Chromium on a busy machine: every video paused, for good.
const minBudget = 600_000

func (b *bwe) remb(bps uint64) {
	b.mu.Lock()
	b.estimate = bps
	b.at = time.Now()
	b.mu.Unlock()
}

// loss takes the fraction lost (x/256) of one receiver report block.
func (b *bwe) loss(fraction uint8) {
	b.mu.Lock()
	b.lossEWMA = 0.7*b.lossEWMA + 0.3*float64(fraction)/256
	b.mu.Unlock()
}

// available returns the bitrate to allocate, or 0 when unknown. Above 10 %
// loss the budget shrinks in proportion: congestion shows as loss before
// REMB catches up.
func (b *bwe) available(now time.Time) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.estimate == 0 || now.Sub(b.at) > bweStale {
		return 0
	}
	est := float64(b.estimate)
	if b.lossEWMA > 0.1 {
		est *= 1 - b.lossEWMA
	}
	return max(uint64(est), minBudget)
}
