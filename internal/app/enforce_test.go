package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
)

// TestHardMuteSurvivesUnmute: a hard-muted participant's client says
// "unmuted"; the server refuses, keeps it muted for everyone and forwards
// no audio until a moderator allows it.
func TestHardMuteSurvivesUnmute(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "open", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	mod := join(t, url, "open", "Anna", nil)
	defer mod.Close()
	noisy := join(t, url, "open", "Noisy", nil)
	defer noisy.Close()
	obs := &media{name: "Observer", received: map[string]map[string]int{}}
	obs.c = join(t, url, "open", "Observer", obs.onTrack)
	defer obs.c.Close()
	publish(ctx, t, noisy)
	waitFor(t, "audio from Noisy", 15*time.Second, func() bool { return obs.count(noisy.ID(), "audio") > 20 })

	if err := mod.Moderate(ctx, signal.Moderate{Action: "mute", Target: noisy.ID(), Group: "audio", Hard: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := noisy.WaitEvent(ctx, signal.TypeModerated, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // packets in flight
	// The modified client ignores the mute and says it is unmuted.
	if err := noisy.Mute(ctx, "audio", false); err != nil {
		t.Fatal(err)
	}
	if err := noisy.WaitError(ctx, signal.CodeHardMuted); err != nil {
		t.Fatal(err)
	}
	before := obs.count(noisy.ID(), "audio")
	time.Sleep(time.Second)
	if after := obs.count(noisy.ID(), "audio"); after != before {
		t.Fatalf("audio still forwarded while hard-muted: %d → %d packets", before, after)
	}
	if v := obs.count(noisy.ID(), "video"); v == 0 {
		t.Fatal("video should still flow")
	}
	for _, e := range obs.c.Events() {
		var p signal.Participant
		if e.Type == signal.TypeParticipantUpdated && json.Unmarshal(e.Data, &p) == nil && p.ID == noisy.ID() && !p.AudioMuted {
			t.Fatalf("others were told the hard-muted participant is unmuted: %s", e.Data)
		}
	}

	// Allowed again, the participant unmutes and is heard.
	if err := mod.Moderate(ctx, signal.Moderate{Action: "allow", Target: noisy.ID(), Group: "audio"}); err != nil {
		t.Fatal(err)
	}
	if _, err := noisy.WaitEvent(ctx, signal.TypeModerated, func(d json.RawMessage) bool {
		var m signal.Moderated
		return json.Unmarshal(d, &m) == nil && m.Action == "allow"
	}); err != nil {
		t.Fatal(err)
	}
	if err := noisy.Mute(ctx, "audio", false); err != nil {
		t.Fatal(err)
	}
	base := obs.count(noisy.ID(), "audio")
	waitFor(t, "audio again", 10*time.Second, func() bool { return obs.count(noisy.ID(), "audio") > base+10 })
}

// TestWhoMayShareModerators: in a room where only moderators share, a
// participant's screen track is blocked and never announced; the
// moderator's is announced with its source.
func TestWhoMayShareModerators(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoomWith(t, a, store.Room{Slug: "council", WhoMayShare: store.ShareModerators})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	mod := join(t, url, "council", "Chair", nil)
	defer mod.Close()
	user := join(t, url, "council", "Member", nil)
	defer user.Close()
	obs := &media{name: "Observer", received: map[string]map[string]int{}}
	obs.c = join(t, url, "council", "Observer", obs.onTrack)
	defer obs.c.Close()

	// publish() names its tracks "audio" and "video": declare the video a
	// screen share.
	screen := signal.Sources{Tracks: map[string]string{"video": "screen"}}
	if err := user.Send(ctx, signal.TypeSources, screen); err != nil {
		t.Fatal(err)
	}
	publish(ctx, t, user)
	if _, err := user.WaitEvent(ctx, signal.TypeModerated, func(d json.RawMessage) bool {
		var m signal.Moderated
		return json.Unmarshal(d, &m) == nil && m.Action == "share_refused"
	}); err != nil {
		t.Fatalf("no share_refused: %v", err)
	}
	if err := mod.Send(ctx, signal.TypeSources, screen); err != nil {
		t.Fatal(err)
	}
	publish(ctx, t, mod)
	if _, err := obs.c.WaitEvent(ctx, signal.TypeTrackPublished, func(d json.RawMessage) bool {
		var tr signal.Track
		return json.Unmarshal(d, &tr) == nil && tr.ParticipantID == mod.ID() && tr.Source == "screen"
	}); err != nil {
		t.Fatalf("moderator's share not announced: %v", err)
	}
	waitFor(t, "moderator's screen", 15*time.Second, func() bool { return obs.count(mod.ID(), "video") > 20 })
	waitFor(t, "member's microphone", 15*time.Second, func() bool { return obs.count(user.ID(), "audio") > 20 })
	if n := obs.count(user.ID(), "video"); n != 0 {
		t.Fatalf("a refused share reached others: %d packets", n)
	}
	for _, e := range obs.c.Events() {
		var tr signal.Track
		if e.Type == signal.TypeTrackPublished && json.Unmarshal(e.Data, &tr) == nil && tr.ParticipantID == user.ID() && tr.Source == "screen" {
			t.Fatalf("a refused share was announced: %s", e.Data)
		}
	}
}
