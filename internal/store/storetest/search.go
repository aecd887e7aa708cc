package storetest

import (
	"context"
	"testing"

	"github.com/confer-dev/confer/internal/store"
)

// testSearchUnicode: list searches fold case beyond ASCII, for long
// (indexed) and short queries, and follow updates, renames and deletes
// (the SQLite search tables are kept by triggers).
func testSearchUnicode(t *testing.T, st store.Store) {
	ctx := context.Background()
	o, err := st.CreateOrg(ctx, store.Org{Slug: "asl-torino", Name: "ÅSL Città di Torino", Kind: store.KindOther})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOrg(ctx, store.Org{Slug: "other", Name: "Other", Kind: store.KindOther}); err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateRoom(ctx, store.Room{OrgID: o.ID, Slug: "sala-unica", Title: "SALA RIUNIONI ÈLITE", Capacity: 10})
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, store.Account{Email: "elodie@example.org", DisplayName: "ÉLODIE Ünal",
		Kind: store.AccountContracted, OrgID: o.ID, Role: store.RoleMember, Status: store.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	count := func(what string, f func() (int, error), want int) {
		t.Helper()
		n, err := f()
		if err != nil || n != want {
			t.Errorf("%s: %d hits, %v; want %d", what, n, err, want)
		}
	}
	accounts := func(q string) func() (int, error) {
		return func() (int, error) {
			p, err := st.ListAccounts(ctx, store.AccountFilter{ListOptions: store.ListOptions{Query: q}})
			return p.Total, err
		}
	}
	orgs := func(q string) func() (int, error) {
		return func() (int, error) {
			p, err := st.ListOrgs(ctx, store.ListOptions{Query: q})
			return p.Total, err
		}
	}
	rooms := func(q string) func() (int, error) {
		return func() (int, error) {
			p, err := st.ListRooms(ctx, store.RoomFilter{ListOptions: store.ListOptions{Query: q}})
			return p.Total, err
		}
	}
	count("account élodie", accounts("élodie"), 1)
	count("account ÜNAL", accounts("ÜNAL"), 1)
	count("account é (short)", accounts("é"), 1)
	count("account by email", accounts("ODIE@EX"), 1)
	count("org città", orgs("CITTÀ"), 1)
	count("org å (short)", orgs("å"), 1)
	count("org by slug", orgs("l-tor"), 1)
	count("room èlite", rooms("èlite"), 1)
	count("room by slug", rooms("a-uni"), 1)
	count("room %", rooms("%"), 0)

	a.DisplayName = "Zoë Martin"
	if a, err = st.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	count("renamed account, old name", accounts("élodie"), 0)
	count("renamed account, new name", accounts("ZOË"), 1)
	r.Title = "Aula Magna"
	if _, err = st.UpdateRoom(ctx, r); err != nil {
		t.Fatal(err)
	}
	count("renamed room, old title", rooms("èlite"), 0)
	count("renamed room, new title", rooms("aula mag"), 1)
	if err := st.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	count("deleted account", accounts("zoë"), 0)
	if err := st.DeleteOrg(ctx, o.ID); err != nil { // its rooms go by cascade
		t.Fatal(err)
	}
	count("deleted org", orgs("città"), 0)
	count("room of deleted org", rooms("aula"), 0)
}
