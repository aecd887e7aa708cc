// Package sqlite implements store.Store on a single SQLite file using the
// pure-Go modernc.org/sqlite driver, so confer stays one static binary.
// The SQL is shared with store/postgres in store/storesql; this package
// keeps opening, migrating and the FTS5 search.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/storesql"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// busyTimeout is how long a connection waits for another writer (possibly
// another process, e.g. `confer admin` next to the server) before failing.
const busyTimeout = 10 * time.Second

// timeLayout is fixed-width so text timestamps sort chronologically.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Store is the SQLite store.Store.
type Store struct {
	*shared // SQL common with store/postgres
	db      *sql.DB
}

// shared is an alias so that the embedded field stays unexported.
type shared = storesql.Store

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies
// pending migrations. The parent folder must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// The file holds password hashes: create it owner-only. SQLite gives
	// its -wal and -shm files the same mode as the database file.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)") // safe with WAL, much faster
	// BEGIN IMMEDIATE takes the write lock up front, so the busy timeout
	// applies instead of a read→write upgrade failing with SQLITE_BUSY.
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := pingRetry(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	return &Store{shared: storesql.New(db, dialect), db: db}, nil
}

// pingRetry opens the first connection. Switching a fresh file to WAL
// needs an exclusive lock and SQLite reports SQLITE_BUSY for it without
// consulting the busy handler, so two processes starting on a new data
// folder retry here for up to busyTimeout.
func pingRetry(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		// Two processes opening a fresh file at once can race on the same
		// migration (SQLite has no goose locker); the loser retries and
		// then finds nothing pending.
		if _, err2 := p.Up(ctx); err2 != nil {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the handle for tests and maintenance commands.
func (s *Store) DB() *sql.DB { return s.db }

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isBusy(err error) bool {
	return sqliteCode(err)&0xff == sqlite3.SQLITE_BUSY
}

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool {
	// ON DELETE RESTRICT reports SQLITE_CONSTRAINT_TRIGGER, not _FOREIGNKEY.
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY || c == sqlite3.SQLITE_CONSTRAINT_TRIGGER
}

var dialect = storesql.Dialect{
	IsUnique:     isUnique,
	IsForeignKey: isForeignKey,
	Time:         func(t time.Time) any { return fmtTime(t) },
	Now:          now,
	Search:       addSearch,
}

func now() time.Time { return time.Now().UTC() }

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }
