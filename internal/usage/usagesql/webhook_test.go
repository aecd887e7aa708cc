package usagesql_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/usage"
	"github.com/confer-dev/confer/internal/webhook"
)

// receiver accepts deliveries after refusing the first `fail`, checking
// every signature.
type receiver struct {
	t      *testing.T
	secret string
	fail   int

	mu       sync.Mutex
	calls    int
	accepted []usage.Payload
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := webhook.Verify(rc.secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		rc.t.Errorf("signature: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rc.calls++
	if rc.calls <= rc.fail {
		http.Error(w, "not now", http.StatusServiceUnavailable)
		return
	}
	var p usage.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("payload: %v", err)
	}
	if r.Header.Get("Confer-Event-Id") != p.ID || r.Header.Get("Confer-Event") != p.Type {
		rc.t.Errorf("headers %v do not match payload %s %s", r.Header, p.ID, p.Type)
	}
	rc.accepted = append(rc.accepted, p)
}

// TestWebhookReceiverFailingTwice: every event is accepted exactly once,
// in the order it happened, although the receiver refuses twice; the
// signature verifies; an org endpoint sees only its org.
func TestWebhookReceiverFailingTwice(t *testing.T) {
	forEachStore(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		org, err := b.st.CreateOrg(ctx, orgNamed("hooked"))
		if err != nil {
			t.Fatal(err)
		}
		platform := &receiver{t: t, fail: 2}
		orgRecv := &receiver{t: t}
		ps, os := httptest.NewServer(platform), httptest.NewServer(orgRecv)
		defer ps.Close()
		defer os.Close()
		e1, err := b.usage.CreateEndpoint(ctx, webhook.Endpoint{URL: ps.URL, Secret: webhook.NewSecret(), Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		platform.secret = e1.Secret
		e2, err := b.usage.CreateEndpoint(ctx, webhook.Endpoint{URL: os.URL, Secret: webhook.NewSecret(), Enabled: true, OrgID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		orgRecv.secret = e2.Secret

		d := webhook.New(webhook.Options{Store: b.usage, Backoff: 20 * time.Millisecond, Poll: 10 * time.Millisecond,
			AllowPrivate: true}) // the receivers listen on 127.0.0.1
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		go d.Run(runCtx)

		clk := &fakeClock{t: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
		rec := usage.NewRecorder(usage.RecorderOptions{Store: b.usage, Clock: clk.Now, AfterWrite: d.Nudge,
			RoomOrg: orgsOf(map[string][2]any{"a": {org.ID, "hooked"}, "b": {int64(0), "other"}})})
		step := func() time.Time { clk.Set(clk.Now().Add(time.Minute)); return clk.Now() }
		// Two meetings interleaved; "b" belongs to another org.
		rec.MeetingStarted("a", step())
		rec.ParticipantJoined("a", room.Info{ID: "x"}, clk.Now())
		rec.MeetingStarted("b", step())
		rec.ParticipantJoined("b", room.Info{ID: "y"}, clk.Now())
		rec.ParticipantJoined("a", room.Info{ID: "z"}, step())
		rec.ParticipantLeft("a", room.Info{ID: "x"}, step())
		rec.ParticipantLeft("b", room.Info{ID: "y"}, step())
		rec.MeetingEnded("b", clk.Now())
		rec.ParticipantLeft("a", room.Info{ID: "z"}, step())
		rec.MeetingEnded("a", clk.Now())

		want := []string{"a meeting.started", "a participant.joined", "b meeting.started", "b participant.joined",
			"a participant.joined", "a participant.left", "b participant.left", "b meeting.ended",
			"a participant.left", "a meeting.ended"}
		deadline := time.Now().Add(15 * time.Second)
		for {
			platform.mu.Lock()
			n := len(platform.accepted)
			platform.mu.Unlock()
			if n >= len(want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // a duplicate would show up now
		platform.mu.Lock()
		defer platform.mu.Unlock()
		check := func(name string, got []usage.Payload, want []string) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s accepted %d events, want %d: %+v", name, len(got), len(want), got)
			}
			seen := map[string]bool{}
			for i, p := range got {
				if p.Room+" "+p.Type != want[i] {
					t.Errorf("%s event %d = %s %s, want %s", name, i, p.Room, p.Type, want[i])
				}
				if seen[p.ID] {
					t.Errorf("%s got %s twice", name, p.ID)
				}
				seen[p.ID] = true
			}
		}
		check("platform", platform.accepted, want)
		if platform.calls != len(want)+2 {
			t.Errorf("platform receiver called %d times, want %d (two refusals)", platform.calls, len(want)+2)
		}
		orgRecv.mu.Lock()
		var orgWant []string
		for _, w := range want {
			if w[0] == 'a' {
				orgWant = append(orgWant, w)
			}
		}
		check("org", orgRecv.accepted, orgWant)
		orgRecv.mu.Unlock()

		log, err := b.usage.Deliveries(ctx, webhook.Filter{All: true})
		if err != nil {
			t.Fatal(err)
		}
		retried := 0
		for _, dl := range log {
			if dl.Status != webhook.StatusDelivered {
				t.Errorf("delivery %+v not delivered", dl)
			}
			if dl.Attempts > 1 {
				retried++
			}
		}
		if len(log) != len(want)+len(orgWant) || retried != 1 {
			t.Errorf("delivery log: %d rows, %d retried; want %d rows, 1 retried (3 attempts)", len(log), retried, len(want)+len(orgWant))
		}
		if n, _ := b.usage.PendingDeliveries(ctx); n != 0 {
			t.Errorf("pending = %d", n)
		}
	})
}
