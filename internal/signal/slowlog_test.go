package signal

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowDirectory answers after a delay, as a store under load would.
type slowDirectory struct{ d time.Duration }

func (s slowDirectory) LookupRoom(context.Context, string, Identity) (RoomConfig, error) {
	time.Sleep(s.d)
	return RoomConfig{}, ErrRoomNotFound
}

// oneMessage is a client that sends msg, then nothing.
type oneMessage struct {
	mu   sync.Mutex
	msg  []byte
	sent bool
}

func (o *oneMessage) Read(ctx context.Context) ([]byte, error) {
	o.mu.Lock()
	if !o.sent {
		o.sent = true
		o.mu.Unlock()
		return o.msg, nil
	}
	o.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}
func (*oneMessage) Write(context.Context, []byte) error { return nil }
func (*oneMessage) Close(string) error                  { return nil }

// A message whose handling keeps the socket unread for long is logged
// with its type, and never with its content.
func TestSlowMessageIsLogged(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	s := NewServer(nil, slowDirectory{d: 600 * time.Millisecond}, Options{Logger: log})
	defer s.Close(time.Second)
	s.Serve(context.Background(), &oneMessage{msg: []byte(`{"type":"join","data":{"version":1,"room":"r","name":"Secret Name"}}`)}, "192.0.2.1", Identity{})
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, "slow signalling message") || !strings.Contains(out, "type=join") {
		t.Fatalf("no slow-message line with the type in:\n%s", out)
	}
	if strings.Contains(out, "Secret Name") {
		t.Fatalf("the log shows the message's content:\n%s", out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
