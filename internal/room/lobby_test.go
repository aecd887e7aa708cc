package room

import (
	"errors"
	"testing"
)

// lobbyRoom starts a lobby room with a host in it.
func lobbyRoom(t *testing.T) (*Manager, Settings, *Participant, *rec) {
	t.Helper()
	m := newManager(t, Options{})
	s := settings("lobby")
	s.Lobby = true
	h, lh, _ := mustJoin(t, m, s, JoinRequest{Name: "Host", Host: true})
	return m, s, h, lh
}

func wait(t *testing.T, m *Manager, s Settings, name string) (*Waiter, *rec) {
	t.Helper()
	l := &rec{}
	p, res, err := m.Join(s, JoinRequest{Name: name, Key: "guest:10.0.0.1|" + name}, l)
	if err != nil || p != nil || !res.Waiting || res.Waiter == nil {
		t.Fatalf("%s: participant %v waiting %t err %v", name, p, res.Waiting, err)
	}
	return res.Waiter, l
}

// A waiting person is no participant: it gets WaitingEvent and nothing of
// the meeting (no chat, no joins, no tracks) and has no media, until it is
// admitted.
func TestLobbyWaitingHearsNothing(t *testing.T) {
	m, s, h, lh := lobbyRoom(t)
	w, lw := wait(t, m, s, "Gianni")

	if ev, ok := find[LobbyEvent](lh, nil); !ok || ev.Added == nil || ev.Added.Name != "Gianni" || len(ev.Waiting) != 1 {
		t.Fatalf("host not told of the newcomer: %s", lh)
	}
	if _, err := h.Chat("riservato", ""); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, m, s, JoinRequest{Name: "Other host", Host: true})
	h.RaiseHand(true)
	m.Room("lobby").Notify("file_added", "x")
	got := lw.all()
	if len(got) != 1 {
		t.Fatalf("waiting person heard %d things, want only WaitingEvent: %s", len(got), lw)
	}
	if _, ok := got[0].(WaitingEvent); !ok {
		t.Fatalf("first event %T", got[0])
	}
	rm := m.Room("lobby")
	for _, i := range rm.Participants() {
		if i.Name == "Gianni" {
			t.Fatal("a waiting person is listed as participant")
		}
	}
	if m.Count("lobby") != 2 {
		t.Fatalf("count %d", m.Count("lobby"))
	}

	if err := h.Moderate(Action{Name: "admit", Target: w.ID()}); err != nil {
		t.Fatal(err)
	}
	ad, ok := find[AdmittedEvent](lw, nil)
	if !ok || ad.P == nil || ad.P.Name() != "Gianni" || len(ad.Res.Others) != 2 {
		t.Fatalf("admitted: %+v", ad)
	}
	if _, err := ad.P.currentPeer(); err != nil {
		t.Fatalf("admitted without media: %v", err)
	}
	// Now the history is there (state) and the meeting is heard.
	st, ok := find[StateEvent](lw, nil)
	if !ok || len(st.History) != 1 || st.History[0].Text != "riservato" || st.Lobby != nil || st.Log != nil {
		t.Fatalf("state after admission: %+v", st)
	}
	if _, ok := find(lh, func(j joined) bool { return j.Name == "Gianni" }); !ok {
		t.Fatalf("host not told Gianni joined: %s", lh)
	}
	if err := h.Moderate(Action{Name: "admit", Target: w.ID()}); !errors.Is(err, ErrNotWaiting) {
		t.Fatalf("admitting twice: %v", err)
	}
}

func TestLobbyRefuse(t *testing.T) {
	m, s, h, _ := lobbyRoom(t)
	w, lw := wait(t, m, s, "Gianni")
	if err := h.Moderate(Action{Name: "refuse", Target: w.ID()}); err != nil {
		t.Fatal(err)
	}
	if _, ok := find[RefusedEvent](lw, nil); !ok {
		t.Fatalf("no refusal: %s", lw)
	}
	if _, ok := find[AdmittedEvent](lw, nil); ok || m.Count("lobby") != 1 {
		t.Fatal("refused person got in")
	}
	if err := h.Moderate(Action{Name: "refuse", Target: "wnobody"}); !errors.Is(err, ErrNotWaiting) {
		t.Fatalf("refusing nobody: %v", err)
	}
}

func TestLobbyAdmitAll(t *testing.T) {
	m, s, h, _ := lobbyRoom(t)
	var ls []*rec
	for _, n := range []string{"Uno", "Due", "Tre"} {
		_, l := wait(t, m, s, n)
		ls = append(ls, l)
	}
	if err := h.Moderate(Action{Name: "admit_all"}); err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		if _, ok := find[AdmittedEvent](l, nil); !ok {
			t.Fatalf("waiter %d not admitted: %s", i, l)
		}
	}
	if m.Count("lobby") != 4 {
		t.Fatalf("count %d, want 4", m.Count("lobby"))
	}
	log := m.Room("lobby").ModerationLog()
	if len(log) != 1 || log[0].Action != "admit_all" || log[0].Detail != "Uno, Due, Tre" {
		t.Fatalf("log %+v", log)
	}
}

func TestLobbyCancelAndCapacity(t *testing.T) {
	m, s, h, lh := lobbyRoom(t)
	w, _ := wait(t, m, s, "Gianni")
	lh.reset()
	w.Cancel()
	if ev, ok := find[LobbyEvent](lh, nil); !ok || len(ev.Waiting) != 0 {
		t.Fatalf("host not told the lobby emptied: %s", lh)
	}

	// Admission respects capacity.
	s.Capacity = 1
	w2, lw2 := wait(t, m, s, "Pia")
	if err := h.Moderate(Action{Name: "admit", Target: w2.ID()}); !errors.Is(err, ErrFull) {
		t.Fatalf("admit into a full room: %v", err)
	}
	if _, ok := find[AdmittedEvent](lw2, nil); ok {
		t.Fatal("admitted beyond capacity")
	}
}

// Ending the meeting closes the lobby too.
func TestLobbyEnd(t *testing.T) {
	m, s, h, _ := lobbyRoom(t)
	_, lw := wait(t, m, s, "Gianni")
	if err := h.Moderate(Action{Name: "end"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := find(lw, func(c closed) bool { return c == ReasonEnded }); !ok {
		t.Fatalf("waiting person not told the meeting ended: %s", lw)
	}
}
