package signal

import (
	"context"
	"testing"
	"time"
)

// blockingTransport is a client that never sends anything.
type blockingTransport struct{ closed chan string }

func (blockingTransport) Read(ctx context.Context) ([]byte, error) {
	<-ctx.Done()
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
	done := make(chan struct{})
	go func() {
		s.Serve(context.Background(), blockingTransport{closed: make(chan string, 1)}, "192.0.2.1", Identity{})
		close(done)
	}()
	time.Sleep(50 * time.Millisecond) // the session is reading
	start := time.Now()
	s.Close(5 * time.Second)
	select {
	case <-done:
	default:
		t.Fatal("Close returned while a session was still running")
	}
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
