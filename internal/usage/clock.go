package usage

import (
	"sync"
	"time"
)

// Clock is the time source of the room layer and the usage records. Its
// zero value follows the real time; tests Set it and Advance it to drive
// meetings across midnight or a month boundary in milliseconds.
type Clock struct {
	mu  sync.Mutex
	set bool
	t   time.Time
}

// Now returns the current time of the clock.
func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.set {
		return time.Now()
	}
	return c.t
}

// Set freezes the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.set, c.t = true, t
	c.mu.Unlock()
}

// Advance moves a frozen clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	if !c.set {
		c.set, c.t = true, time.Now()
	}
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
