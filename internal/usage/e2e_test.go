package usage_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/usage"
)

// meetingRig drives Go clients through the real signalling while the
// test owns the clock.
type meetingRig struct {
	t    *testing.T
	a    *app.App
	base string
	ctx  context.Context
}

func (m *meetingRig) join(room, name, device string, cookie *http.Cookie) *client.Client {
	m.t.Helper()
	c, err := client.Join(m.ctx, m.base, room, client.Options{Name: name, Device: device, Cookie: cookie}, nil)
	if err != nil {
		m.t.Fatalf("%s joins %s: %v", name, room, err)
	}
	m.t.Cleanup(c.Close)
	return c // the record is written before the welcome is sent
}

// leave leaves and waits until the server recorded it.
func (m *meetingRig) leave(c *client.Client) {
	m.t.Helper()
	before := m.open()
	c.Leave(m.ctx)
	deadline := time.Now().Add(10 * time.Second)
	for m.open() != before-1 {
		if time.Now().After(deadline) {
			m.t.Fatalf("leave of %s not recorded", c.ID())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitMeetingsClosed waits until no meeting record is open: a meeting's
// end is written after its last session's, so leave alone does not
// cover it (on a busy machine the records were read in between).
func (m *meetingRig) waitMeetingsClosed() {
	m.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		meetings, _ := m.openRecords()
		if meetings == 0 {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%d meetings still open 10 s after everyone left", meetings)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// open counts open session records.
func (m *meetingRig) open() int {
	_, sessions := m.openRecords()
	return sessions
}

// openRecords counts the meeting and session records still open.
func (m *meetingRig) openRecords() (meetings, sessions int) {
	ms, ss, err := m.a.Usage.Store.UsageRecords(m.ctx, usage.Query{From: time.Unix(0, 0), To: time.Now().AddDate(10, 0, 0)})
	if err != nil {
		m.t.Fatal(err)
	}
	return stillOpen(ms, ss)
}

// stillOpen counts the meeting and session records that are open.
func stillOpen(ms []usage.Meeting, ss []usage.Session) (meetings, sessions int) {
	for _, x := range ms {
		if x.Open() {
			meetings++
		}
	}
	for _, x := range ss {
		if x.Open() {
			sessions++
		}
	}
	return meetings, sessions
}

func rome(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, usage.Location)
	if err != nil {
		panic(err)
	}
	return t
}

// TestMeetingsAcrossMidnightAndMonth: two meetings in two organisations
// run from 31 January 23:30 to 1 February 00:30 (Rome); the report splits
// every second at midnight into the right month, room and organisation.
func TestMeetingsAcrossMidnightAndMonth(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddOrg(t, a, "orgb", "Org B")
	apptest.AddRoomWith(t, a, store.Room{Slug: "alpha"})
	apptest.AddRoomWith(t, a, store.Room{Slug: "beta", OrgSlug: "orgb"})
	m := &meetingRig{t: t, a: a, base: base, ctx: context.Background()}
	clk := a.Usage.Clock
	host := apptest.SignInHost(t, a, base, "alpha", "Anna Host")

	clk.Set(rome("2026-01-31 23:30"))
	ca := m.join("alpha", "A", "desktop", host)
	clk.Advance(10 * time.Minute) // 23:40
	cb := m.join("alpha", "B", "phone", nil)
	clk.Advance(5 * time.Minute) // 23:45
	cc := m.join("beta", "C", "tablet", nil)
	clk.Advance(5 * time.Minute) // 23:50
	cd := m.join("beta", "D", "", nil)
	clk.Advance(20 * time.Minute) // 00:10, 1 February
	m.leave(cd)
	clk.Advance(10 * time.Minute) // 00:20
	m.leave(cb)
	clk.Advance(10 * time.Minute) // 00:30
	m.leave(ca)
	m.leave(cc)
	m.waitMeetingsClosed()

	from, to, _ := usage.MonthRange("2026-01", "2026-02")
	rep, err := a.Usage.Service.Report(m.ctx, from, to, 0)
	if err != nil {
		t.Fatal(err)
	}
	min := func(n int64) int64 { return n * 60 }
	wantCells := map[[3]string][2]int64{ // meeting, participant seconds
		{"2026-01", "demo", "alpha"}: {min(20), min(30 + 20)},
		{"2026-02", "demo", "alpha"}: {min(20), min(30 + 20)},
		{"2026-01", "orgb", "beta"}:  {min(10), min(15 + 10)},
		{"2026-02", "orgb", "beta"}:  {min(10), min(30 + 10)},
	}
	if len(rep.Detail) != len(wantCells) {
		t.Fatalf("detail rows = %+v", rep.Detail)
	}
	for _, r := range rep.Detail {
		w, ok := wantCells[[3]string{r.Month, r.Org, r.Room}]
		if !ok || r.MeetingSeconds != w[0] || r.ParticipantSeconds != w[1] {
			t.Errorf("cell %s/%s/%s = meeting %ds participant %ds, want %v", r.Month, r.Org, r.Room,
				r.MeetingSeconds, r.ParticipantSeconds, w)
		}
	}
	if got := rep.Months; len(got) != 2 || got[0].MeetingSeconds != min(30) || got[1].MeetingSeconds != min(30) ||
		got[0].Meetings != 2 || got[1].Meetings != 0 || got[0].Sessions != 4 {
		t.Errorf("months = %+v", got)
	}
	if got := rep.Orgs; len(got) != 2 || got[0].Org != "demo" || got[0].MeetingSeconds != min(40) ||
		got[1].MeetingSeconds != min(20) || got[0].MeetingHours != 0.67 || got[1].MeetingHours != 0.33 {
		t.Errorf("orgs = %+v", got)
	}
	if rep.Total.MeetingSeconds != min(60) || rep.Total.ParticipantSeconds != min(165) || rep.Total.MeetingHours != 1 {
		t.Errorf("total = %+v", rep.Total)
	}
	if top := rep.TopRooms(1); len(top) != 1 || top[0].Room != "alpha" {
		t.Errorf("top rooms = %+v", top)
	}
	if p := rep.Peak; p.Participants != 4 || p.Meetings != 2 || !p.ParticipantsAt.Equal(rome("2026-01-31 23:50")) {
		t.Errorf("peak = %+v", p)
	}
	devs := map[string]usage.DeviceRow{}
	for _, d := range rep.Devices {
		devs[d.Device] = d
	}
	if devs["phone"].ParticipantSeconds != min(40) || devs["tablet"].ParticipantSeconds != min(45) ||
		devs["desktop"].Sessions != 2 {
		t.Errorf("devices = %+v", rep.Devices)
	}

	// Only January: the February halves are cut off exactly at midnight.
	jan, feb, _ := usage.MonthRange("2026-01", "2026-01")
	rj, err := a.Usage.Service.Report(m.ctx, jan, feb, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rj.Total.MeetingSeconds != min(30) || rj.Total.ParticipantSeconds != min(75) {
		t.Errorf("January only = %+v", rj.Total)
	}

	ms, ss, _ := a.Usage.Store.UsageRecords(m.ctx, usage.Query{From: from, To: to})
	if len(ms) != 2 || len(ss) != 4 {
		t.Fatalf("records: %d meetings, %d sessions", len(ms), len(ss))
	}
	for _, x := range ms {
		if x.Open() || x.Recovered || x.Peak != 2 {
			t.Errorf("meeting record %+v", x)
		}
	}
	signedIn := 0
	for _, s := range ss {
		if s.AccountID != 0 {
			signedIn++
		}
	}
	if signedIn != 1 {
		t.Errorf("sessions with an account = %d, want 1 (the signed-in host)", signedIn)
	}
	if !strings.Contains(ms[0].Room+ms[1].Room, "alpha") {
		t.Errorf("rooms %q %q", ms[0].Room, ms[1].Room)
	}
}

// TestUsagePage: the admin page and its script are served, CSP-safe (no
// inline styles or scripts), with both languages.
func TestUsagePage(t *testing.T) {
	_, base := apptest.Start(t)
	for path, wants := range map[string][]string{
		"/admin/usage":              {`src="/static/js/admin/usage.js"`, `id="months"`, `id="day"`},
		"/static/js/admin/usage.js": {"Ore di conferenza", "Conference-hours", "createElementNS"},
		"/static/css/usage.css":     {".usage-chart .bar"},
		"/static/js/metrics.js":     {"client_metrics"},
	} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = io.Copy(b, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: %d, CSP %q", path, res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
		for _, w := range wants {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
		for _, bad := range []string{"style=", "<script>", "innerHTML", "'style'"} {
			if strings.Contains(b.String(), bad) {
				t.Errorf("%s contains %q (CSP)", path, bad)
			}
		}
	}
}
