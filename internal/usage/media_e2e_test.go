package usage_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
	"github.com/confer-dev/confer/internal/usage"
)

// forEachApp runs fn on a service with SQLite and one with PostgreSQL.
func forEachApp(t *testing.T, fn func(t *testing.T, a *app.App, base string)) {
	t.Run("sqlite", func(t *testing.T) {
		a, base := apptest.Start(t)
		fn(t, a, base)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.NewDB(t)
		a, base := apptest.StartConfig(t, func(c *config.Config) { c.DB = url }, app.Options{})
		fn(t, a, base)
	})
}

// TestMediaSeconds: two Go clients through the real signalling; B mutes
// itself, unmutes, is hard-muted by A (the moderator) and fails to
// unmute. Media seconds sent and received are exact, stamped by the
// heartbeat while open, stored at the leave, and summed in the report.
func TestMediaSeconds(t *testing.T) {
	forEachApp(t, func(t *testing.T, a *app.App, base string) {
		apptest.AddRoomWith(t, a, store.Room{Slug: "alpha"})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		m := &meetingRig{t: t, a: a, base: base, ctx: ctx}
		clk := a.Usage.Clock
		t0 := rome("2026-03-02 10:00")
		at := func(min int) { clk.Set(t0.Add(time.Duration(min) * time.Minute)) }
		// waitB waits until A sees B in the given mute state.
		waitB := func(ca, cb *client.Client, audio, video bool) {
			t.Helper()
			_, err := ca.WaitEvent(ctx, signal.TypeParticipantUpdated, func(d json.RawMessage) bool {
				var p signal.Participant
				return json.Unmarshal(d, &p) == nil && p.ID == cb.ID() && p.AudioMuted == audio && p.VideoMuted == video
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		at(0)
		ca := m.join("alpha", "A", "desktop", nil) // moderator: first in a room without lobby
		at(10)
		cb := m.join("alpha", "B", "phone", nil)
		at(20) // B turns microphone and camera off
		must(t, cb.Mute(ctx, "audio", true))
		must(t, cb.Mute(ctx, "video", true))
		waitB(ca, cb, true, true)
		at(30) // B speaks again
		must(t, cb.Mute(ctx, "audio", false))
		waitB(ca, cb, false, true)
		at(40) // A hard-mutes B
		must(t, ca.Moderate(ctx, signal.Moderate{Action: "mute", Target: cb.ID(), Group: "audio", Hard: true}))
		if _, err := cb.WaitEvent(ctx, signal.TypeModerated, nil); err != nil {
			t.Fatal(err)
		}
		at(45) // B's unmute is refused: still not sending
		must(t, cb.Mute(ctx, "audio", false))
		if err := cb.WaitError(ctx, "hard_muted"); err != nil {
			t.Fatal(err)
		}
		// The heartbeat stamps the open sessions: a crash now keeps these.
		if err := a.Usage.Recorder.Beat(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[string][2]int64{ca.ID(): {45 * 60, 20 * 60}, cb.ID(): {20 * 60, 35 * 60}}
		checkMedia(t, a, want, true)

		at(50)
		m.leave(cb)
		at(60)
		m.leave(ca)
		// A sent all hour and received while B sent (10-20, 30-40); B
		// sent 20 of its 40 minutes and received A all along.
		want = map[string][2]int64{ca.ID(): {60 * 60, 20 * 60}, cb.ID(): {20 * 60, 40 * 60}}
		checkMedia(t, a, want, false)

		from, to, _ := usage.MonthRange("2026-03", "2026-03")
		rep, err := a.Usage.Service.Report(ctx, from, to, 0)
		if err != nil {
			t.Fatal(err)
		}
		if tot := rep.Total; tot.MediaSentSeconds != 80*60 || tot.MediaReceivedSeconds != 60*60 ||
			tot.MediaSentHours != 1.33 || tot.MediaReceivedHours != 1 {
			t.Errorf("report total = %+v", tot)
		}
	})
}

// checkMedia compares the stored sessions' media seconds (sent, received).
func checkMedia(t *testing.T, a *app.App, want map[string][2]int64, open bool) {
	t.Helper()
	_, ss, err := a.Usage.Store.UsageRecords(context.Background(), usage.Query{From: time.Unix(0, 0), To: time.Now().AddDate(10, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != len(want) {
		t.Fatalf("%d sessions, want %d", len(ss), len(want))
	}
	for _, s := range ss {
		if w := want[s.ParticipantID]; s.Open() != open || s.MediaSent != w[0] || s.MediaReceived != w[1] {
			t.Errorf("session of %s (open %t): media sent %d received %d, want %v", s.ParticipantID, s.Open(),
				s.MediaSent, s.MediaReceived, w)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
