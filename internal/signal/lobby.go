package signal

import (
	"strconv"
	"strings"

	"github.com/confer-dev/confer/internal/room"
)

// The lobby, seen from one connection: it waits with no participant, no
// media and no meeting events until a host or moderator decides.

// waitInLobby keeps the connection open as a waiting person. The room has
// already queued the "lobby" message (before any admission could follow).
func (s *session) waitInLobby(w *room.Waiter) bool {
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.waiter = w
	}
	s.mu.Unlock()
	if closed {
		w.Cancel()
		return false
	}
	return true
}

// leaveLobby handles "leave" from a waiting connection; false when the
// connection is not waiting.
func (s *session) leaveLobby() bool {
	s.mu.Lock()
	w := s.waiter
	s.waiter = nil
	s.mu.Unlock()
	if w == nil {
		return false
	}
	w.Cancel()
	s.send(TypeBye, Bye{Reason: room.ReasonLeft})
	return true
}

// admitted turns the waiting connection into a joined one.
func (s *session) admitted(e room.AdmittedEvent) {
	s.mu.Lock()
	s.waiter = nil
	closed := s.closed
	cfg := s.cfg
	s.mu.Unlock()
	if closed {
		// Gone while being admitted: the grace period removes it.
		e.P.Disconnected(s)
		return
	}
	s.welcome(e.P, cfg, e.Res)
}

func (s *session) refused() {
	s.mu.Lock()
	s.waiter = nil
	s.mu.Unlock()
	s.sendError(CodeLobbyRefused, "a host did not let you in", true)
	go s.drainAndClose(CodeLobbyRefused)
}

func (s *session) lobbyStatus() LobbyStatus {
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	return LobbyStatus{Status: "waiting", Room: RoomInfo{Slug: cfg.Slug, Title: cfg.Title, Capacity: cfg.Capacity}}
}

// banKey identifies a person for "remove and do not let back in": the
// account when signed in, else the address and the name (a guest who
// changes both is a new person as far as anyone can tell).
func banKey(who Identity, addr, name string) string {
	if !who.Guest() {
		return "account:" + strconv.FormatInt(who.AccountID, 10)
	}
	return "guest:" + addr + "|" + strings.ToLower(strings.TrimSpace(name))
}

func waitingMsgs(ws []room.Waiting) []Waiting {
	out := make([]Waiting, len(ws))
	for i, w := range ws {
		out[i] = Waiting{ID: w.ID, Name: w.Name, Since: w.Since}
	}
	return out
}
