package sfu

import (
	"sync"
	"sync/atomic"
	"time"
)

// pliInterval bounds how often one publisher is asked for a keyframe.
// Keyframes are large; subscribers that lose packets at the same time
// would otherwise each trigger one.
const pliInterval = 500 * time.Millisecond

// keyframeRequester throttles keyframe requests (PLI) for one incoming
// track: at most one per interval, coalesced across subscribers.
type keyframeRequester struct {
	interval time.Duration
	send     func()
	sent     atomic.Uint64 // requests that reached the publisher (snapshot.go)

	mu     sync.Mutex
	last   time.Time
	timer  *time.Timer // a deferred (trailing) request is scheduled
	closed bool
}

func newKeyframeRequester(interval time.Duration, send func()) *keyframeRequester {
	return &keyframeRequester{interval: interval, send: send}
}

// request asks for a keyframe. Inside the throttle window a request is
// dropped unless trailing is set, in which case one request is sent at the
// end of the window. Subscribers' PLIs are dropped: the keyframe already
// requested will reach them too. A subscriber that has just started
// receiving uses trailing, because the keyframe in flight may have been
// sent before it was there to get it.
func (k *keyframeRequester) request(trailing bool) {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return
	}
	now := time.Now()
	if wait := k.interval - now.Sub(k.last); wait > 0 {
		if trailing && k.timer == nil {
			k.timer = time.AfterFunc(wait, k.fire)
		}
		k.mu.Unlock()
		return
	}
	k.last = now
	k.mu.Unlock()
	k.sent.Add(1)
	k.send()
}

func (k *keyframeRequester) fire() {
	k.mu.Lock()
	k.timer = nil
	if k.closed {
		k.mu.Unlock()
		return
	}
	k.last = time.Now()
	k.mu.Unlock()
	k.sent.Add(1)
	k.send()
}

func (k *keyframeRequester) close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	if k.timer != nil {
		k.timer.Stop()
		k.timer = nil
	}
}
