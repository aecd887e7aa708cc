// Package storetest is the behavioural test suite every store.Store
// implementation must pass. Backends call Run from their own tests with a
// factory that returns a fresh, empty, migrated store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// Run runs the suite. newStore must return an empty store; Run closes it.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"Orgs", testOrgs},
		{"OrgConflict", testOrgConflict},
		{"Rooms", testRooms},
		{"RoomConflict", testRoomConflict},
		{"RoomUnknownOrg", testRoomUnknownOrg},
		{"ListRoomsFilter", testListRoomsFilter},
		{"Accounts", testAccounts},
		{"ConcurrentWriters", testConcurrentWriters},
		{"OrgUpdate", testOrgUpdate},
		{"OrgListSearch", testOrgListSearch},
		{"SearchUnicode", testSearchUnicode},
		{"OrgDelete", testOrgDelete},
		{"RoomSettings", testRoomSettings},
		{"RoomConcurrentEdit", testRoomConcurrentEdit},
		{"RoomContractLimit", testRoomContractLimit},
		{"RoomHosts", testRoomHosts},
		{"AccountFields", testAccountFields},
		{"AccountListSearch", testAccountListSearch},
		{"AccountUpdate", testAccountUpdate},
		{"AccountContractLimit", testAccountContractLimit},
		{"CreateAccountsBulk", testCreateAccountsBulk},
		{"SetValidUntil", testSetValidUntil},
		{"Sessions", testSessions},
		{"APITokens", testAPITokens},
		{"OneTimeTokens", testOneTimeTokens},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, st)
		})
	}
}

func mustOrg(t *testing.T, st store.Store, slug string) store.Org {
	t.Helper()
	o, err := st.CreateOrg(context.Background(), store.Org{Slug: slug, Name: "Org " + slug, Kind: store.KindOther})
	if err != nil {
		t.Fatalf("CreateOrg(%q): %v", slug, err)
	}
	return o
}

func mustRoom(t *testing.T, st store.Store, r store.Room) store.Room {
	t.Helper()
	got, err := st.CreateRoom(context.Background(), r)
	if err != nil {
		t.Fatalf("CreateRoom(%q): %v", r.Slug, err)
	}
	return got
}

func recent(t *testing.T, what string, ts time.Time) {
	t.Helper()
	if d := time.Since(ts); ts.IsZero() || d < -time.Minute || d > time.Minute {
		t.Errorf("%s CreatedAt = %v, want about now", what, ts)
	}
}

func testOrgs(t *testing.T, st store.Store) {
	ctx := context.Background()
	if orgs, err := listOrgs(ctx, st); err != nil || len(orgs) != 0 {
		t.Fatalf("ListOrgs on empty store = %v, %v", orgs, err)
	}
	o, err := st.CreateOrg(ctx, store.Org{Slug: "clinic", Name: "The Clinic", Kind: store.KindHealthcare})
	if err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	if o.ID == 0 || o.Status != store.StatusActive {
		t.Errorf("CreateOrg returned %+v, want ID set and status active", o)
	}
	recent(t, "org", o.CreatedAt)
	mustOrg(t, st, "alpha")
	sus, err := st.CreateOrg(ctx, store.Org{Slug: "zed", Name: "Z", Kind: store.KindSchool, Status: store.StatusSuspended})
	if err != nil || sus.Status != store.StatusSuspended {
		t.Fatalf("CreateOrg suspended = %+v, %v", sus, err)
	}

	got, err := st.OrgBySlug(ctx, "clinic")
	if err != nil {
		t.Fatalf("OrgBySlug: %v", err)
	}
	if got.ID != o.ID || got.Name != "The Clinic" || got.Kind != store.KindHealthcare ||
		got.Status != store.StatusActive || got.CreatedAt.Sub(o.CreatedAt).Abs() > time.Millisecond {
		t.Errorf("OrgBySlug = %+v, want %+v", got, o)
	}
	if _, err := st.OrgBySlug(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("OrgBySlug(nope) err = %v, want ErrNotFound", err)
	}

	orgs, err := listOrgs(ctx, st)
	if err != nil {
		t.Fatalf("ListOrgs: %v", err)
	}
	var slugs []string
	for _, o := range orgs {
		slugs = append(slugs, o.Slug)
	}
	if fmt.Sprint(slugs) != "[alpha clinic zed]" {
		t.Errorf("ListOrgs slugs = %v, want [alpha clinic zed]", slugs)
	}
}

func testOrgConflict(t *testing.T, st store.Store) {
	ctx := context.Background()
	mustOrg(t, st, "dup")
	_, err := st.CreateOrg(ctx, store.Org{Slug: "dup", Name: "Other", Kind: store.KindOther})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate CreateOrg err = %v, want ErrConflict", err)
	}
	orgs, _ := listOrgs(ctx, st)
	if len(orgs) != 1 || orgs[0].Name != "Org dup" {
		t.Errorf("after conflict ListOrgs = %+v, want the original only", orgs)
	}
}

func testRooms(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "town")
	r := mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "council", Title: "Council", Capacity: 12,
		PIN: "0042", GuestsAllowed: true})
	if r.ID == 0 || r.OrgSlug != "town" || r.OrgStatus != store.StatusActive {
		t.Errorf("CreateRoom returned %+v, want ID and org fields set", r)
	}
	recent(t, "room", r.CreatedAt)

	got, err := st.RoomBySlug(ctx, "council")
	if err != nil {
		t.Fatalf("RoomBySlug: %v", err)
	}
	if got.ID != r.ID || got.OrgID != o.ID || got.OrgSlug != "town" || got.OrgStatus != store.StatusActive ||
		got.Title != "Council" || got.Capacity != 12 || got.PIN != "0042" || !got.GuestsAllowed {
		t.Errorf("RoomBySlug = %+v", got)
	}

	// Create by org slug instead of id; defaults stay zero values.
	r2 := mustRoom(t, st, store.Room{OrgSlug: "town", Slug: "annex", Title: "Annex", Capacity: 1})
	if r2.OrgID != o.ID {
		t.Errorf("CreateRoom by OrgSlug: OrgID = %d, want %d", r2.OrgID, o.ID)
	}
	got, err = st.RoomBySlug(ctx, "annex")
	if err != nil || got.PIN != "" || got.GuestsAllowed {
		t.Errorf("RoomBySlug(annex) = %+v, %v; want no PIN, no guests", got, err)
	}

	if _, err := st.RoomBySlug(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RoomBySlug(missing) err = %v, want ErrNotFound", err)
	}
}

func testRoomConflict(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustOrg(t, st, "org-a")
	b := mustOrg(t, st, "org-b")
	mustRoom(t, st, store.Room{OrgID: a.ID, Slug: "lobby", Title: "A", Capacity: 5})
	// Room slugs are platform-wide: another org cannot take it either.
	for _, org := range []store.Org{a, b} {
		_, err := st.CreateRoom(ctx, store.Room{OrgID: org.ID, Slug: "lobby", Title: "B", Capacity: 5})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate room in %s: err = %v, want ErrConflict", org.Slug, err)
		}
	}
	rooms, _ := listRooms(ctx, st, 0)
	if len(rooms) != 1 || rooms[0].Title != "A" {
		t.Errorf("after conflicts ListRooms = %+v, want the original only", rooms)
	}
}

func testRoomUnknownOrg(t *testing.T, st store.Store) {
	ctx := context.Background()
	if _, err := st.CreateRoom(ctx, store.Room{OrgSlug: "ghost", Slug: "r1", Title: "x", Capacity: 2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateRoom unknown org slug: err = %v, want ErrNotFound", err)
	}
	if _, err := st.CreateRoom(ctx, store.Room{OrgID: 9999, Slug: "r2", Title: "x", Capacity: 2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateRoom unknown org id: err = %v, want ErrNotFound", err)
	}
	if rooms, _ := listRooms(ctx, st, 0); len(rooms) != 0 {
		t.Errorf("rooms left behind: %+v", rooms)
	}
}

func testListRoomsFilter(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustOrg(t, st, "aa")
	b := mustOrg(t, st, "bb")
	mustOrg(t, st, "empty")
	for _, r := range []store.Room{
		{OrgID: b.ID, Slug: "b-two"}, {OrgID: a.ID, Slug: "a-one"}, {OrgID: b.ID, Slug: "b-one"},
	} {
		r.Title, r.Capacity = r.Slug, 3
		mustRoom(t, st, r)
	}
	check := func(org, want string) {
		t.Helper()
		o, _ := st.OrgBySlug(ctx, org)
		rooms, err := listRooms(ctx, st, o.ID)
		if err != nil {
			t.Fatalf("ListRooms(%q): %v", org, err)
		}
		var got []string
		for _, r := range rooms {
			got = append(got, r.OrgSlug+"/"+r.Slug)
		}
		if fmt.Sprint(got) != want {
			t.Errorf("ListRooms(%q) = %v, want %s", org, got, want)
		}
	}
	check("", "[aa/a-one bb/b-one bb/b-two]")
	check("bb", "[bb/b-one bb/b-two]")
	check("empty", "[]")
}

func testAccounts(t *testing.T, st store.Store) {
	ctx := context.Background()
	if n, err := st.CountPlatformAdmins(ctx); err != nil || n != 0 {
		t.Fatalf("CountPlatformAdmins on empty = %d, %v", n, err)
	}
	a, err := st.CreateAccount(ctx, store.Account{Email: "Admin@Example.ORG", DisplayName: "Admin",
		PasswordHash: "$argon2id$fake", Role: store.RolePlatformAdmin})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if a.ID == 0 || a.Email != "admin@example.org" {
		t.Errorf("CreateAccount = %+v, want ID set and lowercase email", a)
	}
	recent(t, "account", a.CreatedAt)
	if _, err := st.CreateAccount(ctx, store.Account{Email: "user@example.org", PasswordHash: "x"}); err != nil {
		t.Fatalf("CreateAccount(user): %v", err)
	}

	got, err := st.AccountByEmail(ctx, "ADMIN@example.org")
	if err != nil {
		t.Fatalf("AccountByEmail: %v", err)
	}
	if got.ID != a.ID || got.PasswordHash != "$argon2id$fake" || !got.IsPlatformAdmin() || got.DisplayName != "Admin" {
		t.Errorf("AccountByEmail = %+v", got)
	}
	if _, err := st.AccountByEmail(ctx, "nobody@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccountByEmail(nobody) err = %v, want ErrNotFound", err)
	}
	_, err = st.CreateAccount(ctx, store.Account{Email: "admin@EXAMPLE.org", PasswordHash: "y"})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate email (other case) err = %v, want ErrConflict", err)
	}
	if n, err := st.CountPlatformAdmins(ctx); err != nil || n != 1 {
		t.Errorf("CountPlatformAdmins = %d, %v; want 1", n, err)
	}
}

// testConcurrentWriters hammers the store from several goroutines; every
// write must either succeed or fail with ErrConflict, never with "busy".
func testConcurrentWriters(t *testing.T, st store.Store) {
	ctx := context.Background()
	const workers, perWorker = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				slug := fmt.Sprintf("org-%d-%d", w, i)
				o, err := st.CreateOrg(ctx, store.Org{Slug: slug, Name: slug, Kind: store.KindOther})
				if err != nil {
					errs <- err
					continue
				}
				// Everyone also races for the same shared room slug.
				_, err = st.CreateRoom(ctx, store.Room{OrgID: o.ID, Slug: fmt.Sprintf("shared-%d", i), Title: "t", Capacity: 2})
				if err != nil && !errors.Is(err, store.ErrConflict) {
					errs <- err
				}
				if _, err := listRooms(ctx, st, 0); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	orgs, _ := listOrgs(ctx, st)
	rooms, _ := listRooms(ctx, st, 0)
	if len(orgs) != workers*perWorker || len(rooms) != perWorker {
		t.Errorf("got %d orgs, %d rooms; want %d, %d", len(orgs), len(rooms), workers*perWorker, perWorker)
	}
}

func listOrgs(ctx context.Context, st store.Store) ([]store.Org, error) {
	p, err := st.ListOrgs(ctx, store.ListOptions{Limit: store.MaxLimit})
	return p.Items, err
}

func listRooms(ctx context.Context, st store.Store, orgID int64) ([]store.Room, error) {
	p, err := st.ListRooms(ctx, store.RoomFilter{OrgID: orgID, ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	return p.Items, err
}
