// Package storesql holds the store.Store code that store/sqlite and
// store/postgres share. The SQL is written once, with ? placeholders, in
// the subset both accept (RETURNING, TRUE/FALSE, LIKE ... ESCAPE); a
// Dialect carries the few things that differ.
package storesql

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Dialect is what differs between the backends.
type Dialect struct {
	// Rebind turns the ? placeholders into the backend's (nil: keep ?).
	Rebind func(string) string
	// IsUnique and IsForeignKey classify constraint violations.
	IsUnique, IsForeignKey func(error) bool
	// Time is how a timestamp is bound: SQLite keeps fixed-width text so
	// that text order is time order, PostgreSQL a timestamptz.
	Time func(time.Time) any
	// Now is the current time at the precision the backend keeps, so
	// values handed back from Create equal what a later read returns.
	Now func() time.Time
	// LockOrg is appended to the SELECT of the org a new room or account
	// counts against: PostgreSQL's FOR NO KEY UPDATE (which does not block
	// the key-share locks of foreign key checks); "" in SQLite, whose
	// write transactions already run one at a time (BEGIN IMMEDIATE).
	LockOrg string
	// Search adds to w the condition "q is a substring of alias.key or
	// alias.text": FTS5 trigram tables in SQLite, LIKE (served by pg_trgm
	// indexes) in PostgreSQL. q is already lowercased.
	Search func(w *Where, table, alias, q, key, text string)
	// PlanSearch, if set, returns a statement to run first, in the same
	// transaction, for a list searching query ("" for none).
	PlanSearch func(query string) string
}

// Store implements the parts of store.Store shared by both backends; the
// backend packages embed it.
type Store struct {
	db *sql.DB
	d  Dialect
}

// New returns a Store on db speaking dialect d.
func New(db *sql.DB, d Dialect) *Store {
	if d.Rebind == nil {
		d.Rebind = func(q string) string { return q }
	}
	return &Store{db: db, d: d}
}

// Queryer is *sql.DB or *sql.Tx, or either wrapped to rebind.
type Queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// rebound rebinds every query, so the SQL text can stay in ? style.
type rebound struct {
	q      Queryer
	rebind func(string) string
}

func (r rebound) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.rebind(q), args...)
}

func (r rebound) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, r.rebind(q), args...)
}

func (r rebound) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, r.rebind(q), args...)
}

// conn is the database handle in ? style.
func (s *Store) conn() Queryer { return rebound{s.db, s.d.Rebind} }

func (s *Store) now() time.Time { return s.d.Now() }

// t binds a timestamp.
func (s *Store) t(t time.Time) any { return s.d.Time(t) }

// nullTime binds the zero time as NULL ("unset").
func (s *Store) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.Time(t)
}

// inTx runs fn in a transaction, committing only if fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx Queryer) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(rebound{tx, s.d.Rebind}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// execOne runs a statement that must affect exactly one row.
func (s *Store) execOne(ctx context.Context, what, q string, args ...any) error {
	n, err := s.execN(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, errNotFound)
	}
	return nil
}

func (s *Store) execN(ctx context.Context, q string, args ...any) (int, error) {
	res, err := s.conn().ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
