package usage

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestHoursRounding(t *testing.T) {
	for secs, want := range map[int64]float64{0: 0, 17: 0, 18: 0.01, 3600: 1, 3617: 1, 3618: 1.01, 5400: 1.5} {
		if got := Hours(secs); got != want {
			t.Errorf("Hours(%d) = %v, want %v", secs, got, want)
		}
	}
}

// The night summer time starts (29 March 2026, Rome) has 23 hours: a
// session over the whole day counts 23 h, all in March.
func TestMonthSplitAcrossDST(t *testing.T) {
	from, to, _ := MonthRange("2026-03", "2026-04")
	a := time.Date(2026, 3, 29, 0, 0, 0, 0, Location)
	b := time.Date(2026, 3, 30, 0, 0, 0, 0, Location)
	ss := []Session{
		{ID: "1", MeetingID: "m", OrgSlug: "o", Room: "r", Join: a, Leave: b},
		{ID: "2", MeetingID: "m", OrgSlug: "o", Room: "r", Join: a, Leave: time.Date(2026, 4, 1, 1, 0, 0, 0, Location)},
	}
	rep := Build(nil, ss, BuildOptions{From: from, To: to})
	if rep.Months[0].MeetingSeconds != 23*3600 || rep.Months[1].MeetingSeconds != 0 {
		t.Errorf("months = %+v", rep.Months)
	}
	if rep.Months[1].ParticipantSeconds != 3600 {
		t.Errorf("April participant seconds = %d, want 3600", rep.Months[1].ParticipantSeconds)
	}
}

func TestCSVItalian(t *testing.T) {
	from, to, _ := MonthRange("2026-01", "2026-01")
	j := time.Date(2026, 1, 5, 10, 0, 0, 0, Location)
	ss := []Session{
		{ID: "1", MeetingID: "m", OrgSlug: "o", Room: "=cmd", Join: j, Leave: j.Add(90 * time.Minute), MediaSent: 1800, MediaReceived: 5400},
		{ID: "2", MeetingID: "m", OrgSlug: "o", Room: "=cmd", Join: j, Leave: j.Add(90 * time.Minute), MediaSent: 5400, MediaReceived: 1800},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, Build(nil, ss, BuildOptions{From: from, To: to}), CSVOptions{Italian: true}); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffperiod;org;room;meetings;meeting_hours;participant_hours;participant_sessions;meeting_seconds;participant_seconds;" +
		"media_sent_hours;media_received_hours;media_sent_seconds;media_received_seconds\r\n" +
		"2026-01;o;'=cmd;0;1,50;3,00;2;5400;10800;2,00;2,00;7200;7200\r\n"
	if b.String() != want {
		t.Errorf("CSV =\n%q\nwant\n%q", b.String(), want)
	}
	if err := WriteCSV(&b, Report{}, CSVOptions{By: "nope"}); err == nil || !strings.Contains(err.Error(), "grouping") {
		t.Errorf("unknown grouping: %v", err)
	}
}

func TestConcurrencyBuckets(t *testing.T) {
	day := time.Date(2026, 2, 2, 0, 0, 0, 0, Location)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	ss := []Session{
		{ID: "1", MeetingID: "a", Join: at(9, 0), Leave: at(10, 0)},
		{ID: "2", MeetingID: "a", Join: at(9, 20), Leave: at(9, 40)},
		{ID: "3", MeetingID: "b", Join: at(9, 25), Leave: at(9, 35)},
	}
	bs := Concurrency(ss, BuildOptions{From: day, To: day.AddDate(0, 0, 1)}, 15*time.Minute)
	got := map[string][2]int{}
	for _, b := range bs {
		got[b.Start.In(Location).Format("15:04")] = [2]int{b.Participants, b.Meetings}
	}
	for k, w := range map[string][2]int{"08:45": {0, 0}, "09:00": {1, 1}, "09:15": {3, 2}, "09:30": {3, 2}, "09:45": {1, 1}, "10:00": {0, 0}} {
		if got[k] != w {
			t.Errorf("bucket %s = %v, want %v", k, got[k], w)
		}
	}
	if len(bs) != 96 {
		t.Errorf("%d buckets, want 96", len(bs))
	}
}
