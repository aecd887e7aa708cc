package usagesql_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/usage"
)

// TestPropertyTotals drives random joins and leaves in several rooms of
// several organisations through a Recorder into the store, then checks
// that per-room figures add up to each organisation's and the platform's,
// that months add up to the total, and that meeting-seconds equal a
// brute-force count of the minutes with two or more people in a room.
func TestPropertyTotals(t *testing.T) {
	forEachStore(t, func(t *testing.T, b backend) {
		for seed := range uint64(12) {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { propertyRun(t, b, seed) })
		}
	})
}

func propertyRun(t *testing.T, b backend, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 99))
	rooms := map[string][2]any{}
	slugs := []string{}
	for i := range 5 {
		slug := fmt.Sprintf("s%d-room%d", seed, i)
		rooms[slug] = [2]any{int64(1 + i%3), fmt.Sprintf("org%d", i%3)}
		slugs = append(slugs, slug)
	}
	// Start late on a month's last day, so meetings cross midnight and the month.
	start := time.Date(2026, time.Month(1+seed%12), 1, 0, 0, 0, 0, usage.Location).AddDate(0, 1, 0).Add(-3 * time.Hour)
	clk := &fakeClock{t: start}
	rec := usage.NewRecorder(usage.RecorderOptions{Store: b.usage, RoomOrg: orgsOf(rooms), Clock: clk.Now,
		Instance: fmt.Sprint("prop", seed)})
	in := map[string][]string{} // room → participants present
	// presence[room][minute] = people in the room during that minute
	const minutes = 6 * 60
	presence := map[string]*[minutes]int{}
	for _, s := range slugs {
		presence[s] = new([minutes]int)
	}
	next := 0
	for minute := 0; minute < minutes; minute++ {
		now := start.Add(time.Duration(minute) * time.Minute)
		for _, s := range slugs {
			switch {
			case rng.IntN(10) == 0: // someone joins
				if len(in[s]) == 0 {
					rec.MeetingStarted(s, now)
				}
				next++
				id := fmt.Sprint("p", next)
				in[s] = append(in[s], id)
				rec.ParticipantJoined(s, room.Info{ID: id, Device: []string{"desktop", "phone", "tablet"}[rng.IntN(3)]}, now)
			case len(in[s]) > 0 && rng.IntN(12) == 0: // someone leaves
				k := rng.IntN(len(in[s]))
				rec.ParticipantLeft(s, room.Info{ID: in[s][k]}, now)
				in[s] = append(in[s][:k], in[s][k+1:]...)
				if len(in[s]) == 0 {
					rec.MeetingEnded(s, now)
				}
			}
			presence[s][minute] = len(in[s])
		}
	}
	end := start.Add(minutes * time.Minute)
	for _, s := range slugs {
		if len(in[s]) > 0 {
			for _, id := range in[s] {
				rec.ParticipantLeft(s, room.Info{ID: id}, end)
			}
			rec.MeetingEnded(s, end)
		}
	}
	if rec.Pending() != 0 {
		t.Fatalf("%d events not stored", rec.Pending())
	}

	from, to, _ := usage.MonthRange(usage.MonthKey(start), usage.MonthKey(end))
	ms, ss, err := b.usage.UsageRecords(ctx, usage.Query{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	var mine []usage.Session
	for _, s := range ss {
		if s.Instance == fmt.Sprint("prop", seed) {
			mine = append(mine, s)
		}
	}
	var myMeetings []usage.Meeting
	for _, m := range ms {
		if m.Instance == fmt.Sprint("prop", seed) {
			myMeetings = append(myMeetings, m)
		}
	}
	rep := usage.Build(myMeetings, mine, usage.BuildOptions{From: from, To: to})

	var byRoom, byOrg, byMonth, detail usage.Figures
	orgSum := map[string]int64{}
	for _, r := range rep.Rooms {
		byRoom.MeetingSeconds += r.MeetingSeconds
		byRoom.ParticipantSeconds += r.ParticipantSeconds
		orgSum[r.Org] += r.MeetingSeconds
	}
	for _, r := range rep.Orgs {
		byOrg.MeetingSeconds += r.MeetingSeconds
		byOrg.ParticipantSeconds += r.ParticipantSeconds
		if orgSum[r.Org] != r.MeetingSeconds {
			t.Errorf("org %s: rooms sum to %d s, org says %d s", r.Org, orgSum[r.Org], r.MeetingSeconds)
		}
	}
	for _, r := range rep.Months {
		byMonth.MeetingSeconds += r.MeetingSeconds
		byMonth.ParticipantSeconds += r.ParticipantSeconds
	}
	for _, r := range rep.Detail {
		detail.MeetingSeconds += r.MeetingSeconds
		detail.ParticipantSeconds += r.ParticipantSeconds
	}
	for name, f := range map[string]usage.Figures{"rooms": byRoom, "orgs": byOrg, "months": byMonth, "detail": detail} {
		if f.MeetingSeconds != rep.Total.MeetingSeconds || f.ParticipantSeconds != rep.Total.ParticipantSeconds {
			t.Errorf("%s sum to %d/%d s, platform total %d/%d s", name, f.MeetingSeconds, f.ParticipantSeconds,
				rep.Total.MeetingSeconds, rep.Total.ParticipantSeconds)
		}
	}
	var wantMeeting, wantPart int64
	for _, s := range slugs {
		for _, n := range presence[s] {
			wantPart += int64(n) * 60
			if n >= 2 {
				wantMeeting += 60
			}
		}
	}
	if rep.Total.MeetingSeconds != wantMeeting || rep.Total.ParticipantSeconds != wantPart {
		t.Errorf("total %d/%d s, brute force %d/%d s", rep.Total.MeetingSeconds, rep.Total.ParticipantSeconds, wantMeeting, wantPart)
	}
	if len(rep.Months) < 2 {
		t.Errorf("months = %+v, want the run to cross a month", rep.Months)
	}
}
