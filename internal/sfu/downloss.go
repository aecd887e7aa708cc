package sfu

import (
	"sync"
	"time"
)

// lossPeak is the worst loss fraction (RTCP's x/256) noted in the last
// peakWindow or so, in two half-window buckets, so that a steady loss
// never reads as none when a bucket ages out (one stored report would
// read 0 between its ageing out and the next report). Reports come about
// once a second a stream; the lock is taken that often.
//
// Two uses: for an audio track, the worst its subscribers reported, which
// the receiver reports to the publisher carry (pubfeedback.go) so that its
// Opus encoder adds in-band FEC for the listeners' networks as well as for
// its own uplink (audio is never retransmitted); and the uplink loss that
// connection quality is graded on (connquality.go).
type lossPeak struct {
	mu     sync.Mutex
	start  [2]int64 // bucket start, unix ns
	worst  [2]uint8
	latest int // the bucket being filled
}

const peakWindow = 4 * time.Second

func (l *lossPeak) note(frac uint8, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now-l.start[l.latest] >= int64(peakWindow/2) {
		l.latest ^= 1
		l.start[l.latest], l.worst[l.latest] = now, 0
	}
	l.worst[l.latest] = max(l.worst[l.latest], frac)
}

func (l *lossPeak) get(now int64) uint8 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var w uint8
	for i := range l.start {
		if l.start[i] != 0 && now-l.start[i] < int64(peakWindow) {
			w = max(w, l.worst[i])
		}
	}
	return w
}
