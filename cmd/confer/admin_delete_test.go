package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
	"github.com/confer-dev/confer/internal/store/sqlite"
)

// TestAdminDeleteAndResetLink: org delete (refused, then forced), room
// delete and reset-link, on SQLite and PostgreSQL.
func TestAdminDeleteAndResetLink(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		data := t.TempDir()
		testAdminDelete(t, data, nil, func() (store.Store, error) {
			return sqlite.Open(context.Background(), filepath.Join(data, "confer.db"))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.NewDB(t)
		testAdminDelete(t, t.TempDir(), []string{"--db", url}, func() (store.Store, error) {
			return postgres.Open(context.Background(), url)
		})
	})
}

func testAdminDelete(t *testing.T, data string, db []string, open func() (store.Store, error)) {
	env := map[string]string{"CONFER_DATA": data}
	run := func(args ...string) adminRun {
		t.Helper()
		return adminEnvRun(t, env, append(db, args...)...)
	}
	ok := func(args ...string) string {
		t.Helper()
		r := run(args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("admin %q: code %d, stderr %q", args, r.code, r.stderr)
		}
		return r.stdout
	}
	refused := func(code int, msg string, args ...string) {
		t.Helper()
		if r := run(args...); r.code != code || !strings.Contains(r.stderr, msg) {
			t.Errorf("admin %q: code %d, stderr %q; want code %d with %q", args, r.code, r.stderr, code, msg)
		}
	}
	ok("org", "add", "--slug", "town", "--name", "Town")
	ok("room", "add", "--org", "town", "--slug", "council")
	ok("room", "add", "--org", "town", "--slug", "library")
	ok("account", "add", "--email", "mayor@town.org", "--org", "town", "--password", "long enough pw")

	// Reset link: needs a base URL; the link works once.
	refused(2, "set --public-url or CONFER_PUBLIC_URL", "account", "reset-link", "--email", "mayor@town.org")
	refused(2, "want an http(s)://", "account", "reset-link", "--email", "mayor@town.org", "--public-url", "meet.example.org")
	refused(1, "not found", "account", "reset-link", "--email", "ghost@town.org", "--public-url", "https://meet.example.org")
	env["CONFER_PUBLIC_URL"] = "https://meet.example.org/"
	link := strings.TrimSpace(ok("account", "reset-link", "--email", "mayor@town.org"))
	token, found := strings.CutPrefix(link, "https://meet.example.org/reset#token=")
	if !found || token == "" {
		t.Fatalf("reset link = %q", link)
	}
	if other := ok("account", "reset-link", "--email", "mayor@town.org", "--public-url", "http://10.0.0.5:8080"); !strings.HasPrefix(other, "http://10.0.0.5:8080/reset#token=") {
		t.Errorf("--public-url link = %q", other)
	}
	st, err := open()
	if err != nil {
		t.Fatal(err)
	}
	d := directory.New(st, directory.Options{})
	if _, err := d.ResetPassword(context.Background(), token, "a brand new password"); err != nil {
		t.Errorf("reset with the printed link: %v", err)
	}
	if _, err := d.ResetPassword(context.Background(), token, "another new password"); err == nil {
		t.Error("the link worked twice")
	}
	st.Close()

	// Rooms, then the org.
	ok("room", "delete", "--slug", "library")
	refused(1, `room "library": not found`, "room", "delete", "--slug", "library")
	refused(2, "--slug is required", "room", "delete")
	refused(1, `org "town": still has 1 account(s) and 1 room(s)`, "org", "delete", "--slug", "town")
	if out := ok("org", "delete", "--slug", "town", "--force"); !strings.Contains(out, `org "town" deleted`) {
		t.Errorf("org delete printed %q", out)
	}
	refused(1, `org "town": not found`, "org", "show", "--slug", "town")
	refused(1, "not found", "account", "reset-link", "--email", "mayor@town.org")
}
