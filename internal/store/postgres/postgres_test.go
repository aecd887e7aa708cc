package postgres

import (
	"context"
	"testing"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
	"github.com/confer-dev/confer/internal/store/storetest"
)

// TestSuite runs the shared suite on one fresh database, emptied before
// each case (much faster than a database per case).
func TestSuite(t *testing.T) {
	url := pgtest.NewDB(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := Open(context.Background(), url)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := Truncate(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestRebind(t *testing.T) {
	if got := rebind(`a = ? AND (b = ? OR c LIKE ? ESCAPE '\')`); got != `a = $1 AND (b = $2 OR c LIKE $3 ESCAPE '\')` {
		t.Errorf("rebind = %s", got)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h/db": "postgres://u:xxxxx@h/db",
		"postgres://u@h/db":        "postgres://u@h/db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q", in, got)
		}
	}
}
