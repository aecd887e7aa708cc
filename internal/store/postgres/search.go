package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"unicode/utf8"

	"github.com/confer-dev/confer/internal/store/storesql"
)

// trigramIndexes repeat migration 00055's indexes, for a database where
// pg_trgm was added after that migration ran without it.
var trigramIndexes = []string{
	`CREATE INDEX IF NOT EXISTS accounts_email_trgm ON accounts USING gin (email gin_trgm_ops)`,
	`CREATE INDEX IF NOT EXISTS accounts_name_trgm ON accounts USING gin (lower(display_name) gin_trgm_ops)`,
	`CREATE INDEX IF NOT EXISTS rooms_slug_trgm ON rooms USING gin (slug gin_trgm_ops)`,
	`CREATE INDEX IF NOT EXISTS rooms_title_trgm ON rooms USING gin (lower(title) gin_trgm_ops)`,
	`CREATE INDEX IF NOT EXISTS orgs_slug_trgm ON orgs USING gin (slug gin_trgm_ops)`,
	`CREATE INDEX IF NOT EXISTS orgs_name_trgm ON orgs USING gin (lower(name) gin_trgm_ops)`,
}

// warnTrigram makes the "no pg_trgm" warning once per process, not once
// per Open (tests and admin commands open the store many times).
var warnTrigram sync.Once

// ensureTrigram reports whether pg_trgm is installed, creating the search
// indexes if so (a no-op when they exist), and warns once if not.
func ensureTrigram(ctx context.Context, db *sql.DB) (bool, error) {
	var ok bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')`).Scan(&ok); err != nil {
		return false, fmt.Errorf("check pg_trgm: %w", err)
	}
	if !ok {
		warnTrigram.Do(func() {
			slog.Warn("postgres: extension pg_trgm is not installed, so admin searches scan whole tables; " +
				"a superuser can run CREATE EXTENSION pg_trgm in this database, and the next start adds the indexes")
		})
		return false, nil
	}
	for _, q := range trigramIndexes {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return true, fmt.Errorf("search index: %w", err)
		}
	}
	return true, nil
}

// Trigram reports whether searches have pg_trgm indexes.
func (s *Store) Trigram() bool { return s.trigram }

// addSearch is storesql.Dialect.Search. key columns are stored lowercase;
// text columns match through lower(), as the trigram indexes are built.
func addSearch(w *storesql.Where, _, alias, q, key, text string) {
	p := storesql.LikePattern(q)
	w.Add(`(`+alias+`.`+key+` LIKE ? ESCAPE '\' OR lower(`+alias+`.`+text+`) LIKE ? ESCAPE '\')`, p, p)
}

// planSearch is storesql.Dialect.PlanSearch: it makes a searched list
// query use the trigram indexes. PostgreSQL's cost model overrates GIN
// scans for trigrams that most rows share ("per", "son" in "Person
// 00123"), so at directory scale it picks a sequential scan, or walks the
// email index in ORDER BY order filtering every row, at 9-45 ms where the
// bitmap scan of the indexes takes 2-5 ms (EXPLAIN ANALYZE on the
// benchmark data set). storesql runs the statement in the query's
// transaction, so the SET LOCAL-style settings steer only this query.
// Queries shorter than a trigram, or without pg_trgm, run as they are.
func planSearch(trigram bool, query string) string {
	if !trigram || utf8.RuneCountInString(query) < 3 {
		return ""
	}
	return `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)`
}
