package usagesql_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/usage"
	"github.com/confer-dev/confer/internal/webhook"
)

// TestWebhookPrivateAndRetry: an endpoint whose name resolves to loopback
// at delivery time (as after DNS rebinding) is refused at connect time and
// never reached; the delivery fails; "retry now" makes it due again, and
// with private addresses allowed it is delivered once.
func TestWebhookPrivateAndRetry(t *testing.T) {
	forEachStore(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
		defer srv.Close()
		// "localhost" passes no literal-address check: only the dial sees 127.0.0.1.
		url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		if _, err := b.usage.CreateEndpoint(ctx, webhook.Endpoint{URL: url, Secret: webhook.NewSecret(), Enabled: true}); err != nil {
			t.Fatal(err)
		}
		rec := usage.NewRecorder(usage.RecorderOptions{Store: b.usage,
			RoomOrg: orgsOf(map[string][2]any{"r": {int64(0), "none"}})})
		rec.MeetingStarted("r", time.Now())
		rec.ParticipantJoined("r", room.Info{ID: "p"}, time.Now()) // meeting.started, participant.joined

		guarded := webhook.New(webhook.Options{Store: b.usage, MaxAttempts: 1})
		if n, err := guarded.RunOnce(ctx); n != 0 || err != nil {
			t.Fatalf("guarded run: %d accepted, %v", n, err)
		}
		ds, err := b.usage.Deliveries(ctx, webhook.Filter{All: true})
		if err != nil {
			t.Fatal(err)
		}
		first := ds[len(ds)-1] // newest first
		if first.Status != webhook.StatusFailed || !strings.Contains(first.LastError, "private") || hits.Load() != 0 {
			t.Fatalf("guarded delivery = %+v, receiver hits %d", first, hits.Load())
		}

		// Retry now: only failed deliveries, only visible ones.
		if err := b.usage.RetryDelivery(ctx, first.ID, webhook.Filter{OrgID: 99}, time.Now()); !errors.Is(err, webhook.ErrNotFound) {
			t.Errorf("retry through another org: %v", err)
		}
		if err := b.usage.RetryDelivery(ctx, 1<<40, webhook.Filter{All: true}, time.Now()); !errors.Is(err, webhook.ErrNotFound) {
			t.Errorf("retry of an unknown delivery: %v", err)
		}
		if err := b.usage.RetryDelivery(ctx, first.ID, webhook.Filter{All: true}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := b.usage.RetryDelivery(ctx, first.ID, webhook.Filter{All: true}, time.Now()); !errors.Is(err, webhook.ErrNotFailed) {
			t.Errorf("retry of a pending delivery: %v", err)
		}
		open := webhook.New(webhook.Options{Store: b.usage, MaxAttempts: 1, AllowPrivate: true})
		if n, err := open.RunOnce(ctx); n != 1 || err != nil {
			t.Fatalf("allowed run: %d accepted, %v", n, err)
		}
		ds, _ = b.usage.Deliveries(ctx, webhook.Filter{All: true})
		if d := ds[len(ds)-1]; d.ID != first.ID || d.Status != webhook.StatusDelivered || d.Attempts != 2 || hits.Load() != 1 {
			t.Errorf("after retry: %+v, hits %d", d, hits.Load())
		}
	})
}
