package sfu

import "sync"

// notifier runs callbacks one at a time, in the order they were posted, on
// its own goroutine. Router events go through it so that the room layer
// never hears TrackRemoved before TrackAdded, and is never called back
// from inside its own call into the SFU (Peer.Close from a room lock would
// otherwise deadlock on a handler that takes the same lock). post never
// blocks.
type notifier struct {
	mu      sync.Mutex
	q       []func()
	running bool
}

func (n *notifier) post(f func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.q = append(n.q, f)
	if !n.running {
		n.running = true
		go n.drain()
	}
}

func (n *notifier) drain() {
	for {
		n.mu.Lock()
		if len(n.q) == 0 {
			n.running = false
			n.q = nil
			n.mu.Unlock()
			return
		}
		f := n.q[0]
		n.q[0] = nil
		n.q = n.q[1:]
		n.mu.Unlock()
		f()
	}
}
