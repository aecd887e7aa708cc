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

var (
	day1 = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	day2 = time.Date(2027, 8, 31, 23, 59, 59, 0, time.UTC)
)

func testAccountFields(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "clinic")
	in := store.Account{Email: " Anna@Clinic.ORG ", DisplayName: "Anna", PasswordHash: "h", SSOIssuer: "https://idp",
		SSOSubject: "sub-1", Kind: store.AccountContracted, OrgSlug: "clinic", Role: store.RoleOrgAdmin,
		EmailConfirmed: true, ValidFrom: day1, ValidUntil: day2}
	a, err := st.CreateAccount(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if a.OrgID != o.ID || a.Status != store.StatusActive || a.Version != 1 || a.Email != "anna@clinic.org" {
		t.Errorf("CreateAccount = %+v", a)
	}
	for name, get := range map[string]func() (store.Account, error){
		"ByID":    func() (store.Account, error) { return st.AccountByID(ctx, a.ID) },
		"ByEmail": func() (store.Account, error) { return st.AccountByEmail(ctx, "ANNA@clinic.org") },
		"BySSO":   func() (store.Account, error) { return st.AccountBySSO(ctx, "https://idp", "sub-1") },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.ID != a.ID || got.DisplayName != "Anna" || got.SSOSubject != "sub-1" || got.Kind != store.AccountContracted ||
			got.OrgSlug != "clinic" || got.OrgStatus != store.StatusActive || got.Role != store.RoleOrgAdmin ||
			!got.EmailConfirmed || !got.ValidFrom.Equal(day1) || !got.ValidUntil.Equal(day2) || got.Version != 1 {
			t.Errorf("%s = %+v", name, got)
		}
	}
	if _, err := st.AccountBySSO(ctx, "https://idp", "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccountBySSO(other) err = %v", err)
	}
	_, err = st.CreateAccount(ctx, store.Account{Email: "b@clinic.org", SSOIssuer: "https://idp", SSOSubject: "sub-1", OrgID: o.ID})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate SSO identity err = %v", err)
	}
	// Two accounts without SSO do not collide on the empty identity.
	mustAccount(t, st, store.Account{Email: "c@clinic.org", OrgID: o.ID})
	admin := mustAccount(t, st, store.Account{Email: "root@localhost", Role: store.RolePlatformAdmin})
	if admin.OrgID != 0 || admin.OrgSlug != "" {
		t.Errorf("org-less admin = %+v", admin)
	}
	got, _ := st.AccountByID(ctx, admin.ID)
	if got.OrgID != 0 || got.OrgStatus != "" || !got.ValidUntil.IsZero() || !got.IsPlatformAdmin() {
		t.Errorf("admin read back = %+v", got)
	}
	if _, err := st.CreateAccount(ctx, store.Account{Email: "d@x.org", OrgSlug: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown org err = %v", err)
	}
}

func testAccountListSearch(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustOrg(t, st, "aa")
	b := mustOrg(t, st, "bb")
	for i := range 30 {
		org, role := a.ID, store.RoleMember
		if i%3 == 0 {
			org, role = b.ID, store.RoleHost
		}
		mustAccount(t, st, store.Account{Email: fmt.Sprintf("user%02d@example.org", i),
			DisplayName: fmt.Sprintf("Person Nr %02d", i), OrgID: org, Role: role})
	}
	p, err := st.ListAccounts(ctx, store.AccountFilter{OrgID: b.ID})
	if err != nil || p.Total != 10 || len(p.Items) != 10 || p.Items[0].Email != "user00@example.org" {
		t.Errorf("org bb = %d/%d, %v", len(p.Items), p.Total, err)
	}
	for _, x := range p.Items {
		if x.OrgID != b.ID {
			t.Errorf("org filter leaked %+v", x)
		}
	}
	p, _ = st.ListAccounts(ctx, store.AccountFilter{ListOptions: store.ListOptions{Query: "nr 1", Limit: 3, Offset: 3}})
	if p.Total != 10 || len(p.Items) != 3 || p.Items[0].Email != "user13@example.org" {
		t.Errorf("search 'nr 1' page 2 = %+v", p)
	}
	p, _ = st.ListAccounts(ctx, store.AccountFilter{Role: store.RoleHost, OrgID: a.ID})
	if p.Total != 0 {
		t.Errorf("hosts in aa = %d", p.Total)
	}
	p, _ = st.ListAccounts(ctx, store.AccountFilter{ListOptions: store.ListOptions{Query: "USER29@"}})
	if p.Total != 1 {
		t.Errorf("search by email = %d", p.Total)
	}
}

func testAccountUpdate(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "town")
	a := mustAccount(t, st, store.Account{Email: "x@town.org", OrgID: o.ID, PasswordHash: "old"})
	mustAccount(t, st, store.Account{Email: "y@town.org", OrgID: o.ID})
	edit := a
	edit.DisplayName, edit.Role, edit.Status, edit.ValidUntil = "X", store.RoleHost, store.StatusSuspended, day2
	got, err := st.UpdateAccount(ctx, edit)
	if err != nil || got.Version != 2 || got.Role != store.RoleHost || got.Status != store.StatusSuspended ||
		!got.ValidUntil.Equal(day2) || got.PasswordHash != "old" || got.OrgSlug != "town" {
		t.Fatalf("UpdateAccount = %+v, %v", got, err)
	}
	if _, err := st.UpdateAccount(ctx, edit); !errors.Is(err, store.ErrStale) {
		t.Errorf("stale UpdateAccount err = %v", err)
	}
	got.Email = "Y@town.org"
	if _, err := st.UpdateAccount(ctx, got); !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrStale) {
		t.Errorf("email taken err = %v", err)
	}
	if err := st.SetPassword(ctx, a.ID, "new"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(ctx, 9999, "new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPassword(missing) err = %v", err)
	}
	got, _ = st.AccountByID(ctx, a.ID)
	if got.PasswordHash != "new" {
		t.Errorf("password hash = %q", got.PasswordHash)
	}
}

func testAccountContractLimit(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "clinic")
	o.Contract.Accounts = 3
	if _, err := st.UpdateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	p := mustOrg(t, st, store.PersonalOrgSlug)
	// Personal accounts in another org do not count.
	mustAccount(t, st, store.Account{Email: "p@x.org", Kind: store.AccountPersonal, OrgID: p.ID})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.CreateAccount(ctx, store.Account{Email: fmt.Sprintf("u%d@clinic.org", i), OrgID: o.ID})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrLimit):
				limited++
			default:
				t.Errorf("CreateAccount: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 3 || limited != 5 {
		t.Errorf("created %d, limited %d; want 3, 5", ok, limited)
	}
	got, _ := st.OrgByID(ctx, o.ID)
	if got.ContractedAccounts != 3 {
		t.Errorf("ContractedAccounts = %d", got.ContractedAccounts)
	}
	// Moving an account into the full org is refused too.
	other := mustOrg(t, st, "other")
	x := mustAccount(t, st, store.Account{Email: "x@other.org", OrgID: other.ID})
	x.OrgID = o.ID
	if _, err := st.UpdateAccount(ctx, x); !errors.Is(err, store.ErrLimit) {
		t.Errorf("move into full org err = %v", err)
	}
}

func testCreateAccountsBulk(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "clinic")
	o.Contract.Accounts = 2
	if _, err := st.UpdateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	p := mustOrg(t, st, store.PersonalOrgSlug)
	mustAccount(t, st, store.Account{Email: "taken@x.org", OrgID: o.ID})
	mustRoom(t, st, store.Room{OrgID: o.ID, Slug: "anna-rossi", Title: "x", Capacity: 2})
	personal := func(email string) store.NewAccount {
		return store.NewAccount{
			Account:      store.Account{Email: email, Kind: store.AccountPersonal, OrgID: p.ID},
			PersonalRoom: &store.Room{Slug: "anna-rossi", Title: "Anna", Capacity: 5},
		}
	}
	bad := []store.NewAccount{
		personal("a1@x.org"),
		{Account: store.Account{Email: "TAKEN@x.org", OrgID: o.ID}},
		{Account: store.Account{Email: "c1@x.org", OrgID: o.ID}},
		{Account: store.Account{Email: "c2@x.org", OrgID: o.ID}}, // over the contract (1 + 2 > 2)
		{Account: store.Account{Email: "a1@x.org", OrgID: o.ID}}, // duplicate within the batch
	}
	_, err := st.CreateAccounts(ctx, bad)
	var be *store.BulkError
	if !errors.As(err, &be) {
		t.Fatalf("CreateAccounts(bad) err = %v, want *BulkError", err)
	}
	var rows []string
	for _, r := range be.Rows {
		what := "other"
		switch {
		case errors.Is(r.Err, store.ErrLimit):
			what = "limit"
		case errors.Is(r.Err, store.ErrConflict):
			what = "conflict"
		}
		rows = append(rows, fmt.Sprintf("%d:%s", r.Row, what))
	}
	// Depending on whether the database aborts the transaction on the
	// first refused insert, later rows may be left unchecked; the first
	// refusal is always reported.
	if len(rows) == 0 || rows[0] != "1:conflict" {
		t.Errorf("bulk rows = %v, want 1:conflict first (ideally [1:conflict 3:limit 4:conflict])", rows)
	}
	if pg, _ := st.ListAccounts(ctx, store.AccountFilter{}); pg.Total != 1 {
		t.Errorf("after refused bulk: %d accounts, want 1 (nothing written)", pg.Total)
	}
	if r, _ := st.ListRooms(ctx, store.RoomFilter{}); r.Total != 1 {
		t.Errorf("after refused bulk: %d rooms", r.Total)
	}

	good := []store.NewAccount{personal("a1@x.org"), personal("a2@x.org"), {Account: store.Account{Email: "c1@x.org", OrgID: o.ID}}}
	out, err := st.CreateAccounts(ctx, good)
	if err != nil || len(out) != 3 || out[0].ID == 0 {
		t.Fatalf("CreateAccounts(good) = %v, %v", out, err)
	}
	r1, err1 := st.PersonalRoom(ctx, out[0].ID)
	r2, err2 := st.PersonalRoom(ctx, out[1].ID)
	if err1 != nil || err2 != nil || r1.Slug != "anna-rossi-2" || r2.Slug != "anna-rossi-3" || r1.PersonalOf != out[0].ID || r1.OrgID != p.ID {
		t.Errorf("personal rooms = %+v %v / %+v %v", r1, err1, r2, err2)
	}
	if _, err := st.PersonalRoom(ctx, out[2].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("contracted account got a personal room: %v", err)
	}
	// The personal room goes with its account.
	if err := st.DeleteAccount(ctx, out[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RoomBySlug(ctx, "anna-rossi-2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("personal room survived: %v", err)
	}
}

func testSetValidUntil(t *testing.T, st store.Store) {
	ctx := context.Background()
	o := mustOrg(t, st, "clinic")
	p := mustOrg(t, st, store.PersonalOrgSlug)
	var personal []store.Account
	for i := range 4 {
		personal = append(personal, mustAccount(t, st, store.Account{Email: fmt.Sprintf("p%d@x.org", i), Kind: store.AccountPersonal, OrgID: p.ID}))
	}
	c := mustAccount(t, st, store.Account{Email: "c@clinic.org", OrgID: o.ID})
	n, err := st.SetValidUntil(ctx, store.AccountSet{AllPersonal: true}, day2)
	if err != nil || n != 4 {
		t.Fatalf("all personal: %d, %v", n, err)
	}
	got, _ := st.AccountByID(ctx, personal[0].ID)
	if !got.ValidUntil.Equal(day2) || got.Version != 2 {
		t.Errorf("after extend: %+v", got)
	}
	if got, _ := st.AccountByID(ctx, c.ID); !got.ValidUntil.IsZero() {
		t.Errorf("contracted account touched: %+v", got)
	}
	n, err = st.SetValidUntil(ctx, store.AccountSet{IDs: []int64{personal[1].ID, c.ID}}, day1)
	if err != nil || n != 2 {
		t.Errorf("by ids: %d, %v", n, err)
	}
	n, _ = st.SetValidUntil(ctx, store.AccountSet{IDs: []int64{personal[2].ID, c.ID}, OrgID: o.ID}, time.Time{})
	if n != 1 {
		t.Errorf("org-scoped: %d, want 1", n)
	}
	if got, _ := st.AccountByID(ctx, c.ID); !got.ValidUntil.IsZero() {
		t.Errorf("clearing validity: %+v", got)
	}
	if got, _ := st.AccountByID(ctx, personal[2].ID); !got.ValidUntil.Equal(day2) {
		t.Errorf("out-of-org account changed: %+v", got)
	}
}
