package directory

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

var now = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

func TestCheckCanSignIn(t *testing.T) {
	clinic := store.Org{ID: 1, Slug: "clinic", Name: "Clinic", Status: store.StatusActive,
		ContactName: "Anna Rossi", ContactEmail: "it@clinic.org"}
	suspended := clinic
	suspended.Status = store.StatusSuspended
	base := store.Account{Email: "bob@clinic.org", Kind: store.AccountContracted, OrgID: 1, Role: store.RoleMember,
		Status: store.StatusActive, EmailConfirmed: true}
	personal := store.Account{Email: "p@home.org", Kind: store.AccountPersonal, OrgID: 2, Status: store.StatusActive, EmailConfirmed: true}
	with := func(a store.Account, f func(*store.Account)) store.Account { f(&a); return a }
	for _, tc := range []struct {
		name   string
		acc    store.Account
		org    store.Org
		reason string
		msg    string
	}{
		{"ok", base, clinic, "", ""},
		{"suspended", with(base, func(a *store.Account) { a.Status = store.StatusSuspended }), clinic, ReasonSuspended,
			"account bob@clinic.org is suspended: ask Anna Rossi <it@clinic.org>, admin of Clinic"},
		{"expired", with(base, func(a *store.Account) { a.ValidUntil = now.Add(-time.Hour) }), clinic, ReasonExpired,
			"account bob@clinic.org expired on 2027-03-01: ask Anna Rossi <it@clinic.org>, admin of Clinic to extend it"},
		{"expires exactly now", with(base, func(a *store.Account) { a.ValidUntil = now }), clinic, ReasonExpired, "expired"},
		{"valid later", with(base, func(a *store.Account) { a.ValidUntil = now.Add(time.Second) }), clinic, "", ""},
		{"not yet", with(base, func(a *store.Account) { a.ValidFrom = now.Add(48 * time.Hour) }), clinic, ReasonNotYetValid,
			"is valid from 2027-03-03"},
		{"org suspended", base, suspended, ReasonOrgSuspended,
			"account bob@clinic.org: its organisation is suspended: ask help@platform.example"},
		{"personal expired", with(personal, func(a *store.Account) { a.ValidUntil = now.Add(-time.Hour) }),
			store.Org{ID: 2, Slug: store.PersonalOrgSlug, Name: "Personal"}, ReasonExpired, "ask help@platform.example to extend it"},
		{"unconfirmed", with(personal, func(a *store.Account) { a.EmailConfirmed = false }), store.Org{ID: 2}, ReasonUnconfirmed,
			"confirm your email address first"},
		{"no contact", with(base, func(a *store.Account) { a.Status = store.StatusSuspended }),
			store.Org{ID: 1, Name: "Town", Status: store.StatusActive}, ReasonSuspended, "ask the administrator of Town"},
	} {
		err := CheckCanSignIn(tc.acc, tc.org, now, "help@platform.example")
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ae *AccessError
		if !errors.As(err, &ae) || ae.Reason != tc.reason || !errors.Is(err, ErrAccessDenied) || !IsUserError(err) ||
			!strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want reason %s with %q", tc.name, err, tc.reason, tc.msg)
		}
	}
	// Without an operator contact configured.
	err := CheckCanSignIn(store.Account{Email: "p@x", Kind: store.AccountPersonal, Status: store.StatusSuspended}, store.Org{}, now, "")
	if err == nil || !strings.Contains(err.Error(), "ask the platform operator") {
		t.Errorf("default operator: %v", err)
	}
}

func TestTenantHelpers(t *testing.T) {
	admin := store.Account{ID: 1, Role: store.RolePlatformAdmin}
	orgAdminA := store.Account{ID: 2, Role: store.RoleOrgAdmin, OrgID: 10}
	hostA := store.Account{ID: 3, Role: store.RoleHost, OrgID: 10}
	memberB := store.Account{ID: 4, Role: store.RoleMember, OrgID: 20}
	roomA := store.Room{ID: 100, OrgID: 10}
	roomB := store.Room{ID: 200, OrgID: 20}
	personalB := store.Room{ID: 300, OrgID: 30, PersonalOf: 4}
	hostsA := []store.RoomHost{{RoomID: 100, AccountID: 3, Role: store.RoomRoleHost}}
	for _, tc := range []struct {
		name string
		got  bool
		want bool
	}{
		{"admin admins B", CanAdminOrg(admin, 20), true},
		{"org admin A admins A", CanAdminOrg(orgAdminA, 10), true},
		{"org admin A admins B", CanAdminOrg(orgAdminA, 20), false},
		{"host A admins A", CanAdminOrg(hostA, 10), false},
		{"org-less org admin", CanAdminOrg(store.Account{Role: store.RoleOrgAdmin}, 0), false},
		{"member B sees B", CanSeeOrg(memberB, 20), true},
		{"member B sees A", CanSeeOrg(memberB, 10), false},
		{"host A manages A room", CanManageRoom(hostA, roomA, hostsA), true},
		{"host A manages B room", CanManageRoom(hostA, roomB, hostsA), false},
		{"host list of another room", CanManageRoom(hostA, store.Room{ID: 101, OrgID: 10}, hostsA), false},
		{"org admin A manages B room", CanManageRoom(orgAdminA, roomB, nil), false},
		{"owner manages personal room", CanManageRoom(memberB, personalB, nil), true},
		{"member B manages A room", CanManageRoom(memberB, roomA, hostsA), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	org := store.Org{ID: 10, Name: "A", Status: store.StatusActive}
	active := func(a store.Account) store.Account {
		a.Status, a.Email, a.EmailConfirmed = store.StatusActive, "x@a", true
		return a
	}
	if err := CheckCanHost(active(hostA), org, roomA, hostsA, now, ""); err != nil {
		t.Errorf("host may host: %v", err)
	}
	var ae *AccessError
	if err := CheckCanHost(active(memberB), org, roomA, hostsA, now, ""); !errors.As(err, &ae) || ae.Reason != ReasonNotHost {
		t.Errorf("member hosting: %v", err)
	}
	expired := active(hostA)
	expired.ValidUntil = now.Add(-time.Minute)
	if err := CheckCanHost(expired, org, roomA, hostsA, now, ""); !errors.As(err, &ae) || ae.Reason != ReasonExpired {
		t.Errorf("expired host: %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t, Options{OperatorContact: "ops@example.org", Now: func() time.Time { return now }})
	if _, err := d.CreateOrg(ctx, store.Org{Slug: "town", Name: "Town", ContactEmail: "it@town.org"}); err != nil {
		t.Fatal(err)
	}
	a, err := d.CreateAccount(ctx, store.Account{Email: "Bob@Town.org", OrgSlug: "town", ValidUntil: now.Add(time.Hour)}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.Authenticate(ctx, "bob@town.org", "correct horse battery", now); err != nil || got.ID != a.ID {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	for _, tc := range []struct{ email, pw string }{{"bob@town.org", "wrong password!"}, {"nobody@town.org", "correct horse battery"}} {
		if _, err := d.Authenticate(ctx, tc.email, tc.pw, now); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Authenticate(%s) err = %v", tc.email, err)
		}
	}
	_, err = d.Authenticate(ctx, "bob@town.org", "correct horse battery", now.Add(2*time.Hour))
	if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "it@town.org") {
		t.Errorf("expired Authenticate err = %v", err)
	}
	if _, err := d.SetOrgStatus(ctx, "town", store.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	_, err = d.Authenticate(ctx, "bob@town.org", "correct horse battery", now)
	if err == nil || !strings.Contains(err.Error(), "organisation is suspended: ask ops@example.org") {
		t.Errorf("suspended org err = %v", err)
	}
	if _, err := d.SetOrgStatus(ctx, "town", store.StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetAccountStatus(ctx, "bob@town.org", store.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "bob@town.org", "correct horse battery", now); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("suspended account err = %v", err)
	}
}
