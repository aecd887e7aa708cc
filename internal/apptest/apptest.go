// Package apptest starts a whole confer service for tests: real store in a
// temporary data folder, real media engine on loopback, real HTTP server.
package apptest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/store"
)

// Start runs confer with the demo organisation and room and returns it
// with its base URL (http://127.0.0.1:port). It stops when the test ends.
func Start(t testing.TB) (*app.App, string) {
	t.Helper()
	return StartConfig(t, nil, app.Options{})
}

// StartConfig is Start with the configuration changed by edit (may be
// nil) and app options.
func StartConfig(t testing.TB, edit func(*config.Config), opts app.Options) (*app.App, string) {
	t.Helper()
	cfg := testConfig(t)
	if edit != nil {
		edit(&cfg)
	}
	a, err := app.NewWithOptions(context.Background(), cfg, Logger(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return a, srv.URL
}

// testConfig is the configuration of a test service: a data folder of
// the test's own, any free media port, loopback candidates, demo room.
func testConfig(t testing.TB) config.Config {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.MediaPort = 0
	on := true
	cfg.Loopback = &on
	cfg.Dev = true
	return cfg
}

// Logger is quiet unless CONFER_TEST_LOG names a level (debug, info…), so
// test output shows failures, not every join.
func Logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(os.Getenv("CONFER_TEST_LOG"))); err != nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// AddRoom creates a room in the demo organisation.
func AddRoom(t testing.TB, a *app.App, slug string, capacity int, pin string) {
	t.Helper()
	_, err := a.Directory.CreateRoom(context.Background(), store.Room{
		OrgSlug: "demo", Slug: slug, Title: "Room " + slug, Capacity: capacity, PIN: pin, GuestsAllowed: true,
	})
	if err != nil {
		t.Fatal(err)
	}
}
