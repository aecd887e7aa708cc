package ratelimit

import (
	"testing"
	"time"
)

func TestBurstThenRefusedPerKey(t *testing.T) {
	l := New(time.Hour, 3)
	for i := 0; i < 3; i++ {
		if !l.Allow("10.0.0.1") {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if l.Allow("10.0.0.1") {
		t.Fatal("fourth attempt allowed")
	}
	if !l.Allow("10.0.0.2") {
		t.Fatal("another key is limited by the first one's attempts")
	}
}

func TestRefills(t *testing.T) {
	l := New(20*time.Millisecond, 1)
	if !l.Allow("k") || l.Allow("k") {
		t.Fatal("burst of one not enforced")
	}
	time.Sleep(60 * time.Millisecond)
	if !l.Allow("k") {
		t.Fatal("not refilled after the interval")
	}
}

func TestSweepForgetsIdleKeys(t *testing.T) {
	l := New(time.Millisecond, 1)
	for _, k := range []string{"a", "b", "c"} {
		l.Allow(k)
	}
	time.Sleep(5 * time.Millisecond)
	l.swept = time.Time{} // force the next call to sweep
	l.Allow("d")
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d buckets kept, want only the active one", n)
	}
}
