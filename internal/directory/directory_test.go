package directory

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/sqlite"
)

func newDir(t *testing.T, opts Options) (*Directory, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "confer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, opts), st
}

func TestValidSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"ab": true, "a1": true, "my-room": true, "0-9": true, strings.Repeat("a", 63): true,
		"a": false, "": false, strings.Repeat("a", 64): false, "-ab": false, "ab-": false,
		"a b": false, "Ab": false, "a_b": false, "é-é": false, "a.b": false,
	} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCreateOrg(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t, Options{})
	o, err := d.CreateOrg(ctx, store.Org{Slug: "clinic", Name: "  The Clinic ", Kind: store.KindHealthcare})
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "The Clinic" || o.Status != store.StatusActive {
		t.Errorf("CreateOrg = %+v", o)
	}
	if o, err := d.CreateOrg(ctx, store.Org{Slug: "misc", Name: "Misc"}); err != nil || o.Kind != store.KindOther {
		t.Errorf("default kind: %+v, %v", o, err)
	}
	_, err = d.CreateOrg(ctx, store.Org{Slug: "clinic", Name: "Again"})
	if !errors.Is(err, store.ErrConflict) || err.Error() != `org "clinic": slug already taken` {
		t.Errorf("duplicate: %v", err)
	}
	for _, in := range []store.Org{
		{Slug: "a b", Name: "x"}, {Slug: "Caps", Name: "x"}, {Slug: "ok", Name: "  "},
		{Slug: "ok", Name: "x", Kind: "hospital"},
	} {
		_, err := d.CreateOrg(ctx, in)
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "\n") {
			t.Errorf("CreateOrg(%+v) err = %v, want one-line *ValidationError", in, err)
		}
	}
	if orgs, _ := d.ListOrgs(ctx, store.ListOptions{}); orgs.Total != 2 {
		t.Errorf("ListOrgs has %d orgs, want 2", orgs.Total)
	}
}

func TestCreateRoom(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t, Options{MaxCapacity: 20})
	if _, err := d.CreateOrg(ctx, store.Org{Slug: "town", Name: "Town"}); err != nil {
		t.Fatal(err)
	}
	r, err := d.CreateRoom(ctx, store.Room{OrgSlug: "town", Slug: "council"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Capacity != 20 || r.Title != "council" || r.PIN != "" || r.GuestsAllowed || r.OrgSlug != "town" {
		t.Errorf("defaults: %+v", r)
	}
	r, err = d.CreateRoom(ctx, store.Room{OrgSlug: "town", Slug: "desk", Title: "Front desk", Capacity: 2, PIN: "0123456789", GuestsAllowed: true})
	if err != nil || r.Capacity != 2 || r.PIN != "0123456789" || !r.GuestsAllowed {
		t.Errorf("explicit: %+v, %v", r, err)
	}

	for _, tc := range []struct {
		in   store.Room
		want error
	}{
		{store.Room{OrgSlug: "town", Slug: "council"}, store.ErrConflict},
		{store.Room{OrgSlug: "nowhere", Slug: "r1"}, store.ErrNotFound},
		{store.Room{OrgSlug: "town", Slug: "r 1"}, ErrInvalid},
		{store.Room{OrgSlug: "town", Slug: "r1", Capacity: -1}, ErrInvalid},
		{store.Room{OrgSlug: "town", Slug: "r1", Capacity: 21}, ErrInvalid},
		{store.Room{OrgSlug: "town", Slug: "r1", PIN: "123"}, ErrInvalid},
		{store.Room{OrgSlug: "town", Slug: "r1", PIN: "12345678901"}, ErrInvalid},
		{store.Room{OrgSlug: "town", Slug: "r1", PIN: "12a4"}, ErrInvalid},
	} {
		_, err := d.CreateRoom(ctx, tc.in)
		if !errors.Is(err, tc.want) || !IsUserError(err) {
			t.Errorf("CreateRoom(%+v) err = %v, want %v", tc.in, err, tc.want)
		}
	}
	if err := d.ValidateCapacity(0); !errors.Is(err, ErrInvalid) {
		t.Errorf("ValidateCapacity(0) = %v", err)
	}
	town, _ := d.OrgBySlug(ctx, "town")
	rooms, err := d.ListRooms(ctx, store.RoomFilter{OrgID: town.ID})
	if err != nil || rooms.Total != 2 {
		t.Errorf("ListRooms = %d rooms, %v; want 2", rooms.Total, err)
	}
	if got, err := d.RoomBySlug(ctx, "desk"); err != nil || got.OrgSlug != "town" || got.OrgStatus != store.StatusActive {
		t.Errorf("RoomBySlug = %+v, %v", got, err)
	}
	if _, err := d.RoomBySlug(ctx, "../etc"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RoomBySlug(bad) err = %v", err)
	}
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	d, st := newDir(t, Options{})
	res, err := d.Bootstrap(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.AdminCreated || res.AdminEmail != BootstrapAdminEmail || len(res.AdminPassword) < 16 || res.DemoRoom != "" {
		t.Fatalf("first Bootstrap = %+v", res)
	}
	a, err := st.AccountByEmail(ctx, res.AdminEmail)
	if err != nil || !a.IsPlatformAdmin() {
		t.Fatalf("admin account = %+v, %v", a, err)
	}
	if a.PasswordHash == res.AdminPassword || !strings.HasPrefix(a.PasswordHash, "$argon2id$") {
		t.Errorf("stored hash %q is not an argon2id hash", a.PasswordHash)
	}
	if ok, err := auth.VerifyPassword(a.PasswordHash, res.AdminPassword); !ok || err != nil {
		t.Errorf("password does not verify: %v, %v", ok, err)
	}
	if rooms, _ := d.ListRooms(ctx, store.RoomFilter{}); rooms.Total != 0 {
		t.Errorf("non-dev bootstrap created rooms: %+v", rooms)
	}

	// Again, with dev twice: no second admin, demo created once.
	for range 2 {
		res, err = d.Bootstrap(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.AdminCreated || res.AdminPassword != "" || res.DemoRoom != DemoRoomSlug {
			t.Errorf("repeat Bootstrap = %+v", res)
		}
	}
	if n, _ := st.CountPlatformAdmins(ctx); n != 1 {
		t.Errorf("%d platform admins, want 1", n)
	}
	r, err := d.RoomBySlug(ctx, DemoRoomSlug)
	if err != nil || !r.GuestsAllowed || r.PIN != "" || r.OrgSlug != DemoOrgSlug || r.Capacity != DefaultMaxCapacity {
		t.Errorf("demo room = %+v, %v", r, err)
	}
	if o, err := d.OrgBySlug(ctx, DemoOrgSlug); err != nil || o.Kind != store.KindOther {
		t.Errorf("demo org = %+v, %v", o, err)
	}
}
