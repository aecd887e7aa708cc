package signal

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// blockingTransport is a client that never sends anything. Its Read is
// slow to give up, so a Close that did not wait would return before it.
type blockingTransport struct {
	closed   chan string
	readDone *atomic.Bool
}

func (t blockingTransport) Read(ctx context.Context) ([]byte, error) {
	<-ctx.Done()
	time.Sleep(100 * time.Millisecond)
	if t.readDone != nil {
		t.readDone.Store(true)
	}
	return nil, ctx.Err()
}
func (blockingTransport) Write(context.Context, []byte) error { return nil }
func (t blockingTransport) Close(reason string) error {
	select {
	case t.closed <- reason:
	default:
	}
	return nil
}

// Close ends the sessions still running and returns once they are done,
// so that nothing uses the store after the app closes it; a connection
// that arrives afterwards is not served.
func TestCloseEndsSessions(t *testing.T) {
	s := NewServer(nil, nil, Options{})
	var readDone atomic.Bool
	done := make(chan struct{})
	go func() {
		s.Serve(context.Background(), blockingTransport{closed: make(chan string, 1), readDone: &readDone}, "192.0.2.1", Identity{})
		close(done)
	}()
	time.Sleep(50 * time.Millisecond) // the session is reading
	start := time.Now()
	s.Close(5 * time.Second)
	// Serve itself returns a moment after its session is counted done;
	// what must hold is that the session had stopped reading.
	if !readDone.Load() {
		t.Fatal("Close returned while a session was still running")
	}
	<-done
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	late := make(chan struct{})
	go func() {
		s.Serve(context.Background(), blockingTransport{closed: make(chan string, 1)}, "192.0.2.1", Identity{})
		close(late)
	}()
	select {
	case <-late:
	case <-time.After(2 * time.Second):
		t.Fatal("a session started after Close")
	}
}
