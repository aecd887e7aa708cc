package sqlite

import (
	"database/sql/driver"
	"strings"
	"unicode/utf8"

	sqlite "modernc.org/sqlite"
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

// addSearch adds to w the condition "q is a substring of one of cols"
// for the rows of alias, whose id is the rowid of the FTS table fts.
// q is already lowercased (store.ListOptions.Norm).
func addSearch(w *where, fts, alias, q string, cols ...string) {
	if utf8.RuneCountInString(q) >= 3 {
		// A double-quoted FTS5 string is one phrase, literal except for
		// doubled quotes; with the trigram tokenizer it matches substrings.
		w.add(alias+`.id IN (SELECT rowid FROM `+fts+` WHERE `+fts+` MATCH ?)`,
			`"`+strings.ReplaceAll(q, `"`, `""`)+`"`)
		return
	}
	p := likePattern(q)
	conds := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		conds[i] = `confer_fold(` + alias + `.` + c + `) LIKE ? ESCAPE '\'`
		args[i] = p
	}
	w.add(`(`+strings.Join(conds, ` OR `)+`)`, args...)
}
