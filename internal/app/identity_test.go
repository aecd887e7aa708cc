package app

import (
	"context"
	"testing"

	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
)

// TestLookupRoomHost checks who signalling treats as a room's host.
func TestLookupRoomHost(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data, cfg.MediaPort = t.TempDir(), 0
	a, err := NewWithOptions(ctx, cfg, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	d := a.Directory
	for _, slug := range []string{"alpha", "bravo"} {
		if _, err := d.CreateOrg(ctx, store.Org{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateRoom(ctx, store.Room{OrgSlug: "alpha", Slug: "ward", Lobby: true, WhoMayShare: store.ShareModerators}); err != nil {
		t.Fatal(err)
	}
	mk := func(email, org, role string) signal.Identity {
		acc, err := d.CreateAccount(ctx, store.Account{Email: email, OrgSlug: org, Role: role, EmailConfirmed: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		return signal.Identity{AccountID: acc.ID}
	}
	host := mk("h@alpha.example", "alpha", store.RoleHost)
	mod := mk("m@alpha.example", "alpha", store.RoleMember)
	member := mk("x@alpha.example", "alpha", store.RoleMember)
	orgAdmin := mk("a@alpha.example", "alpha", store.RoleOrgAdmin)
	otherAdmin := mk("b@bravo.example", "bravo", store.RoleOrgAdmin)
	gone := mk("s@alpha.example", "alpha", store.RoleHost)
	for _, e := range []string{"h@alpha.example", "s@alpha.example"} {
		if err := d.SetRoomHost(ctx, "ward", e, store.RoomRoleHost); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.SetRoomHost(ctx, "ward", "m@alpha.example", store.RoomRoleModerator); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetAccountStatus(ctx, "s@alpha.example", store.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	platform, _ := a.Store.AccountByEmail(ctx, "admin@localhost")
	dir := directoryAdapter{d: d}
	for _, tc := range []struct {
		name string
		who  signal.Identity
		want bool
	}{
		{"guest", signal.Identity{}, false}, {"assigned host", host, true}, {"moderator", mod, true},
		{"member", member, false}, {"org admin", orgAdmin, true}, {"other org's admin", otherAdmin, false},
		{"suspended host", gone, false}, {"platform admin", signal.Identity{AccountID: platform.ID}, true},
	} {
		rc, err := dir.LookupRoom(ctx, "ward", tc.who)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Host != tc.want || !rc.Lobby || rc.WhoMayShare != store.ShareModerators {
			t.Errorf("%s: %+v, want Host %v, lobby, moderators share", tc.name, rc, tc.want)
		}
	}
}
