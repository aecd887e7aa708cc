// Package pgtest gives tests a fresh PostgreSQL database on the local
// server. It fails (never skips) when the server is unreachable, so a CI
// run without PostgreSQL cannot pass by testing nothing.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver
)

// DefaultAdminURL is the server's maintenance database, reachable with
// trust auth on a developer machine and in CI (scripts/test-deps.sh).
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns $CONFER_TEST_PG or DefaultAdminURL.
func AdminURL() string {
	if u := os.Getenv("CONFER_TEST_PG"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// NewDB creates an empty database confer_test_<random> and returns its
// URL; it is dropped when the test ends.
func NewDB(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", AdminURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s (set CONFER_TEST_PG or start it: "+
			"pg_ctlcluster --skip-systemctl-redirect 15 main start, or scripts/test-deps.sh): %v", AdminURL(), err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "confer_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatalf("CONFER_TEST_PG: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
