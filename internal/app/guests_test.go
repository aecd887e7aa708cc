package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
)

// A room whose guests switch is off admits only people signed in to the
// platform; a link holder without an account is told to sign in.
func TestMembersOnlyRoom(t *testing.T) {
	a, base := apptest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, slug := range []string{"members", "elsewhere"} {
		if _, err := a.Directory.CreateRoom(ctx, store.Room{OrgSlug: "demo", Slug: slug, Capacity: 10, GuestsAllowed: false}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := client.Join(ctx, base, "members", client.Options{Name: "Anonymous"}, nil)
	var je *client.JoinError
	if !errors.As(err, &je) || je.Code != signal.CodeSignInRequired {
		t.Fatalf("guest in a members-only room: %v, want %s", err, signal.CodeSignInRequired)
	}
	// Signed in (host of another room, only a member here): admitted.
	cookie := apptest.SignInHost(t, a, base, "elsewhere", "Maria Rossi")
	c, err := client.Join(ctx, base, "members", client.Options{Name: "Maria", Cookie: cookie}, nil)
	if err != nil {
		t.Fatalf("signed-in person refused: %v", err)
	}
	c.Close()
}
