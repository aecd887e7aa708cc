package usage

import (
	"cmp"
	"slices"
	"time"
)

// interval is a session clipped to the report period.
type interval struct {
	a, b time.Time
	s    Session
}

type edge struct {
	t       time.Time
	delta   int
	meeting string
}

// edges lists starts and ends, ends first at equal times: someone leaving
// as another joins is not an overlap.
func edges(ivs []interval) []edge {
	es := make([]edge, 0, 2*len(ivs))
	for _, iv := range ivs {
		es = append(es, edge{iv.a, +1, iv.s.MeetingID}, edge{iv.b, -1, iv.s.MeetingID})
	}
	slices.SortFunc(es, func(x, y edge) int { return cmp.Or(x.t.Compare(y.t), cmp.Compare(x.delta, y.delta)) })
	return es
}

// forEachShared calls f for every stretch in which at least two of ivs
// (one meeting's sessions) overlap: the meeting-time of docs/usage.md.
func forEachShared(ivs []interval, f func(a, b time.Time)) {
	n := 0
	var since time.Time
	for _, e := range edges(ivs) {
		before := n
		n += e.delta
		switch {
		case before < 2 && n >= 2:
			since = e.t
		case before >= 2 && n < 2 && e.t.After(since):
			f(since, e.t)
		}
	}
}

// peak finds the most participants and the most meetings (rooms with at
// least one person) at the same time within the period.
func peak(ss []Session, o BuildOptions) Peak {
	var ivs []interval
	for _, s := range ss {
		if a, b := o.clip(s.Join, s.end(o)); a.Before(b) {
			ivs = append(ivs, interval{a, b, s})
		}
	}
	var p Peak
	n, live := 0, 0
	per := map[string]int{}
	for _, e := range edges(ivs) {
		n += e.delta
		per[e.meeting] += e.delta
		switch {
		case e.delta > 0 && per[e.meeting] == 1:
			live++
		case e.delta < 0 && per[e.meeting] == 0:
			live--
		}
		if n > p.Participants {
			p.Participants, p.ParticipantsAt = n, e.t.UTC()
		}
		if live > p.Meetings {
			p.Meetings, p.MeetingsAt = live, e.t.UTC()
		}
	}
	return p
}

// Bucket is the concurrency within one slice of a day.
type Bucket struct {
	Start        time.Time `json:"start"`
	Participants int       `json:"participants"` // most at once
	Meetings     int       `json:"meetings"`     // most at once
}

// Concurrency slices [from, to) into steps and gives the highest number
// of participants and of meetings in each.
func Concurrency(ss []Session, o BuildOptions, step time.Duration) []Bucket {
	var ivs []interval
	for _, s := range ss {
		if a, b := o.clip(s.Join, s.end(o)); a.Before(b) {
			ivs = append(ivs, interval{a, b, s})
		}
	}
	es := edges(ivs)
	var out []Bucket
	n, live, i := 0, 0, 0
	per := map[string]int{}
	apply := func(e edge) {
		n += e.delta
		per[e.meeting] += e.delta
		switch {
		case e.delta > 0 && per[e.meeting] == 1:
			live++
		case e.delta < 0 && per[e.meeting] == 0:
			live--
		}
	}
	for start := o.From; start.Before(o.To); start = start.Add(step) {
		end := start.Add(step)
		// Someone leaving exactly at the start is not in this bucket.
		for ; i < len(es) && !es[i].t.After(start) && es[i].delta < 0; i++ {
			apply(es[i])
		}
		b := Bucket{Start: start.UTC(), Participants: n, Meetings: live}
		for ; i < len(es) && es[i].t.Before(end); i++ {
			apply(es[i])
			b.Participants, b.Meetings = max(b.Participants, n), max(b.Meetings, live)
		}
		out = append(out, b)
	}
	return out
}
