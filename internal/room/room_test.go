package room

import (
	"errors"
	"testing"
	"time"
)

func TestCapacity(t *testing.T) {
	m := newManager(t, Options{})
	s := settings("cap")
	s.Capacity = 2
	mustJoin(t, m, s, JoinRequest{Name: "Anna"})
	mustJoin(t, m, s, JoinRequest{Name: "Bruno"})
	if _, _, err := m.Join(s, JoinRequest{Name: "Carla"}, &rec{}); !errors.Is(err, ErrFull) {
		t.Fatalf("third join in a room of 2: %v, want ErrFull", err)
	}
	if n := m.Count("cap"); n != 2 {
		t.Fatalf("count %d, want 2", n)
	}
}

func TestResumeKeepsIdentity(t *testing.T) {
	for _, keep := range []bool{true, false} {
		m := newManager(t, Options{})
		s := settings("resume")
		a, la, _ := mustJoin(t, m, s, JoinRequest{Name: "Anna", AudioMuted: true})
		_, lb, _ := mustJoin(t, m, s, JoinRequest{Name: "Bruno"})
		a.Disconnected(la)

		l2 := &rec{}
		p, res, err := m.Join(s, JoinRequest{Name: "Anna", ResumeToken: a.ResumeToken(), KeepMedia: keep}, l2)
		if err != nil {
			t.Fatal(err)
		}
		if p != a || !res.Resumed || res.MediaKept != keep || len(res.Others) != 1 {
			t.Fatalf("keep=%t: resumed %t mediaKept %t others %d, same participant %t", keep, res.Resumed, res.MediaKept, len(res.Others), p == a)
		}
		if _, err := p.currentPeer(); err != nil {
			t.Fatalf("keep=%t: no media after resume: %v", keep, err)
		}
		if _, ok := find[StateEvent](l2, nil); !ok {
			t.Fatalf("keep=%t: resumed connection got no state: %s", keep, l2)
		}
		if _, ok := find[left](lb, nil); ok {
			t.Fatalf("keep=%t: others were told Anna left: %s", keep, lb)
		}
		if m.Count("resume") != 2 {
			t.Fatalf("keep=%t: count %d", keep, m.Count("resume"))
		}
	}
}

func TestResumeReplacesLiveConnection(t *testing.T) {
	m := newManager(t, Options{})
	s := settings("replace")
	a, la, _ := mustJoin(t, m, s, JoinRequest{Name: "Anna"})
	if _, _, err := m.Join(s, JoinRequest{ResumeToken: a.ResumeToken(), KeepMedia: true}, &rec{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := find(la, func(c closed) bool { return c == ReasonReplaced }); !ok {
		t.Fatalf("old connection not closed as replaced: %s", la)
	}
}

func TestGraceTimeout(t *testing.T) {
	m := newManager(t, Options{Grace: 50 * time.Millisecond})
	s := settings("grace")
	a, la, _ := mustJoin(t, m, s, JoinRequest{Name: "Anna"})
	_, lb, _ := mustJoin(t, m, s, JoinRequest{Name: "Bruno"})

	// Back within the grace period: nobody hears of it.
	a.Disconnected(la)
	la2 := &rec{}
	if _, _, err := m.Join(s, JoinRequest{ResumeToken: a.ResumeToken()}, la2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, ok := find[left](lb, nil); ok {
		t.Fatalf("left announced though Anna came back: %s", lb)
	}

	// A stale connection's disconnect does nothing once replaced.
	a.Disconnected(la)
	time.Sleep(150 * time.Millisecond)
	if !a.Present() {
		t.Fatal("a replaced connection's disconnect removed the participant")
	}

	// Gone for longer than the grace period: the others are told.
	a.Disconnected(la2)
	lv := waitFind(t, lb, func(l left) bool { return l.ID == a.ID() })
	if lv.Reason != ReasonTimeout || a.Present() || m.Count("grace") != 1 {
		t.Fatalf("after grace: %+v present %t count %d", lv, a.Present(), m.Count("grace"))
	}
	if _, _, err := m.Join(s, JoinRequest{ResumeToken: a.ResumeToken()}, &rec{}); err != nil {
		t.Fatal(err) // an expired token joins as someone new
	}
	if m.Count("grace") != 2 {
		t.Fatalf("count %d after rejoin", m.Count("grace"))
	}
}

func TestMeetingEndsWithLastParticipant(t *testing.T) {
	m := newManager(t, Options{})
	a, _, _ := mustJoin(t, m, settings("last"), JoinRequest{Name: "Anna"})
	a.Leave()
	if m.Room("last") != nil || m.Rooms() != 0 {
		t.Fatal("meeting still live after the last participant left")
	}
}

func TestRoles(t *testing.T) {
	m := newManager(t, Options{})
	s := settings("roles")
	a, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Anna"})
	b, lb, _ := mustJoin(t, m, s, JoinRequest{Name: "Bruno"})
	c, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Carla"})
	if a.Role() != RoleModerator || b.Role() != RoleParticipant || c.Role() != RoleParticipant {
		t.Fatalf("roles %s %s %s: first should moderate", a.Role(), b.Role(), c.Role())
	}

	// The last moderator leaves: the earliest remaining joiner takes over.
	a.Leave()
	waitFind(t, lb, func(u updated) bool { return u.ID == b.ID() && u.Role == RoleModerator })
	if b.Role() != RoleModerator || c.Role() != RoleParticipant {
		t.Fatalf("after handover %s %s", b.Role(), c.Role())
	}
	if _, ok := find(lb, func(e StateEvent) bool { return e.Role == RoleModerator }); !ok {
		t.Fatalf("new moderator got no moderator state: %s", lb)
	}

	// A host present: a newcomer in a room without lobby is no moderator,
	// and nobody inherits while the host stays.
	m2 := newManager(t, Options{})
	h, _, _ := mustJoin(t, m2, s, JoinRequest{Name: "Host", Host: true})
	d, _, _ := mustJoin(t, m2, s, JoinRequest{Name: "Dario"})
	if h.Role() != RoleHost || d.Role() != RoleParticipant {
		t.Fatalf("with host: %s %s", h.Role(), d.Role())
	}
}

func TestRolesWithLobby(t *testing.T) {
	m := newManager(t, Options{})
	s := settings("lobbyroles")
	s.Lobby = true
	h, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Host", Host: true})
	l := &rec{}
	_, res, err := m.Join(s, JoinRequest{Name: "Guest"}, l)
	if err != nil || !res.Waiting {
		t.Fatalf("guest: %v waiting %t", err, res.Waiting)
	}
	if err := h.Moderate(Action{Name: "admit", Target: res.Waiter.ID()}); err != nil {
		t.Fatal(err)
	}
	ad, _ := find[AdmittedEvent](l, nil)
	// With a lobby nobody becomes moderator by arriving, and when the
	// host leaves nobody inherits.
	h.Leave()
	if ad.P == nil || ad.P.Role() != RoleParticipant {
		t.Fatalf("admitted guest role: %+v", ad.P)
	}
}

// A participant graded poor that resumes with its media kept is told its
// own grade again (the welcome lists only the others); one that resumes
// with new media starts good, and everyone is told.
func TestResumeAndConnectionQuality(t *testing.T) {
	for _, keep := range []bool{true, false} {
		m := newManager(t, Options{})
		s := settings("quality")
		a, la, _ := mustJoin(t, m, s, JoinRequest{Name: "Anna"})
		_, lb, _ := mustJoin(t, m, s, JoinRequest{Name: "Bruno"})
		a.mu.Lock()
		a.info.Quality = "poor"
		a.mu.Unlock()
		a.Disconnected(la)
		l2 := &rec{}
		if _, _, err := m.Join(s, JoinRequest{Name: "Anna", ResumeToken: a.ResumeToken(), KeepMedia: keep}, l2); err != nil {
			t.Fatal(err)
		}
		own, told := find(l2, func(u updated) bool { return u.ID == a.ID() })
		others, toldB := find(lb, func(u updated) bool { return u.ID == a.ID() })
		switch {
		case keep && (!told || own.Quality != "poor"):
			t.Errorf("media kept: Anna told %+v (%t), want her poor grade", own, told)
		case !keep && (!toldB || others.Quality != "" || a.snapshot().Quality != "" || !told):
			t.Errorf("new media: Anna %q, Bruno told %+v, want good for both", a.snapshot().Quality, others)
		}
	}
}
