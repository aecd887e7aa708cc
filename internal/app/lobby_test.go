package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
)

func TestLobbyAdmitAndRefuse(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoomWith(t, a, store.Room{Slug: "clinic", Lobby: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A guest arriving before any host waits; nobody is there to admit.
	waiting := make(chan struct{}, 4)
	type joined struct {
		c   *client.Client
		err error
	}
	early := make(chan joined, 1)
	go func() {
		c, err := client.Join(ctx, url, "clinic", client.Options{Name: "Early Guest", Lobby: func() { waiting <- struct{}{} }}, nil)
		early <- joined{c, err}
	}()
	<-waiting
	if n := a.Rooms.Count("clinic"); n != 0 {
		t.Fatalf("a waiting guest counts as participant: %d", n)
	}

	// The host (signed in, assigned to the room) skips the lobby and sees
	// the waiting guest.
	cookie := apptest.SignInHost(t, a, url, "clinic", "Dottoressa Rossi")
	host, err := client.Join(ctx, url, "clinic", client.Options{Name: "Dottoressa Rossi", Cookie: cookie}, nil)
	if err != nil {
		t.Fatalf("host join: %v", err)
	}
	defer host.Close()
	st := stateOf(t, ctx, host)
	if st.Role != "host" || len(st.Lobby) != 1 || st.Lobby[0].Name != "Early Guest" {
		t.Fatalf("host state %+v", st)
	}
	// Chat before admission must never reach the waiting guest.
	if err := host.Chat(ctx, "before you came", ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := host.Moderate(ctx, signal.Moderate{Action: "admit", Target: st.Lobby[0].ID}); err != nil {
		t.Fatal(err)
	}
	j := <-early
	if j.err != nil {
		t.Fatalf("admitted guest: %v", j.err)
	}
	guest := j.c
	defer guest.Close()
	if gs := stateOf(t, ctx, guest); gs.Role != "participant" || len(gs.Chat) != 1 {
		t.Fatalf("admitted guest's state %+v", gs)
	}
	if _, err := host.WaitEvent(ctx, signal.TypeParticipantJoined, nil); err != nil {
		t.Fatal(err)
	}

	// A second guest is announced to the host with its name, then refused.
	refused := make(chan error, 1)
	go func() {
		_, err := client.Join(ctx, url, "clinic", client.Options{Name: "Second Guest"}, nil)
		refused <- err
	}()
	d, err := host.WaitEvent(ctx, signal.TypeLobbyUpdate, func(d json.RawMessage) bool {
		var u signal.LobbyUpdate
		return json.Unmarshal(d, &u) == nil && u.Added != nil && u.Added.Name == "Second Guest"
	})
	if err != nil {
		t.Fatal(err)
	}
	var u signal.LobbyUpdate
	_ = json.Unmarshal(d, &u)
	// The admitted guest may not let people in.
	if err := guest.Moderate(ctx, signal.Moderate{Action: "admit", Target: u.Added.ID}); err != nil {
		t.Fatal(err)
	}
	if err := guest.WaitError(ctx, signal.CodeForbidden); err != nil {
		t.Fatal(err)
	}
	if err := host.Moderate(ctx, signal.Moderate{Action: "refuse", Target: u.Added.ID}); err != nil {
		t.Fatal(err)
	}
	var je *client.JoinError
	if err := <-refused; !errors.As(err, &je) || je.Code != signal.CodeLobbyRefused {
		t.Fatalf("refused guest: %v, want lobby_refused", err)
	}
	if n := a.Rooms.Count("clinic"); n != 2 {
		t.Fatalf("participants %d, want 2", n)
	}
}
