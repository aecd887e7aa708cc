package room

import (
	"errors"
	"testing"
)

var allActions = []string{"mute", "mute_all", "allow", "remove", "lock", "end", "set_role", "lower_hand", "admit", "admit_all", "refuse"}

// modRoom: Anna moderates (first in a room without lobby), Bruno and
// Carla participate.
func modRoom(t *testing.T) (*Manager, Settings, [3]*Participant, [3]*rec) {
	t.Helper()
	m := newManager(t, Options{})
	s := settings("mod")
	var ps [3]*Participant
	var ls [3]*rec
	for i, n := range []string{"Anna", "Bruno", "Carla"} {
		ps[i], ls[i], _ = mustJoin(t, m, s, JoinRequest{Name: n, Key: "guest:10.0.0." + string(rune('1'+i)) + "|" + n})
	}
	return m, s, ps, ls
}

func TestModerationRefusedFromParticipant(t *testing.T) {
	m, _, ps, ls := modRoom(t)
	a, b := ps[0], ps[1]
	ls[0].reset()
	for _, name := range allActions {
		act := Action{Name: name, Target: a.ID(), Group: GroupAudio, Hard: true, Ban: true, Locked: true, Role: RoleModerator}
		if err := b.Moderate(act); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s by a participant: %v, want ErrForbidden", name, err)
		}
	}
	rm := m.Room("mod")
	if rm == nil || rm.Locked() || !a.Present() || a.Role() != RoleModerator || b.Role() != RoleParticipant || len(rm.ModerationLog()) != 0 {
		t.Fatalf("a refused action had an effect: room %v", rm)
	}
	if _, ok := find[ModeratedEvent](ls[0], nil); ok {
		t.Fatal("moderator was muted by a participant")
	}
	// A removed moderator can no longer act either.
	a.Leave()
	if err := a.Moderate(Action{Name: "lock", Locked: true}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("action after leaving: %v", err)
	}
}

func TestModeratorCannotActOnHost(t *testing.T) {
	m := newManager(t, Options{})
	s := settings("host")
	h, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Host", Host: true})
	b, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Bruno"})
	if err := h.Moderate(Action{Name: "set_role", Target: b.ID(), Role: RoleModerator}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []Action{{Name: "mute", Target: h.ID(), Group: GroupAudio}, {Name: "remove", Target: h.ID()}, {Name: "set_role", Target: h.ID(), Role: RoleParticipant}} {
		if err := b.Moderate(a); !errors.Is(err, ErrForbidden) {
			t.Errorf("moderator %s on host: %v", a.Name, err)
		}
	}
}

func TestHardMuteHolds(t *testing.T) {
	_, _, ps, ls := modRoom(t)
	a, b := ps[0], ps[1]
	if err := a.Moderate(Action{Name: "mute", Target: b.ID(), Group: GroupAudio, Hard: true}); err != nil {
		t.Fatal(err)
	}
	if ev, ok := find[ModeratedEvent](ls[1], nil); !ok || ev.Action != "mute" || !ev.Hard || ev.By != "Anna" {
		t.Fatalf("target not told: %s", ls[1])
	}
	if err := b.SetMuted(GroupAudio, false); !errors.Is(err, ErrHardMuted) {
		t.Fatalf("unmute under hard mute: %v", err)
	}
	if !b.snapshot().AudioMuted {
		t.Fatal("state unmuted under hard mute")
	}
	if u, ok := find(ls[2], func(u updated) bool { return u.ID == b.ID() && !u.AudioMuted }); ok {
		t.Fatalf("others told of an unmute: %+v", u)
	}
	// The camera is not covered by an audio mute.
	if err := b.SetMuted(GroupVideo, false); err != nil {
		t.Fatal(err)
	}
	// A reconnecting client learns of it in its state.
	if st, ok := find[StateEvent](ls[1], nil); !ok || len(st.Hard) != 0 {
		t.Fatalf("initial state %+v", st)
	}
	b.room.sendState(b)
	var last StateEvent
	for _, v := range ls[1].all() {
		if s, ok := v.(StateEvent); ok {
			last = s
		}
	}
	if len(last.Hard) != 1 || last.Hard[0] != GroupAudio {
		t.Fatalf("state after hard mute: %+v", last)
	}

	if err := a.Moderate(Action{Name: "allow", Target: b.ID(), Group: GroupAudio}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetMuted(GroupAudio, false); err != nil || b.snapshot().AudioMuted {
		t.Fatalf("unmute after allow: %v", err)
	}
}

func TestSoftMuteAndMuteAll(t *testing.T) {
	_, _, ps, ls := modRoom(t)
	a, b, c := ps[0], ps[1], ps[2]
	if err := a.Moderate(Action{Name: "mute_all", Group: GroupVideo}); err != nil {
		t.Fatal(err)
	}
	if !b.snapshot().VideoMuted || !c.snapshot().VideoMuted || a.snapshot().VideoMuted {
		t.Fatal("mute_all: participants muted, moderator not")
	}
	if _, ok := find[ModeratedEvent](ls[0], nil); ok {
		t.Fatal("mute_all muted the moderator")
	}
	if err := b.SetMuted(GroupVideo, false); err != nil {
		t.Fatalf("a soft mute must let the participant unmute: %v", err)
	}
	if err := a.Moderate(Action{Name: "mute", Target: b.ID(), Group: "microphone"}); !errors.Is(err, ErrBadAction) {
		t.Fatalf("bad group: %v", err)
	}
	if err := a.Moderate(Action{Name: "mute", Target: "pnobody", Group: GroupAudio}); !errors.Is(err, ErrNoTarget) {
		t.Fatalf("no target: %v", err)
	}
}

func TestBan(t *testing.T) {
	cases := []struct {
		name string
		req  func(old *Participant) JoinRequest
	}{
		{"token", func(old *Participant) JoinRequest { return JoinRequest{Name: "Bruno", ResumeToken: old.ResumeToken()} }},
		{"account", func(*Participant) JoinRequest {
			return JoinRequest{Name: "Other name", Key: "account:42", AccountID: 42}
		}},
		{"address and name", func(*Participant) JoinRequest { return JoinRequest{Name: "Bruno", Key: "guest:10.0.0.9|bruno"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, Options{})
			s := settings("ban")
			a, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Anna"})
			key := "guest:10.0.0.9|bruno"
			if tc.name == "account" {
				key = "account:42"
			}
			b, lb, _ := mustJoin(t, m, s, JoinRequest{Name: "Bruno", Key: key})
			if err := a.Moderate(Action{Name: "remove", Target: b.ID(), Ban: true}); err != nil {
				t.Fatal(err)
			}
			if _, ok := find(lb, func(c closed) bool { return c == ReasonRemoved }); !ok || b.Present() {
				t.Fatalf("not removed: %s", lb)
			}
			if _, _, err := m.Join(s, tc.req(b), &rec{}); !errors.Is(err, ErrBanned) {
				t.Fatalf("rejoin: %v, want ErrBanned", err)
			}
			// Someone else from the same address is not banned.
			mustJoin(t, m, s, JoinRequest{Name: "Carla", Key: "guest:10.0.0.9|carla"})
		})
	}

	// Without ban, a removed person may come back.
	m := newManager(t, Options{})
	s := settings("noban")
	a, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Anna"})
	b, _, _ := mustJoin(t, m, s, JoinRequest{Name: "Bruno", Key: "account:7"})
	if err := a.Moderate(Action{Name: "remove", Target: b.ID()}); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, m, s, JoinRequest{Name: "Bruno", Key: "account:7"})
	if err := a.Moderate(Action{Name: "remove", Target: a.ID()}); !errors.Is(err, ErrBadAction) {
		t.Fatalf("removing oneself: %v", err)
	}
}

func TestLock(t *testing.T) {
	m, s, ps, ls := modRoom(t)
	if err := ps[0].Moderate(Action{Name: "lock", Locked: true}); err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		if _, ok := find(l, func(e RoomEvent) bool { return e.Locked }); !ok {
			t.Fatalf("participant %d not told of the lock", i)
		}
	}
	if _, _, err := m.Join(s, JoinRequest{Name: "Dario"}, &rec{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("join a locked room: %v", err)
	}
	mustJoin(t, m, s, JoinRequest{Name: "Host", Host: true})
	// Resuming is not joining: the lock does not keep people out.
	if _, _, err := m.Join(s, JoinRequest{ResumeToken: ps[1].ResumeToken()}, &rec{}); err != nil {
		t.Fatalf("resume in a locked room: %v", err)
	}
	if err := ps[0].Moderate(Action{Name: "lock", Locked: false}); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, m, s, JoinRequest{Name: "Dario"})
}

func TestEndMeeting(t *testing.T) {
	m, _, ps, ls := modRoom(t)
	if err := ps[0].Moderate(Action{Name: "end"}); err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		if _, ok := find(l, func(c closed) bool { return c == ReasonEnded }); !ok {
			t.Fatalf("participant %d not told: %s", i, l)
		}
		if ps[i].Present() {
			t.Fatalf("participant %d still present", i)
		}
	}
	if m.Room("mod") != nil {
		t.Fatal("meeting still live")
	}
}

func TestModerationLog(t *testing.T) {
	m, _, ps, ls := modRoom(t)
	a, b, c := ps[0], ps[1], ps[2]
	steps := []Action{
		{Name: "mute", Target: b.ID(), Group: GroupAudio, Hard: true},
		{Name: "allow", Target: b.ID(), Group: GroupAudio},
		{Name: "set_role", Target: c.ID(), Role: RoleModerator},
		{Name: "lock", Locked: true},
		{Name: "remove", Target: b.ID(), Ban: true},
	}
	for _, st := range steps {
		if err := a.Moderate(st); err != nil {
			t.Fatalf("%s: %v", st.Name, err)
		}
	}
	want := []LogEntry{
		{Action: "mute", Target: b.ID(), TargetName: "Bruno", Detail: "audio hard=true"},
		{Action: "allow", Target: b.ID(), TargetName: "Bruno", Detail: "audio"},
		{Action: "set_role", Target: c.ID(), TargetName: "Carla", Detail: "moderator"},
		{Action: "lock", Detail: "locked=true"},
		{Action: "remove", Target: b.ID(), TargetName: "Bruno", Detail: "ban=true"},
	}
	log := m.Room("mod").ModerationLog()
	if len(log) != len(want) {
		t.Fatalf("log has %d entries: %+v", len(log), log)
	}
	for i, w := range want {
		g := log[i]
		if g.By != a.ID() || g.ByName != "Anna" || g.At.IsZero() || g.Action != w.Action || g.Target != w.Target || g.TargetName != w.TargetName || g.Detail != w.Detail {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
	}
	// Moderators see each entry as it happens; Carla saw those after she
	// became one (and the earlier ones in her new state); Bruno none.
	var seen int
	for _, v := range ls[0].all() {
		if e, ok := v.(LogEvent); ok {
			seen += len(e.Entries)
		}
	}
	if seen != len(want) {
		t.Fatalf("moderator saw %d entries", seen)
	}
	if _, ok := find[LogEvent](ls[1], nil); ok {
		t.Fatal("a participant saw the moderation log")
	}
	if st, ok := find(ls[2], func(s StateEvent) bool { return s.Role == RoleModerator }); !ok || len(st.Log) != 2 {
		t.Fatalf("new moderator's state log: %+v", st.Log)
	}
}

// Record logs actions taken over HTTP (WHIP tokens), by moderators only;
// Done tells owners outside the room that a participant left.
func TestRecordAndDone(t *testing.T) {
	m, _, ps, _ := modRoom(t)
	if err := ps[1].Record("whip_token", "x"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("record by a participant: %v", err)
	}
	if err := ps[0].Record("whip_token", "Aula magna (#1, 12 h)"); err != nil {
		t.Fatal(err)
	}
	if log := m.Room("mod").ModerationLog(); len(log) != 1 || log[0].Action != "whip_token" || log[0].ByName != "Anna" {
		t.Fatalf("log %+v", log)
	}
	done := ps[2].Done()
	select {
	case <-done:
		t.Fatal("done before leaving")
	default:
	}
	if err := ps[0].Moderate(Action{Name: "remove", Target: ps[2].ID()}); err != nil {
		t.Fatal(err)
	}
	<-done
	<-ps[2].Done() // asked again after the leave
}
