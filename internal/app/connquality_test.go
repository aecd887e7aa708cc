package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/loadtest"
	"github.com/confer-dev/confer/internal/signal"
)

// TestPoorConnectionIsShown: one participant's network drops a fifth of
// its datagrams. Everyone, that participant included, is told its
// connection is poor (participant_updated), someone who joins later sees
// it in the welcome, and the participant on a clean network is never
// flagged, although the lossy one's gaps reach it too.
func TestPoorConnectionIsShown(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "patchy", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	video, audio, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	drain := func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go drainTrack(tr) }
	join := func(name string, api *webrtc.API) *client.Client {
		c, err := client.Join(ctx, base, "patchy", client.Options{Name: name, API: api}, drain)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		if _, err := c.PublishMedia(ctx, client.MediaOptions{Video: video[1:2], Audio: audio, AudioLevel: func() uint8 { return 30 }}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	clean := join("Clean", nil)
	lossy := join("Lossy", apptest.LossyAPI(t, 0.2))

	poor := func(id string) func(json.RawMessage) bool {
		return func(d json.RawMessage) bool {
			var p signal.Participant
			return json.Unmarshal(d, &p) == nil && p.ID == id && p.Quality == "poor"
		}
	}
	if _, err := clean.WaitEvent(ctx, signal.TypeParticipantUpdated, poor(lossy.ID())); err != nil {
		t.Fatalf("Clean was never told Lossy's connection is poor: %v", err)
	}
	if _, err := lossy.WaitEvent(ctx, signal.TypeParticipantUpdated, poor(lossy.ID())); err != nil {
		t.Fatalf("Lossy was never told its own connection is poor: %v", err)
	}

	// Operators see it on /metrics.
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if m := regexp.MustCompile(`(?m)^confer_sfu_connections_graded\{quality="poor"\} ([0-9]+)$`).FindSubmatch(body); m == nil || string(m[1]) == "0" {
		t.Errorf("/metrics does not count Lossy's poor connection: %q", m)
	}

	late, err := client.Join(ctx, base, "patchy", client.Options{Name: "Late"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	for _, p := range late.Welcome.Participants {
		if p.ID == lossy.ID() && p.Quality != "poor" {
			t.Errorf("the welcome shows Lossy's quality %q, want poor", p.Quality)
		}
	}

	time.Sleep(4 * time.Second) // two more evaluations
	for _, c := range []*client.Client{clean, lossy, late} {
		for _, e := range c.Events() {
			var p signal.Participant
			if e.Type == signal.TypeParticipantUpdated && json.Unmarshal(e.Data, &p) == nil && p.ID == clean.ID() && p.Quality != "" {
				t.Errorf("Clean, on a clean network, was shown as %q", p.Quality)
			}
		}
	}
}
