package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/storetest"
)

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := Open(context.Background(), filepath.Join(t.TempDir(), "confer.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return st
	})
}

func TestReopenKeepsDataAndMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "confer.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOrg(ctx, store.Org{Slug: "keep", Name: "Keep", Kind: store.KindOther}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for range 2 {
		st, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if _, err := st.OrgBySlug(ctx, "keep"); err != nil {
			t.Errorf("after reopen: %v", err)
		}
		var n int
		files, _ := fs.Glob(migrationsFS, "migrations/*.sql")
		if err := st.DB().QueryRow(`SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil || n != len(files) {
			t.Errorf("applied migrations = %d, %v; want %d (each once)", n, err, len(files))
		}
		st.Close()
	}
}

func TestFilesOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(context.Background(), filepath.Join(dir, "confer.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, name := range []string{"confer.db", "confer.db-wal", "confer.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s mode %v, want owner-only", name, perm)
		}
	}
}

func TestPragmas(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "confer.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mode string
	var fk, busy int
	db := st.DB()
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil || busy < 1000 {
		t.Errorf("busy_timeout = %d, %v", busy, err)
	}
}

// Two independent handles on one file stand in for the server and a
// concurrent `confer admin` process.
func TestTwoHandlesConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "confer.db")
	var handles [2]*Store
	var wg sync.WaitGroup
	var openErrs [2]error
	for i := range handles {
		wg.Add(1)
		go func() { // opening concurrently also races the migrations
			defer wg.Done()
			handles[i], openErrs[i] = Open(ctx, path)
		}()
	}
	wg.Wait()
	for i, err := range openErrs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer handles[i].Close()
	}
	errs := make(chan error, 100)
	for i, h := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 25 {
				slug := fmt.Sprintf("h%d-%d", i, j)
				if _, err := h.CreateOrg(ctx, store.Org{Slug: slug, Name: slug, Kind: store.KindOther}); err != nil {
					errs <- err
				}
				_, err := h.CreateRoom(ctx, store.Room{OrgSlug: slug, Slug: fmt.Sprintf("r-%d", j), Title: "t", Capacity: 1})
				if err != nil && !errors.Is(err, store.ErrConflict) {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("write: %v", err)
	}
	orgs, _ := handles[0].ListOrgs(ctx, store.ListOptions{})
	rooms, _ := handles[1].ListRooms(ctx, store.RoomFilter{})
	if orgs.Total != 50 || rooms.Total != 25 {
		t.Errorf("got %d orgs, %d rooms; want 50, 25", orgs.Total, rooms.Total)
	}
}
