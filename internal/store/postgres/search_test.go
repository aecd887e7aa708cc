package postgres

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
)

func TestTrigramIndexes(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Trigram() {
		t.Fatal("pg_trgm not installed by the migration (the test server runs as superuser)")
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE '%\_trgm'`).Scan(&n); err != nil || n != 6 {
		t.Errorf("trigram indexes = %d, %v; want 6", n, err)
	}
}

// TestNoTrigram: a role that may not create extensions still migrates;
// searches work without the indexes.
func TestNoTrigram(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDB(t)
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := "confer_nosuper_" + strings.TrimPrefix(strings.TrimPrefix(mustParse(t, dbURL).Path, "/"), "confer_test_")
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`GRANT USAGE, CREATE ON SCHEMA public TO ` + role, // tables, but no CREATE on the database: no extension
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", pgtest.AdminURL())
		if err == nil {
			defer a.Close()
			a.ExecContext(context.Background(), `DROP ROLE IF EXISTS `+role)
		}
	})
	u := mustParse(t, dbURL)
	u.User = url.User(role)
	st, err := Open(ctx, u.String())
	if err != nil {
		t.Fatalf("Open without pg_trgm rights: %v", err)
	}
	if st.Trigram() {
		t.Error("Trigram() = true without the extension")
	}
	if _, err := st.CreateOrg(ctx, store.Org{Slug: "citta", Name: "Città", Kind: store.KindOther}); err != nil {
		t.Fatal(err)
	}
	p, err := st.ListOrgs(ctx, store.ListOptions{Query: "CITTÀ"})
	if err != nil || p.Total != 1 {
		t.Errorf("search without index = %+v, %v", p, err)
	}
	st.Close()
	// The database owner adds pg_trgm later: the next Open adds the indexes.
	if _, err := admin.ExecContext(ctx, `CREATE EXTENSION pg_trgm`); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Trigram() {
		t.Error("Trigram() = false after CREATE EXTENSION")
	}
	// Objects created by the other role stay owned by it; drop them before
	// the role (DROP DATABASE in the cleanup takes the rest).
	admin.ExecContext(ctx, `REASSIGN OWNED BY `+role+` TO CURRENT_USER`)
	admin.ExecContext(ctx, `DROP OWNED BY `+role)
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
