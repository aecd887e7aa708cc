package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/loadtest"
	"github.com/confer-dev/confer/internal/signal"
)

// Someone who joins while another person talks learns who it is in the
// welcome, so the speaker layout stages them at once instead of whoever
// happens to be first.
func TestWelcomeNamesTheActiveSpeaker(t *testing.T) {
	_, url := apptest.Start(t)
	_, audio, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	speaker := join(t, url, "demo", "Speaker", nil)
	defer speaker.Close()
	if _, err := speaker.PublishMedia(ctx, client.MediaOptions{Audio: audio, AudioLevel: func() uint8 { return 20 }}); err != nil {
		t.Fatal(err)
	}
	listener := join(t, url, "demo", "Listener", nil)
	defer listener.Close()
	if _, err := listener.WaitEvent(ctx, signal.TypeActiveSpeaker, func(d json.RawMessage) bool {
		var v signal.ActiveSpeaker
		return json.Unmarshal(d, &v) == nil && v.ParticipantID == speaker.ID()
	}); err != nil {
		t.Fatalf("the listener was never told who speaks: %v", err)
	}
	late := join(t, url, "demo", "Late", nil)
	defer late.Close()
	if got := late.Welcome.ActiveSpeaker; got != speaker.ID() {
		t.Fatalf("welcome names %q as the active speaker, want %q", got, speaker.ID())
	}
}
