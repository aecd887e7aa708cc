package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// nullTime stores the zero time as NULL ("unset").
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func parseNullTime(nt sql.NullTime) (time.Time, error) {
	if !nt.Valid {
		return time.Time{}, nil
	}
	return nt.Time.UTC(), nil
}

// parseTime keeps the scan code shaped like store/sqlite's.
func parseTime(t time.Time) (time.Time, error) { return t.UTC(), nil }

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// likePattern turns a search query into a LIKE pattern matching it as a
// substring, with LIKE's wildcards escaped.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// where accumulates SQL conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// staleOrMissing tells, after an UPDATE ... WHERE id AND version matched
// nothing, whether the row is gone or was changed meanwhile.
func staleOrMissing(ctx context.Context, tx pgTx, table, what string, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, store.ErrStale)
}
