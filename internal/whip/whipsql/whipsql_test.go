package whipsql_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
	"github.com/confer-dev/confer/internal/store/sqlite"
	"github.com/confer-dev/confer/internal/whip"
	"github.com/confer-dev/confer/internal/whip/whipsql"
)

type backend interface {
	store.Store
	WHIPTokens() *whipsql.Store
}

// forEachStore runs fn on a fresh SQLite file and a fresh PostgreSQL
// database (which fails, not skips, when the server is unreachable).
func forEachStore(t *testing.T, fn func(t *testing.T, st backend)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "confer.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.NewDB(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

func TestTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, st backend) {
		ctx := context.Background()
		org, err := st.CreateOrg(ctx, store.Org{Slug: "comune", Name: "Comune", Kind: store.KindOther})
		if err != nil {
			t.Fatal(err)
		}
		var rooms [2]store.Room
		for i, slug := range []string{"aula", "sala"} {
			if rooms[i], err = st.CreateRoom(ctx, store.Room{OrgID: org.ID, Slug: slug, Title: slug, Capacity: 5}); err != nil {
				t.Fatal(err)
			}
		}
		ts := st.WHIPTokens()
		now := time.Now().UTC().Truncate(time.Second)
		in := whip.Token{Hash: "h1", RoomID: rooms[0].ID, Label: "Aula magna", CreatedBy: "Sindaca", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		id1, err := ts.CreateToken(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		id2, err := ts.CreateToken(ctx, whip.Token{Hash: "h2", RoomID: rooms[0].ID, Label: "Camera 2", CreatedAt: now, ExpiresAt: now.Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.CreateToken(ctx, whip.Token{Hash: "h1", RoomID: rooms[1].ID, CreatedAt: now, ExpiresAt: now}); err == nil {
			t.Fatal("duplicate hash accepted")
		}
		got, err := ts.TokenByHash(ctx, "h1")
		in.ID = id1
		if err != nil || got != in {
			t.Fatalf("by hash: %+v %v, want %+v", got, err, in)
		}
		if _, err := ts.TokenByHash(ctx, "nope"); !errors.Is(err, whip.ErrNoToken) {
			t.Fatalf("unknown hash: %v", err)
		}
		list, err := ts.ListTokens(ctx, rooms[0].ID)
		if err != nil || len(list) != 2 || list[0].ID != id2 || list[1].ID != id1 {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list, _ := ts.ListTokens(ctx, rooms[1].ID); len(list) != 0 {
			t.Fatalf("other room lists %+v", list)
		}

		// Revoking needs the right room.
		if err := ts.RevokeToken(ctx, rooms[1].ID, id1); !errors.Is(err, whip.ErrNoToken) {
			t.Fatalf("revoke from another room: %v", err)
		}
		if err := ts.RevokeToken(ctx, rooms[0].ID, id1); err != nil {
			t.Fatal(err)
		}
		if got, _ := ts.TokenByHash(ctx, "h1"); !got.Revoked {
			t.Fatal("not revoked")
		}
		if n, err := ts.DeleteExpired(ctx, now); err != nil || n != 1 {
			t.Fatalf("delete expired: %d %v", n, err)
		}
		// Tokens go with their room.
		if err := st.DeleteRoom(ctx, rooms[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.TokenByHash(ctx, "h1"); !errors.Is(err, whip.ErrNoToken) {
			t.Fatalf("token outlived its room: %v", err)
		}
	})
}
