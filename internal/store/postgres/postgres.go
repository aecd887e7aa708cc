// Package postgres implements store.Store on PostgreSQL through pgx's
// database/sql driver, for deployments that outgrow one SQLite file or
// want the database on its own host. Most SQL is shared with store/sqlite
// in store/storesql; this package keeps the bulk import and search setup.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/storesql"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// Store is the PostgreSQL store.Store.
type Store struct {
	*shared // SQL common with store/sqlite
	db      pgDB
	trigram bool // pg_trgm indexes serve the list searches
}

var _ store.Store = (*Store)(nil)

// shared is an alias so that the embedded field stays unexported.
type shared = storesql.Store

// Open connects to url (postgres://user@host:port/db?sslmode=...) and
// applies pending migrations, holding an advisory lock so several
// processes starting at once migrate one after the other.
func Open(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect %s: %w", Redact(url), err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	trgm, err := ensureTrigram(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	d := dialect
	d.PlanSearch = func(query string) string { return planSearch(trgm, query) }
	return &Store{shared: storesql.New(db, d), db: pgDB{db}, trigram: trgm}, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Redact hides the password of a postgres URL for messages.
func Redact(url string) string {
	at := strings.LastIndexByte(url, '@')
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	cred := url[scheme+3 : at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return url[:scheme+3] + user + ":xxxxx" + url[at:]
	}
	return url
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the handle for tests and maintenance commands.
func (s *Store) DB() *sql.DB { return s.db.DB }

// inTx runs fn in a transaction, committing only if fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx pgTx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(pgTx{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// rebind turns the ? placeholders the queries are written with (shared
// style with store/sqlite) into PostgreSQL's $1, $2...
func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUnique(err error) bool     { return pgCode(err) == "23505" }
func isForeignKey(err error) bool { return pgCode(err) == "23503" }

var dialect = storesql.Dialect{
	Rebind:       rebind,
	IsUnique:     isUnique,
	IsForeignKey: isForeignKey,
	Time:         func(t time.Time) any { return t },
	Now:          now,
	LockOrg:      ` FOR NO KEY UPDATE`,
	Search:       addSearch,
}

// now is truncated to PostgreSQL's microsecond precision so values handed
// back from Create equal what a later read returns.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// pgDB and pgTx rebind every query, so the SQL text can stay in the
// portable ? style.
type pgDB struct{ *sql.DB }

func (d pgDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, rebind(q), args...)
}

func (d pgDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, rebind(q), args...)
}

func (d pgDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, rebind(q), args...)
}

type pgTx struct{ *sql.Tx }

func (t pgTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, rebind(q), args...)
}

func (t pgTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, rebind(q), args...)
}

func (t pgTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, rebind(q), args...)
}
