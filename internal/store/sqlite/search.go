package sqlite

import (
	"database/sql/driver"
	"strings"
	"unicode/utf8"

	sqlite "modernc.org/sqlite"

	"github.com/confer-dev/confer/internal/store/storesql"
)

// SQLite's LIKE and lower() fold ASCII only, so "élodie" would not find
// "Élodie". Queries of three characters or more use the FTS5 trigram
// tables of migration 00055 (indexed, and their tokenizer folds Unicode
// case); shorter ones, which a trigram index cannot serve, scan with
// confer_fold, a Go lowercasing function. It is registered per process
// and used only in queries, never in the schema, so other tools can still
// open the file.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("confer_fold", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return strings.ToLower(v), nil
			case []byte:
				return strings.ToLower(string(v)), nil
			}
			return args[0], nil
		})
}

// addSearch is storesql.Dialect.Search: rows of table (named alias) where
// q is a substring of key or text; their id is the rowid of the FTS table
// table_search. q is already lowercased (store.ListOptions.Norm).
func addSearch(w *storesql.Where, table, alias, q, key, text string) {
	fts := table + "_search"
	cols := []string{key, text}
	if utf8.RuneCountInString(q) >= 3 {
		// A double-quoted FTS5 string is one phrase, literal except for
		// doubled quotes; with the trigram tokenizer it matches substrings.
		w.Add(alias+`.id IN (SELECT rowid FROM `+fts+` WHERE `+fts+` MATCH ?)`,
			`"`+strings.ReplaceAll(q, `"`, `""`)+`"`)
		return
	}
	p := storesql.LikePattern(q)
	conds := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		conds[i] = `confer_fold(` + alias + `.` + c + `) LIKE ? ESCAPE '\'`
		args[i] = p
	}
	w.Add(`(`+strings.Join(conds, ` OR `)+`)`, args...)
}
