package room

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/sfu"
	"github.com/pion/webrtc/v4"
)

// rec is a Listener that records what it is told, as a signalling
// session would queue it.
type rec struct {
	mu  sync.Mutex
	got []any // Info (joined), updated, left, closed, Track, or an Event value
}

type (
	joined  Info
	updated Info
	left    struct{ ID, Reason string }
	closed  string
)

func (l *rec) add(v any) {
	l.mu.Lock()
	l.got = append(l.got, v)
	l.mu.Unlock()
}

func (l *rec) ParticipantJoined(i Info)                            { l.add(joined(i)) }
func (l *rec) ParticipantUpdated(i Info)                           { l.add(updated(i)) }
func (l *rec) ParticipantLeft(id, reason string)                   { l.add(left{id, reason}) }
func (l *rec) TrackPublished(t Track)                              { l.add(t) }
func (l *rec) TrackRemoved(Track)                                  {}
func (l *rec) SubscriberOffer(string)                              {}
func (l *rec) ICECandidate(sfu.Direction, webrtc.ICECandidateInit) {}
func (l *rec) Closed(reason string)                                { l.add(closed(reason)) }
func (l *rec) Event(ev any)                                        { l.add(ev) }

func (l *rec) all() []any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]any(nil), l.got...)
}

// reset forgets everything recorded so far.
func (l *rec) reset() {
	l.mu.Lock()
	l.got = nil
	l.mu.Unlock()
}

// find returns the first recorded value for which match is true.
func find[T any](l *rec, match func(T) bool) (T, bool) {
	for _, v := range l.all() {
		if t, ok := v.(T); ok && (match == nil || match(t)) {
			return t, true
		}
	}
	var zero T
	return zero, false
}

// waitFind polls for a value that arrives from another goroutine (grace
// timer, SFU events).
func waitFind[T any](t *testing.T, l *rec, match func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if v, ok := find(l, match); ok {
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
	var zero T
	t.Fatalf("no %T recorded; got %s", zero, l)
	return zero
}

func (l *rec) String() string { return fmt.Sprintf("%+v", l.all()) }

// newManager returns a Manager on a real loopback SFU engine.
func newManager(t *testing.T, opts Options) *Manager {
	t.Helper()
	e, err := sfu.NewEngine(sfu.Config{Port: 0, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := NewManager(e, opts)
	t.Cleanup(func() {
		m.Shutdown()
		_ = e.Close()
	})
	return m
}

func settings(slug string) Settings {
	return Settings{Slug: slug, Title: slug, Capacity: 10, WhoMayShare: ShareEveryone}
}

// mustJoin joins name and fails the test unless it became a participant.
func mustJoin(t *testing.T, m *Manager, s Settings, req JoinRequest) (*Participant, *rec, JoinResult) {
	t.Helper()
	l := &rec{}
	p, res, err := m.Join(s, req, l)
	if err != nil || p == nil {
		t.Fatalf("join %q: %v (waiting %t)", req.Name, err, res.Waiting)
	}
	return p, l, res
}
