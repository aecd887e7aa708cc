package directory

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
)

// bothStores runs fn on a fresh SQLite and a fresh PostgreSQL directory.
func bothStores(t *testing.T, fn func(t *testing.T, d *Directory, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		d, st := newDir(t, Options{})
		fn(t, d, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.NewDB(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, New(st, Options{}), st)
	})
}

func TestDeleteOrg(t *testing.T) {
	bothStores(t, func(t *testing.T, d *Directory, st store.Store) {
		ctx := context.Background()
		if _, err := d.CreateOrg(ctx, store.Org{Slug: "empty", Name: "Empty"}); err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteOrg(ctx, "empty", false); err != nil {
			t.Errorf("delete empty org: %v", err)
		}
		d.CreateOrg(ctx, store.Org{Slug: "town", Name: "Town"})
		if _, err := d.CreateRoom(ctx, store.Room{OrgSlug: "town", Slug: "council", Title: "Council"}); err != nil {
			t.Fatal(err)
		}
		a, err := d.CreateAccount(ctx, store.Account{Email: "mayor@town.org", OrgSlug: "town"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateSession(ctx, store.Session{Hash: "h1", AccountID: a.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.AddDate(1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
		err = d.DeleteOrg(ctx, "town", false)
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "1 account(s) and 1 room(s)") || !strings.Contains(err.Error(), "force") {
			t.Fatalf("delete org with account and room = %v", err)
		}
		if err := d.DeleteOrg(ctx, "town", true); err != nil {
			t.Fatalf("forced delete: %v", err)
		}
		if _, err := d.OrgBySlug(ctx, "town"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("org after delete: %v", err)
		}
		if _, err := st.AccountByID(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("account after forced delete: %v", err)
		}
		if _, err := st.RoomBySlug(ctx, "council"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("room after forced delete: %v", err)
		}
		if _, err := st.SessionByHash(ctx, "h1", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session after forced delete: %v", err)
		}
		if _, err := d.PersonalOrg(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteOrg(ctx, store.PersonalOrgSlug, true); !errors.Is(err, ErrInvalid) {
			t.Errorf("delete personal org = %v", err)
		}
		if err := d.DeleteOrg(ctx, "nowhere", false); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete unknown org = %v", err)
		}
	})
}

func TestDeleteAccountLastAdmin(t *testing.T) {
	bothStores(t, func(t *testing.T, d *Directory, st store.Store) {
		ctx := context.Background()
		root, err := d.CreateAccount(ctx, store.Account{Email: "root@op.example", Role: store.RolePlatformAdmin}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteAccount(ctx, root.ID); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "last platform admin") {
			t.Errorf("delete last admin = %v", err)
		}
		second, _ := d.CreateAccount(ctx, store.Account{Email: "two@op.example", Role: store.RolePlatformAdmin}, "")
		if err := d.DeleteAccount(ctx, root.ID); err != nil {
			t.Errorf("delete one of two admins: %v", err)
		}
		if err := d.DeleteAccount(ctx, second.ID); !errors.Is(err, ErrInvalid) {
			t.Errorf("delete the remaining admin = %v", err)
		}
	})
}

func TestImportOnlyOrg(t *testing.T) {
	bothStores(t, func(t *testing.T, d *Directory, st store.Store) {
		ctx := context.Background()
		d.CreateOrg(ctx, store.Org{Slug: "town", Name: "Town"})
		d.CreateOrg(ctx, store.Org{Slug: "other", Name: "Other"})
		only := ImportOptions{Org: "town", OnlyOrg: true}
		csv := "email,kind,org,role\n" +
			"a@town.org,,,host\n" + // takes the default org
			"b@town.org,,other,\n" + // another org
			"c@x.org,personal,,\n" + // personal
			"d@town.org,,town,platform-admin\n" + // platform admin
			"not-an-email,,,\n"
		_, err := d.ImportCSVWith(ctx, strings.NewReader(csv), only)
		var ie *ImportError
		if !errors.As(err, &ie) || len(ie.Rows) != 4 {
			t.Fatalf("confined import = %v", err)
		}
		for i, want := range []string{"import only into town", "personal accounts", "platform admins", "not an email"} {
			if ie.Rows[i].Line != i+3 || !strings.Contains(ie.Rows[i].Err.Error(), want) {
				t.Errorf("row %d = line %d %v, want line %d %q", i, ie.Rows[i].Line, ie.Rows[i].Err, i+3, want)
			}
		}
		out, err := d.ImportCSVWith(ctx, strings.NewReader("email;role\nA@town.org;host\n"), only)
		if err != nil || len(out) != 1 || out[0].OrgSlug != "town" {
			t.Fatalf("good confined import = %+v, %v", out, err)
		}
		// The operator's import takes a default org but is not confined.
		out, err = d.ImportCSVWith(ctx, strings.NewReader("e@town.org\nf@other.org,,,other\n"), ImportOptions{Org: "town"})
		if err != nil || len(out) != 2 || out[0].OrgSlug != "town" || out[1].OrgSlug != "other" {
			t.Errorf("operator import = %+v, %v", out, err)
		}
		if _, err := d.ImportCSVWith(ctx, strings.NewReader("g@town.org\n"), ImportOptions{OnlyOrg: true}); !errors.Is(err, ErrInvalid) {
			t.Errorf("confined import without org = %v", err)
		}
	})
}
