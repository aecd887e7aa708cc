package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/confer-dev/confer/internal/store"
)

func testOrgUpdate(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "clinic")
	if o.Version != 1 || o.UpdatedAt.IsZero() {
		t.Errorf("new org version/updated = %d/%v", o.Version, o.UpdatedAt)
	}
	edit := o
	edit.Name, edit.ContactName, edit.ContactEmail, edit.ContactPhone = "Clinic 2", "Anna", "anna@clinic.org", "+39 1"
	edit.Contract = store.Contract{Accounts: 10, HoursPerYear: 1200, MaxRooms: 3, RefuseOverBudget: true}
	edit.Status = store.StatusSuspended
	got, err := st.UpdateOrg(ctx, edit)
	if err != nil {
		t.Fatalf("UpdateOrg: %v", err)
	}
	if got.Version != 2 || got.Name != "Clinic 2" || got.Contract != edit.Contract || got.ContactEmail != "anna@clinic.org" ||
		got.ContactPhone != "+39 1" || got.Status != store.StatusSuspended || got.Slug != "clinic" {
		t.Errorf("UpdateOrg = %+v", got)
	}
	read, _ := st.OrgByID(ctx, o.ID)
	if read.Contract != edit.Contract || read.Version != 2 || read.ContactName != "Anna" {
		t.Errorf("OrgByID after update = %+v", read)
	}
	// The old version is stale now.
	_, err = st.UpdateOrg(ctx, edit)
	if !errors.Is(err, store.ErrStale) || !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), `org "clinic": changed by someone else, reload`) {
		t.Errorf("stale UpdateOrg err = %v", err)
	}
	edit.ID, edit.Version = 9999, 1
	if _, err := st.UpdateOrg(ctx, edit); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateOrg(missing) err = %v", err)
	}
	if _, err := st.OrgByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("OrgByID(missing) err = %v", err)
	}
}

func testOrgListSearch(t *testing.T, st store.Store) {
	ctx := context.Background()
	for i := range 25 {
		name := fmt.Sprintf("Town %02d", i)
		if i%5 == 0 {
			name = fmt.Sprintf("Hospital %02d", i)
		}
		if _, err := st.CreateOrg(ctx, store.Org{Slug: fmt.Sprintf("o%02d", i), Name: name, Kind: store.KindOther}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := st.ListOrgs(ctx, store.ListOptions{Limit: 10, Offset: 20})
	if err != nil || p.Total != 25 || len(p.Items) != 5 || p.Items[0].Slug != "o20" {
		t.Errorf("page 3 = %d items (first %v), total %d, %v", len(p.Items), p.Items, p.Total, err)
	}
	p, _ = st.ListOrgs(ctx, store.ListOptions{Query: "HOSPITAL", Limit: 2})
	if p.Total != 5 || len(p.Items) != 2 || p.Items[0].Slug != "o00" || p.Items[1].Slug != "o05" {
		t.Errorf("search hospital = %+v", p)
	}
	p, _ = st.ListOrgs(ctx, store.ListOptions{Query: "o1"}) // slug match
	if p.Total != 10 {
		t.Errorf("search o1 total = %d, want 10", p.Total)
	}
	p, _ = st.ListOrgs(ctx, store.ListOptions{Query: "%"}) // wildcards are literal
	if p.Total != 0 || p.Items == nil {
		t.Errorf("search %% = %+v, want empty non-nil", p)
	}
}

func testOrgDelete(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "gone")
	mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "gone-room", Title: "x", Capacity: 2})
	a, err := st.CreateAccount(ctx, store.Account{Email: "x@gone.org", OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteOrg(ctx, o.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("DeleteOrg with accounts err = %v, want ErrConflict", err)
	}
	if err := st.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteOrg(ctx, o.ID); err != nil {
		t.Fatalf("DeleteOrg: %v", err)
	}
	if _, err := st.RoomBySlug(ctx, "gone-room"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("room survived its org: %v", err)
	}
	if err := st.DeleteOrg(ctx, o.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteOrg again err = %v", err)
	}
}

func testRoomSettings(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "school")
	r := mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "class", Title: "Class", Capacity: 30,
		Description: "Mondays", Lobby: true, WhoMayShare: store.ShareModerators})
	got, err := st.RoomByID(ctx, r.ID)
	if err != nil || got.Description != "Mondays" || !got.Lobby || got.WhoMayShare != store.ShareModerators ||
		got.Version != 1 || got.PersonalOf != 0 || got.OrgSlug != "school" {
		t.Fatalf("RoomByID = %+v, %v", got, err)
	}
	plain := mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "plain", Title: "P", Capacity: 2})
	if plain.WhoMayShare != store.ShareEveryone {
		t.Errorf("default who-may-share = %q", plain.WhoMayShare)
	}
	got.Title, got.Description, got.Capacity, got.PIN = "Class B", "", 12, "9999"
	got.GuestsAllowed, got.Lobby, got.WhoMayShare = true, false, store.ShareEveryone
	up, err := st.UpdateRoom(ctx, got)
	if err != nil || up.Version != 2 || up.Title != "Class B" || up.Capacity != 12 || up.PIN != "9999" ||
		!up.GuestsAllowed || up.Lobby || up.Description != "" || up.OrgSlug != "school" {
		t.Fatalf("UpdateRoom = %+v, %v", up, err)
	}
	_, err = st.UpdateRoom(ctx, got)
	if !errors.Is(err, store.ErrStale) || !strings.Contains(err.Error(), `room "class": changed by someone else, reload`) {
		t.Errorf("stale UpdateRoom err = %v", err)
	}
	if err := st.DeleteRoom(ctx, plain.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteRoom(ctx, plain.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteRoom again err = %v", err)
	}
}

// testRoomConcurrentEdit: two admins load the same room and save at the
// same moment: exactly one wins, the other is told to reload.
func testRoomConcurrentEdit(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "town")
	r := mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "council", Title: "Council", Capacity: 10})
	for round := range 10 {
		cur, err := st.RoomBySlug(ctx, "council")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				edit := cur
				edit.Title = fmt.Sprintf("by admin %d in round %d", i, round)
				<-start
				_, errs[i] = st.UpdateRoom(ctx, edit)
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict) || !errors.Is(err, store.ErrStale):
				t.Errorf("round %d: loser err = %v, want ErrStale/ErrConflict", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d winners (%v), want exactly 1", round, wins, errs)
		}
		after, _ := st.RoomByID(ctx, r.ID)
		if after.Version != cur.Version+1 || !strings.HasPrefix(after.Title, "by admin") {
			t.Errorf("round %d: after = %+v", round, after)
		}
	}
}

func testRoomContractLimit(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "small")
	o.Contract.MaxRooms = 3
	if _, err := st.UpdateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	// Racing creators cannot exceed the contract.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.CreateRoom(ctx, store.Room{OrgSlug: "small", Slug: fmt.Sprintf("r%d", i), Title: "x", Capacity: 2})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrLimit):
				limited++
			default:
				t.Errorf("CreateRoom: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 3 || limited != 5 {
		t.Errorf("created %d, limited %d; want 3, 5", ok, limited)
	}
	got, _ := st.OrgBySlug(ctx, "small")
	if got.Rooms != 3 {
		t.Errorf("org Rooms count = %d", got.Rooms)
	}
}

func testRoomHosts(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "town")
	r1 := mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "one", Title: "1", Capacity: 2})
	r2 := mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "two", Title: "2", Capacity: 2})
	mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "three", Title: "3", Capacity: 2})
	a := mustAccount(t, st, store.Account{Email: "b@town.org", OrgID: o.ID, Role: store.RoleHost})
	b := mustAccount(t, st, store.Account{Email: "a@town.org", OrgID: o.ID})
	for _, err := range []error{
		st.SetRoomHost(ctx, r1.ID, a.ID, store.RoomRoleHost),
		st.SetRoomHost(ctx, r1.ID, b.ID, store.RoomRoleHost),
		st.SetRoomHost(ctx, r1.ID, b.ID, store.RoomRoleModerator), // changes the role
		st.SetRoomHost(ctx, r2.ID, a.ID, store.RoomRoleModerator),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	hosts, err := st.RoomHosts(ctx, r1.ID)
	if err != nil || fmt.Sprint(hostList(hosts)) != "[a@town.org:moderator b@town.org:host]" || hosts[0].RoomSlug != "one" {
		t.Errorf("RoomHosts = %v, %v", hosts, err)
	}
	p, _ := st.ListRooms(ctx, store.RoomFilter{HostAccountID: a.ID})
	if p.Total != 2 || p.Items[0].Slug != "one" || p.Items[1].Slug != "two" {
		t.Errorf("rooms hosted by a = %+v", p)
	}
	if err := st.RemoveRoomHost(ctx, r1.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveRoomHost(ctx, r1.ID, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemoveRoomHost again err = %v", err)
	}
	if err := st.SetRoomHost(ctx, r1.ID, 9999, store.RoomRoleHost); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetRoomHost(unknown account) err = %v", err)
	}
	// Deleting the account drops its assignments.
	if err := st.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if hosts, _ := st.RoomHosts(ctx, r2.ID); len(hosts) != 0 {
		t.Errorf("hosts after account deletion = %v", hosts)
	}
}

func hostList(hs []store.RoomHost) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Email+":"+h.Role)
	}
	return out
}

func mustAccount(t *testing.T, st store.Store, a store.Account) store.Account {
	t.Helper()
	got, err := st.CreateAccount(context.Background(), a)
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", a.Email, err)
	}
	return got
}
