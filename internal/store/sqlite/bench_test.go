package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/confer-dev/confer/internal/store/storetest"
)

// BenchmarkDirectory: go test -run '^$' -bench Directory ./internal/store/sqlite
func BenchmarkDirectory(b *testing.B) {
	st, err := Open(context.Background(), filepath.Join(b.TempDir(), "confer.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.Bench(b, st)
}
