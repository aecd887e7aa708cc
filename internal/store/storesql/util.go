package storesql

import (
	"context"
	"fmt"
	"strings"

	"github.com/confer-dev/confer/internal/store"
)

// LikePattern turns a search query into a LIKE pattern matching it as a
// substring, with LIKE's wildcards escaped.
func LikePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// Where accumulates SQL conditions and their arguments.
type Where struct {
	conds []string
	args  []any
}

// Add adds a condition with its arguments.
func (w *Where) Add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// SQL is the WHERE clause, or "" without conditions.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Args are the conditions' arguments in order.
func (w *Where) Args() []any { return w.args }

// staleOrMissing tells, after an UPDATE ... WHERE id AND version matched
// nothing, whether the row is gone or was changed meanwhile.
func staleOrMissing(ctx context.Context, tx Queryer, table, what string, id int64) error {
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
func listPage[T any](ctx context.Context, q Queryer, table, alias, cols, join, order string, w Where,
	opts store.ListOptions, scan func(scanner) (T, error)) (store.Page[T], error) {
	page := store.Page[T]{Items: []T{}}
	count := "0"
	if opts.Query != "" {
		count = "COUNT(*) OVER ()"
	}
	inner := `SELECT ` + alias + `.*, ` + count + ` AS total_ FROM ` + table + ` ` + alias + w.SQL() +
		` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	rows, err := q.QueryContext(ctx, `SELECT `+cols+`, `+alias+`.total_ FROM (`+inner+`) `+alias+join+` ORDER BY `+order,
		append(w.args, opts.Limit, opts.Offset)...)
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
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` `+alias+w.SQL(), w.args...).Scan(&page.Total)
	return page, err
}

// search adds the dialect's "q is a substring of key or text" condition
// for table's rows named alias. key columns (slug, email) are stored
// lowercase; text columns (name, title) are not.
func (s *Store) search(w *Where, table, alias, q, key, text string) {
	s.d.Search(w, table, alias, q, key, text)
}

// searchPlan runs a searched list query (fn), first preparing the
// backend if its dialect asks to (see Dialect.PlanSearch).
func (s *Store) searchPlan(ctx context.Context, query string, fn func(q Queryer) error) error {
	prep := ""
	if s.d.PlanSearch != nil {
		prep = s.d.PlanSearch(query)
	}
	if prep == "" {
		return fn(s.conn())
	}
	return s.inTx(ctx, func(tx Queryer) error {
		if _, err := tx.ExecContext(ctx, prep); err != nil {
			return fmt.Errorf("search plan: %w", err)
		}
		return fn(tx)
	})
}

// Clone returns a copy that can be added to without changing w.
func (w Where) Clone() Where {
	return Where{conds: append([]string(nil), w.conds...), args: append([]any(nil), w.args...)}
}
