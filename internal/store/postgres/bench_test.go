package postgres

import (
	"context"
	"testing"

	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
	"github.com/confer-dev/confer/internal/store/storetest"
)

// BenchmarkDirectory: go test -run '^$' -bench Directory ./internal/store/postgres
func BenchmarkDirectory(b *testing.B) {
	st, err := Open(context.Background(), pgtest.NewDB(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.Bench(b, st)
}
