package usage_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/usage"
)

// TestBudgetRefusesNewMeetingsOnly: an org with a one-hour budget that
// refuses meetings past it sees the warning at 80 %, then cannot start a
// new meeting at 100 %, while a meeting in progress goes on and can be
// joined. The API gives org admins their own figures only, as JSON and CSV.
func TestBudgetRefusesNewMeetingsOnly(t *testing.T) {
	a, base := apptest.Start(t)
	ctx := context.Background()
	org, err := a.Store.CreateOrg(ctx, store.Org{Slug: "tight", Name: "Tight budget", Kind: store.KindOther,
		Contract: store.Contract{HoursPerYear: 1, RefuseOverBudget: true}})
	if err != nil {
		t.Fatal(err)
	}
	apptest.AddRoomWith(t, a, store.Room{Slug: "t1", OrgSlug: "tight"})
	apptest.AddRoomWith(t, a, store.Room{Slug: "t2", OrgSlug: "tight"})
	m := &meetingRig{t: t, a: a, base: base, ctx: ctx}
	clk := a.Usage.Clock
	clk.Set(time.Date(2026, 6, 1, 9, 0, 0, 0, usage.Location))

	c1 := m.join("t1", "One", "", nil)
	c2 := m.join("t1", "Two", "", nil)
	clk.Advance(50 * time.Minute)
	b, err := a.Usage.Service.Budget(ctx, org)
	if err != nil || b.Level != usage.LevelWarning || b.Percent != 83.3 || b.Refusing {
		t.Fatalf("budget at 50 min = %+v, %v; want warning at 83.3 %%", b, err)
	}
	clk.Advance(11 * time.Minute) // 61 minutes: over
	a.Usage.Service.ForgetBudget(org.ID)
	_, err = client.Join(ctx, base, "t2", client.Options{Name: "Late"}, nil)
	var je *client.JoinError
	if !errors.As(err, &je) || je.Code != signal.CodeOverBudget || !strings.Contains(je.Message, "hours") {
		t.Fatalf("new meeting past the budget: %v; want %s", err, signal.CodeOverBudget)
	}
	m.join("t1", "Three", "", nil) // the meeting in progress is never cut and may be joined
	m.leave(c2)
	_ = c1

	platform := apptest.SignIn(t, a, base, apptest.AddAccount(t, a, "ops@example.org", "", store.RolePlatformAdmin, ""))
	var list struct{ Budgets []usage.Budget }
	if st, body := platform.Do("GET", "/api/v1/usage/budgets", nil, &list); st != http.StatusOK ||
		len(list.Budgets) == 0 || list.Budgets[0].Org != "tight" || list.Budgets[0].Level != usage.LevelExceeded {
		t.Fatalf("operator list = %d %s", st, body)
	}
	admin := apptest.SignIn(t, a, base, apptest.AddAccount(t, a, "boss@tight.example", "tight", store.RoleOrgAdmin, ""))
	if st, body := admin.Do("GET", "/api/v1/usage/budgets", nil, &list); st != http.StatusOK || len(list.Budgets) != 1 ||
		!list.Budgets[0].Refusing {
		t.Fatalf("org admin banner = %d %s", st, body)
	}
	if st, _ := admin.Do("GET", "/api/v1/usage/report?org=demo", nil, nil); st != http.StatusNotFound {
		t.Errorf("org admin asking for another org: %d, want 404", st)
	}
	var rep usage.Report
	if st, body := admin.Do("GET", "/api/v1/usage/report?from=2026-06&to=2026-06", nil, &rep); st != http.StatusOK ||
		rep.Total.MeetingSeconds != 61*60 || len(rep.Orgs) != 1 {
		t.Errorf("org admin report = %d %s", st, body)
	}
	st, csv := admin.Do("GET", "/api/v1/usage/report?from=2026-01&to=2026-12&format=csv&by=room", nil, nil)
	lines := strings.Split(strings.TrimSpace(csv), "\r\n")
	if st != http.StatusOK || !strings.HasPrefix(lines[0], "\ufeffperiod,org,room,meetings,meeting_hours") ||
		len(lines) != 2 || !strings.HasPrefix(lines[1], "2026-01..2026-12,tight,t1,1,1.02,") {
		t.Errorf("CSV = %d %q", st, csv)
	}
	if st, _ := apptest.Anonymous(t, base).Do("GET", "/api/v1/usage/report", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("anonymous report: %d", st)
	}
	member := apptest.SignIn(t, a, base, apptest.AddAccount(t, a, "m@tight.example", "tight", store.RoleMember, ""))
	if st, _ := member.Do("GET", "/api/v1/usage/report", nil, nil); st != http.StatusForbidden {
		t.Errorf("member report: %d", st)
	}
	res, err := http.Get(base + "/metrics")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %v %v", res, err)
	}
	defer res.Body.Close()
	body := new(strings.Builder)
	_, _ = io.Copy(body, res.Body)
	for _, want := range []string{"confer_meetings_active 1", `confer_participants{device="desktop"} 2`,
		"confer_join_seconds_bucket", "confer_sfu_packets_forwarded_total"} {
		if !strings.Contains(body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
