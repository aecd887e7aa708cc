// Package apptest starts a whole confer service for tests: real store in a
// temporary data folder, real media engine on loopback, real HTTP server.
package apptest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/store"
)

// Start runs confer with the demo organisation and room and returns it
// with its base URL (http://127.0.0.1:port). It stops when the test ends.
func Start(t testing.TB) (*app.App, string) {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.MediaPort = 0
	cfg.Loopback = true
	cfg.Dev = true
	a, err := app.New(context.Background(), cfg, nil)
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
