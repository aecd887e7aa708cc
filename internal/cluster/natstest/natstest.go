// Package natstest gives tests the local NATS server (with JetStream). It
// fails (never skips) when the server is unreachable, so a CI run without
// NATS cannot pass by testing nothing.
package natstest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultURL is the NATS server of a developer machine and of CI
// (scripts/test-deps.sh starts it).
const DefaultURL = "nats://127.0.0.1:4222"

// URL returns $CONFER_TEST_NATS or DefaultURL, after checking that a
// server with JetStream answers there.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CONFER_TEST_NATS")
	if u == "" {
		u = DefaultURL
	}
	nc, err := nats.Connect(u, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("NATS is not reachable at %s (set CONFER_TEST_NATS or start it: scripts/test-deps.sh): %v", u, err)
	}
	defer nc.Close()
	if _, err := nc.Request("$JS.API.INFO", nil, 5*time.Second); err != nil {
		t.Fatalf("NATS at %s has no JetStream (start nats-server with -js): %v", u, err)
	}
	return u
}

// DropWhenDone deletes a test deployment's buckets (every one named
// <name>-…) when the test ends, after its nodes have stopped: call it
// before starting them.
func DropWhenDone(t testing.TB, url, name string) {
	t.Helper()
	t.Cleanup(func() {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Errorf("drop test buckets: %v", err)
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Errorf("drop test buckets: %v", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		names := js.KeyValueStoreNames(ctx)
		var mine []string
		for b := range names.Name() {
			if strings.HasPrefix(b, name+"-") {
				mine = append(mine, b)
			}
		}
		for _, b := range mine {
			if err := js.DeleteKeyValue(ctx, b); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
				t.Errorf("drop test bucket %s: %v", b, err)
			}
		}
	})
}
