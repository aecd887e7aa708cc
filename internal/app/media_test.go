package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/sfu"
	"github.com/confer-dev/confer/internal/store"
)

// TestMediaSnapshot: a platform operator sees a live meeting's media, a
// publisher's video with packets and who gets it; an org admin and an
// anonymous caller are refused.
func TestMediaSnapshot(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "snap", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	joinPublishing(t, ctx, base, "snap", "A", "B")

	op := apptest.SignIn(t, a, base, apptest.AddAccount(t, a, "ops@example.org", "", store.RolePlatformAdmin, ""))
	var got struct{ Rooms []sfu.Snapshot }
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, body := op.Do("GET", "/api/v1/media", nil, &got); code != http.StatusOK {
			t.Fatalf("operator: %d %s", code, body)
		}
		if ok, why := videoFlows(got.Rooms); ok {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the snapshot never showed video flowing both ways: %s", why)
		}
		time.Sleep(200 * time.Millisecond)
	}

	admin := apptest.SignIn(t, a, base, apptest.AddAccount(t, a, "admin@demo.example", "demo", store.RoleOrgAdmin, ""))
	if code, _ := admin.Do("GET", "/api/v1/media", nil, nil); code != http.StatusForbidden {
		t.Errorf("org admin: %d, want 403", code)
	}
	if code, _ := apptest.Anonymous(t, base).Do("GET", "/api/v1/media", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", code)
	}
}

// videoFlows says whether the snapshot shows one room where two peers
// each get the other's video, and if not, what it shows.
func videoFlows(rooms []sfu.Snapshot) (bool, string) {
	if len(rooms) != 1 {
		return false, fmt.Sprintf("%d rooms", len(rooms))
	}
	r := rooms[0]
	videos := map[string]string{} // track → publisher
	for _, tr := range r.Tracks {
		if tr.Kind == "video" && len(tr.Layers) > 0 && tr.Layers[0].Packets > 0 {
			videos[tr.ID] = tr.PeerID
		}
	}
	getting := 0
	for _, p := range r.Peers {
		for _, s := range p.Subscriptions {
			if pub, ok := videos[s.TrackID]; ok && pub != p.ID && s.Started && s.Packets > 0 {
				getting++
			}
		}
	}
	return len(videos) == 2 && getting == 2, fmt.Sprintf("%+v", r)
}
