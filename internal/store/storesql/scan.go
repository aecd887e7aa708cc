package storesql

import (
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
