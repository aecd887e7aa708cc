package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/storesql"
)

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// nullTime stores the zero time as NULL ("unset").
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

func parseNullTime(ns sql.NullString) (time.Time, error) {
	if !ns.Valid || ns.String == "" {
		return time.Time{}, nil
	}
	return parseTime(ns.String)
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// where is shared with storesql while rooms and accounts still live here.
type where = storesql.Where

// queryer is *sql.DB or *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// staleOrMissing tells, after an UPDATE ... WHERE id AND version matched
// nothing, whether the row is gone or was changed meanwhile.
func staleOrMissing(ctx context.Context, tx *sql.Tx, table, what string, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, store.ErrStale)
}

// extraScanner scans a row's trailing extra columns after the entity's.
type extraScanner struct {
	sc    scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

// listPage runs a paged, filtered list. The page is cut from table in an
// inner query, so the join touches only the rows shown; a search (which
// scans anyway) gets its total from a window count in the same pass,
// otherwise a separate COUNT can use the filter's index.
func listPage[T any](ctx context.Context, q queryer, table, alias, cols, join, order string, w where,
	opts store.ListOptions, scan func(scanner) (T, error)) (store.Page[T], error) {
	page := store.Page[T]{Items: []T{}}
	count := "0"
	if opts.Query != "" {
		count = "COUNT(*) OVER ()"
	}
	inner := `SELECT ` + alias + `.*, ` + count + ` AS total_ FROM ` + table + ` ` + alias + w.SQL() +
		` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	rows, err := q.QueryContext(ctx, `SELECT `+cols+`, `+alias+`.total_ FROM (`+inner+`) `+alias+join+` ORDER BY `+order,
		append(w.Args(), opts.Limit, opts.Offset)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	var total int
	for rows.Next() {
		item, err := scan(extraScanner{rows, []any{&total}})
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, item)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if opts.Query != "" && (len(page.Items) > 0 || opts.Offset == 0) {
		page.Total = total
		return page, nil
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` `+alias+w.SQL(), w.Args()...).Scan(&page.Total)
	return page, err
}
