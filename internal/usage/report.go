package usage

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Figures are the usage of one cell of a report. Seconds are exact; hours
// are the rounded display of those seconds.
type Figures struct {
	Meetings           int     `json:"meetings"`
	MeetingSeconds     int64   `json:"meetingSeconds"`
	MeetingHours       float64 `json:"meetingHours"`
	ParticipantSeconds int64   `json:"participantSeconds"`
	ParticipantHours   float64 `json:"participantHours"`
	Sessions           int     `json:"sessions"`
	// Participant media time of the sessions started in the cell
	// (docs/usage.md, "Media seconds").
	MediaSentSeconds     int64   `json:"mediaSentSeconds"`
	MediaSentHours       float64 `json:"mediaSentHours"`
	MediaReceivedSeconds int64   `json:"mediaReceivedSeconds"`
	MediaReceivedHours   float64 `json:"mediaReceivedHours"`
}

func (f *Figures) add(g Figures) {
	f.Meetings += g.Meetings
	f.MeetingSeconds += g.MeetingSeconds
	f.ParticipantSeconds += g.ParticipantSeconds
	f.Sessions += g.Sessions
	f.MediaSentSeconds += g.MediaSentSeconds
	f.MediaReceivedSeconds += g.MediaReceivedSeconds
}

func (f *Figures) round() {
	f.MeetingHours, f.ParticipantHours = Hours(f.MeetingSeconds), Hours(f.ParticipantSeconds)
	f.MediaSentHours, f.MediaReceivedHours = Hours(f.MediaSentSeconds), Hours(f.MediaReceivedSeconds)
}

// Row is one line of a report; empty keys are aggregated over.
type Row struct {
	Month string `json:"month,omitempty"`
	Year  int    `json:"year,omitempty"`
	Org   string `json:"org,omitempty"`
	Room  string `json:"room,omitempty"`
	Figures
}

// DeviceRow is the use of one device class.
type DeviceRow struct {
	Device             string  `json:"device"`
	Sessions           int     `json:"sessions"`
	ParticipantSeconds int64   `json:"participantSeconds"`
	ParticipantHours   float64 `json:"participantHours"`
}

// Peak is the highest concurrency in the period.
type Peak struct {
	Participants   int       `json:"participants"`
	ParticipantsAt time.Time `json:"participantsAt,omitzero"`
	Meetings       int       `json:"meetings"`
	MeetingsAt     time.Time `json:"meetingsAt,omitzero"`
}

// Report is the usage of a period: [From, To) in Europe/Rome months.
type Report struct {
	From     string      `json:"from"`
	To       string      `json:"to"` // last month included
	TimeZone string      `json:"timeZone"`
	Total    Figures     `json:"total"`
	Orgs     []Row       `json:"orgs"`   // per organisation
	Rooms    []Row       `json:"rooms"`  // per room, most meeting-hours first
	Months   []Row       `json:"months"` // every month of the period
	Years    []Row       `json:"years"`
	Detail   []Row       `json:"detail"` // month × organisation × room
	Devices  []DeviceRow `json:"devices"`
	Peak     Peak        `json:"peak"`
}

// BuildOptions say what to report and how to end open records.
type BuildOptions struct {
	From, To time.Time
	// Open records of LiveInstance end at Now; other open records (from a
	// process that stopped or another one) end at their heartbeat.
	LiveInstance string
	Now          time.Time
}

type cellKey struct{ month, org, room string }

// Build computes a report from records (which may extend past the
// period: they are clipped). docs/usage.md defines every figure.
func Build(ms []Meeting, ss []Session, o BuildOptions) Report {
	cells := map[cellKey]*Figures{}
	cell := func(month, org, room string) *Figures {
		k := cellKey{month, org, room}
		if cells[k] == nil {
			cells[k] = &Figures{}
		}
		return cells[k]
	}
	inPeriod := func(t time.Time) bool { return !t.Before(o.From) && t.Before(o.To) }
	for _, m := range ms {
		if inPeriod(m.Start) {
			cell(MonthKey(m.Start), m.OrgSlug, m.Room).Meetings++
		}
	}
	devices := map[string]*DeviceRow{}
	for _, d := range []string{DeviceDesktop, DevicePhone, DeviceTablet} {
		devices[d] = &DeviceRow{Device: d}
	}
	byMeeting := map[string][]interval{}
	for _, s := range ss {
		a, b := o.clip(s.Join, s.end(o))
		dev := devices[deviceClass(s.Device)]
		if inPeriod(s.Join) {
			// Media seconds are not spread over time: they go with the
			// session, to the month it started in.
			c := cell(MonthKey(s.Join), s.OrgSlug, s.Room)
			c.Sessions++
			c.MediaSentSeconds += s.MediaSent
			c.MediaReceivedSeconds += s.MediaReceived
			dev.Sessions++
		}
		if !a.Before(b) {
			continue
		}
		splitMonths(a, b, func(month string, secs int64) {
			cell(month, s.OrgSlug, s.Room).ParticipantSeconds += secs
			dev.ParticipantSeconds += secs
		})
		byMeeting[s.MeetingID] = append(byMeeting[s.MeetingID], interval{a, b, s})
	}
	for _, ivs := range byMeeting {
		org, room := ivs[0].s.OrgSlug, ivs[0].s.Room
		forEachShared(ivs, func(a, b time.Time) {
			splitMonths(a, b, func(month string, secs int64) {
				cell(month, org, room).MeetingSeconds += secs
			})
		})
	}
	r := Report{From: MonthKey(o.From), To: MonthKey(o.To.Add(-time.Second)), TimeZone: Location.String()}
	r.fill(cells, Months(o.From, o.To))
	for _, d := range []string{DeviceDesktop, DevicePhone, DeviceTablet} {
		dev := devices[d]
		dev.ParticipantHours = Hours(dev.ParticipantSeconds)
		r.Devices = append(r.Devices, *dev)
	}
	r.Peak = peak(ss, o)
	return r
}

// end is when a session stops counting: its leave, or for an open one the
// heartbeat (or now, if this process is the one holding it).
func (s Session) end(o BuildOptions) time.Time {
	switch {
	case !s.Leave.IsZero():
		return s.Leave
	case s.Instance == o.LiveInstance && o.LiveInstance != "" && !o.Now.IsZero():
		return latest(sec(o.Now), s.Heartbeat)
	}
	return s.Heartbeat
}

func (o BuildOptions) clip(a, b time.Time) (time.Time, time.Time) {
	return latest(a, o.From), earliest(b, o.To)
}

// fill derives every aggregate from the month × org × room cells, so all
// levels add up exactly.
func (r *Report) fill(cells map[cellKey]*Figures, months []string) {
	orgs, rooms, byMonth, years := map[string]*Row{}, map[[2]string]*Row{}, map[string]*Row{}, map[int]*Row{}
	for _, m := range months {
		byMonth[m] = &Row{Month: m}
	}
	for k, f := range cells {
		r.Total.add(*f)
		get(orgs, k.org, func() *Row { return &Row{Org: k.org} }).add(*f)
		get(rooms, [2]string{k.org, k.room}, func() *Row { return &Row{Org: k.org, Room: k.room} }).add(*f)
		get(byMonth, k.month, func() *Row { return &Row{Month: k.month} }).add(*f)
		year, _ := strconv.Atoi(k.month[:4])
		get(years, year, func() *Row { return &Row{Year: year} }).add(*f)
		d := Row{Month: k.month, Org: k.org, Room: k.room, Figures: *f}
		d.round()
		r.Detail = append(r.Detail, d)
	}
	r.Total.round()
	r.Orgs, r.Rooms, r.Months, r.Years = rows(orgs), rows(rooms), rows(byMonth), rows(years)
	slices.SortFunc(r.Orgs, func(a, b Row) int { return cmp.Compare(a.Org, b.Org) })
	slices.SortFunc(r.Months, func(a, b Row) int { return cmp.Compare(a.Month, b.Month) })
	slices.SortFunc(r.Years, func(a, b Row) int { return cmp.Compare(a.Year, b.Year) })
	slices.SortFunc(r.Rooms, func(a, b Row) int {
		return cmp.Or(-cmp.Compare(a.MeetingSeconds, b.MeetingSeconds), cmp.Compare(a.Org, b.Org), cmp.Compare(a.Room, b.Room))
	})
	slices.SortFunc(r.Detail, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Org, b.Org), cmp.Compare(a.Room, b.Room))
	})
	if r.Detail == nil {
		r.Detail = []Row{}
	}
}

func get[K comparable](m map[K]*Row, k K, mk func() *Row) *Row {
	if m[k] == nil {
		m[k] = mk()
	}
	return m[k]
}

func rows[K comparable](m map[K]*Row) []Row {
	out := make([]Row, 0, len(m))
	for _, r := range m {
		r.round()
		out = append(out, *r)
	}
	return out
}

// TopRooms returns the n rooms with the most meeting-hours.
func (r Report) TopRooms(n int) []Row { return r.Rooms[:min(n, len(r.Rooms))] }
