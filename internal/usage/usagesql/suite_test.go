package usagesql_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
	"github.com/confer-dev/confer/internal/store/sqlite"
	"github.com/confer-dev/confer/internal/usage"
	"github.com/confer-dev/confer/internal/usage/usagesql"
)

// backend is one database with the usage tables.
type backend struct {
	st    store.Store
	usage *usagesql.Store
}

// forEachStore runs fn on a fresh SQLite file and a fresh PostgreSQL
// database (which fails, not skips, when the server is unreachable).
func forEachStore(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "confer.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, backend{st, st.Usage()})
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.NewDB(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, backend{st, st.Usage()})
	})
}

// fakeClock is a settable clock for recorders.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// orgsOf maps room slugs to organisations for recorders.
func orgsOf(m map[string][2]any) usage.RoomOrg {
	return func(_ context.Context, slug string) (int64, string, error) {
		o := m[slug]
		return o[0].(int64), o[1].(string), nil
	}
}

func TestCrashRecovery(t *testing.T) {
	forEachStore(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clk := &fakeClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
		orgs := orgsOf(map[string][2]any{"r1": {int64(7), "seven"}})
		dead := usage.NewRecorder(usage.RecorderOptions{Store: b.usage, RoomOrg: orgs, Clock: clk.Now, Instance: "dead"})
		dead.MeetingStarted("r1", clk.Now())
		dead.ParticipantJoined("r1", room.Info{ID: "p1", AccountID: 42}, clk.Now())
		clk.Set(clk.Now().Add(time.Minute))
		dead.ParticipantJoined("r1", room.Info{ID: "p2", Device: "phone"}, clk.Now())
		clk.Set(clk.Now().Add(2 * time.Minute))
		dead.ParticipantLeft("r1", room.Info{ID: "p2"}, clk.Now()) // a clean leave before the crash
		clk.Set(clk.Now().Add(4*time.Minute + 500*time.Millisecond))
		if err := dead.Beat(ctx); err != nil { // last heartbeat at 09:07:00
			t.Fatal(err)
		}
		crash := clk.Now() // then the process is killed (nothing more written)

		next := usage.NewRecorder(usage.RecorderOptions{Store: b.usage, RoomOrg: orgs, Clock: clk.Now, Instance: "next"})
		// Within two heartbeats the dead instance could still be a live
		// node sharing the database: nothing is closed yet.
		clk.Set(crash.Add(50 * time.Second))
		if nm, ns, err := next.Recover(ctx); err != nil || nm+ns != 0 {
			t.Fatalf("Recover within two heartbeats = %d, %d, %v; want nothing closed", nm, ns, err)
		}
		clk.Set(crash.Add(61 * time.Second))
		nm, ns, err := next.Recover(ctx)
		if err != nil || nm != 1 || ns != 1 {
			t.Fatalf("Recover = %d meetings, %d sessions, %v; want 1, 1", nm, ns, err)
		}
		if nm, ns, err := next.Recover(ctx); err != nil || nm+ns != 0 {
			t.Fatalf("second Recover = %d, %d, %v; want nothing left", nm, ns, err)
		}
		ms, ss, err := b.usage.UsageRecords(ctx, usage.Query{From: crash.Add(-time.Hour), To: crash.Add(time.Hour)})
		if err != nil || len(ms) != 1 || len(ss) != 2 {
			t.Fatalf("records = %v %v %v", ms, ss, err)
		}
		want := time.Date(2026, 3, 10, 9, 7, 0, 0, time.UTC)
		if m := ms[0]; !m.End.Equal(want) || !m.Recovered || m.Peak != 2 || m.OrgSlug != "seven" {
			t.Errorf("meeting = %+v, want ended %v, recovered, peak 2", m, want)
		}
		for _, s := range ss {
			switch s.ParticipantID {
			case "p1":
				if !s.Leave.Equal(want) || !s.Recovered || s.AccountID != 42 || crash.Sub(s.Leave) > time.Second {
					t.Errorf("crashed session = %+v", s)
				}
			case "p2":
				if s.Recovered || s.Leave.Sub(s.Join) != 2*time.Minute || s.Device != "phone" {
					t.Errorf("clean session = %+v", s)
				}
			}
		}
		var events int
		if err := b.usage.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM usage_events`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if events != 6 { // started, 2 joined, left, recovered left, recovered ended
			t.Errorf("usage_events = %d, want 6", events)
		}
	})
}

// Two nodes share one database: the one that starts (or sweeps) must not
// close the meetings the other is still holding and stamping.
func TestRecoveryLeavesLiveNodesAlone(t *testing.T) {
	forEachStore(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clk := &fakeClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
		orgs := orgsOf(map[string][2]any{"r1": {int64(7), "seven"}})
		nodeA := usage.NewRecorder(usage.RecorderOptions{Store: b.usage, RoomOrg: orgs, Clock: clk.Now, Instance: "node-a"})
		nodeB := usage.NewRecorder(usage.RecorderOptions{Store: b.usage, RoomOrg: orgs, Clock: clk.Now, Instance: "node-b"})
		nodeA.MeetingStarted("r1", clk.Now())
		nodeA.ParticipantJoined("r1", room.Info{ID: "p1"}, clk.Now())
		nodeA.ParticipantJoined("r1", room.Info{ID: "p2"}, clk.Now())
		// Ten minutes of a live meeting on A, stamped every heartbeat,
		// while B sweeps after each of its own.
		for i := 0; i < 20; i++ {
			clk.Set(clk.Now().Add(30 * time.Second))
			if err := nodeA.Beat(ctx); err != nil {
				t.Fatal(err)
			}
			if nm, ns, err := nodeB.Recover(ctx); err != nil || nm+ns != 0 {
				t.Fatalf("node B closed %d meetings and %d sessions of live node A (%v)", nm, ns, err)
			}
		}
		ms, ss, err := b.usage.UsageRecords(ctx, usage.Query{From: clk.Now().Add(-time.Hour), To: clk.Now().Add(time.Hour)})
		if err != nil || len(ms) != 1 || len(ss) != 2 || !ms[0].Open() || !ss[0].Open() || !ss[1].Open() {
			t.Fatalf("live meeting disturbed: %+v %+v %v", ms, ss, err)
		}
	})
}

func orgNamed(slug string) store.Org {
	return store.Org{Slug: slug, Name: "Org " + slug, Kind: store.KindOther}
}
