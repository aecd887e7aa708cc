package storesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

var errNotFound = store.ErrNotFound

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// timeDest scans a timestamp from either backend: SQLite returns the
// RFC 3339 text it was given, PostgreSQL a time.Time. With null set,
// NULL (and SQLite's empty text) read as the zero time ("unset").
type timeDest struct {
	t    *time.Time
	null bool
}

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d.t = v.UTC()
		return nil
	case nil:
		if d.null {
			*d.t = time.Time{}
			return nil
		}
		return fmt.Errorf("NULL timestamp")
	case []byte:
		return d.parse(string(v))
	case string:
		return d.parse(v)
	}
	return fmt.Errorf("unsupported timestamp type %T", src)
}

func (d timeDest) parse(s string) error {
	if s == "" && d.null {
		*d.t = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("bad timestamp %q: %w", s, err)
	}
	*d.t = t
	return nil
}

// tm scans a NOT NULL timestamp into t.
func tm(t *time.Time) timeDest { return timeDest{t: t} }

// nullTm scans a nullable timestamp into t.
func nullTm(t *time.Time) timeDest { return timeDest{t: t, null: true} }

// NullStr binds "" as NULL (unset).
func NullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// oneWhere reads the single row colsFrom (a "cols FROM …" fragment)
// WHERE cond selects, scanned by scan; no row is store.ErrNotFound. what
// names the row in errors.
func oneWhere[T any](ctx context.Context, q Queryer, colsFrom string, scan func(scanner) (T, error),
	what, cond string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, `SELECT `+colsFrom+` WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// named is how errors name a row: by slug, or by id when it has none.
func named(kind, slug string, id int64) string {
	if slug == "" {
		return fmt.Sprintf("%s #%d", kind, id)
	}
	return fmt.Sprintf("%s %q", kind, slug)
}
