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
)

// stateOf waits for the client's meeting_state.
func stateOf(t *testing.T, ctx context.Context, c *client.Client) signal.MeetingState {
	t.Helper()
	d, err := c.WaitEvent(ctx, signal.TypeMeetingState, nil)
	if err != nil {
		t.Fatalf("no meeting_state: %v", err)
	}
	var st signal.MeetingState
	if err := json.Unmarshal(d, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// updated matches participant_updated of id satisfying ok.
func updated(id string, ok func(signal.Participant) bool) func(json.RawMessage) bool {
	return func(d json.RawMessage) bool {
		var p signal.Participant
		return json.Unmarshal(d, &p) == nil && p.ID == id && ok(p)
	}
}

func TestFirstParticipantModeratesAndOthersAreRefused(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "open", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mod := join(t, url, "open", "Anna", nil)
	defer mod.Close()
	if st := stateOf(t, ctx, mod); st.Role != "moderator" {
		t.Fatalf("first participant's role %q, want moderator", st.Role)
	}
	user := join(t, url, "open", "Bruno", nil)
	defer user.Close()
	if st := stateOf(t, ctx, user); st.Role != "participant" {
		t.Fatalf("second participant's role %q, want participant", st.Role)
	}

	// Every moderation command from a participant is refused and changes
	// nothing.
	cmds := []signal.Moderate{
		{Action: "mute", Target: mod.ID(), Group: "audio", Hard: true},
		{Action: "mute_all", Group: "audio"},
		{Action: "allow", Target: user.ID(), Group: "audio"},
		{Action: "remove", Target: mod.ID(), Ban: true},
		{Action: "lock", Locked: true},
		{Action: "end"},
		{Action: "set_role", Target: user.ID(), Role: "moderator"},
		{Action: "lower_hand", Target: mod.ID()},
		{Action: "admit", Target: "w1"},
		{Action: "admit_all"},
		{Action: "refuse", Target: "w1"},
	}
	for _, m := range cmds {
		if err := user.Moderate(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	deadline := time.Now().Add(5 * time.Second)
	for n < len(cmds) && time.Now().Before(deadline) {
		n = 0
		for _, e := range user.Events() {
			var er signal.Error
			if e.Type == signal.TypeError && json.Unmarshal(e.Data, &er) == nil && er.Code == signal.CodeForbidden {
				n++
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n != len(cmds) {
		t.Fatalf("%d of %d commands refused with forbidden", n, len(cmds))
	}
	r := a.Rooms.Room("open")
	if r == nil || r.Count() != 2 || r.Locked() || len(r.ModerationLog()) != 0 {
		t.Fatalf("a refused command changed the meeting")
	}
	for _, e := range mod.Events() {
		if e.Type == signal.TypeModerated || e.Type == signal.TypeBye {
			t.Fatalf("the moderator was acted on: %s %s", e.Type, e.Data)
		}
	}

	// The moderator makes Bruno moderator; now he may lock the room.
	if err := mod.Moderate(ctx, signal.Moderate{Action: "set_role", Target: user.ID(), Role: "moderator"}); err != nil {
		t.Fatal(err)
	}
	if _, err := user.WaitEvent(ctx, signal.TypeMeetingState, func(d json.RawMessage) bool {
		var st signal.MeetingState
		return json.Unmarshal(d, &st) == nil && st.Role == "moderator"
	}); err != nil {
		t.Fatal(err)
	}
	if err := user.Moderate(ctx, signal.Moderate{Action: "lock", Locked: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := mod.WaitEvent(ctx, signal.TypeRoomUpdated, nil); err != nil {
		t.Fatal(err)
	}
	_, err := client.Join(ctx, url, "open", client.Options{Name: "Carla"}, nil)
	var je *client.JoinError
	if !errors.As(err, &je) || je.Code != signal.CodeRoomLocked {
		t.Fatalf("join of a locked room: %v, want room_locked", err)
	}
	// The lock reaches the others before its log entry is appended.
	for deadline := time.Now().Add(5 * time.Second); len(r.ModerationLog()) < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if log := r.ModerationLog(); len(log) != 2 || log[0].Action != "set_role" || log[1].ByName != "Bruno" {
		t.Fatalf("moderation log %+v", log)
	}
	// Moderators see the log entries as they happen.
	if _, err := mod.WaitEvent(ctx, signal.TypeModerationLog, nil); err != nil {
		t.Fatal(err)
	}

	// End the meeting for everyone.
	if err := mod.Moderate(ctx, signal.Moderate{Action: "end"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{mod, user} {
		if _, err := c.WaitEvent(ctx, signal.TypeBye, func(d json.RawMessage) bool {
			var b signal.Bye
			return json.Unmarshal(d, &b) == nil && b.Reason == "ended"
		}); err != nil {
			t.Fatalf("no bye ended: %v", err)
		}
	}
}

func TestRemoveWithBan(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "open", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mod := join(t, url, "open", "Anna", nil)
	defer mod.Close()
	troll := join(t, url, "open", "Troll", nil)
	defer troll.Close()
	token := troll.Welcome.ResumeToken
	if err := mod.Moderate(ctx, signal.Moderate{Action: "remove", Target: troll.ID(), Ban: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := troll.WaitEvent(ctx, signal.TypeBye, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mod.WaitEvent(ctx, signal.TypeParticipantLeft, nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range []client.Options{{Name: "troll"}, {Name: "Someone", ResumeToken: token}} {
		_, err := client.Join(ctx, url, "open", o, nil)
		var je *client.JoinError
		if !errors.As(err, &je) || je.Code != signal.CodeBanned {
			t.Errorf("join %+v after a ban: %v, want banned", o, err)
		}
	}
	// Someone else from the same address is welcome.
	ok := join(t, url, "open", "Carla", nil)
	ok.Close()
}

func TestChatHistoryPrivateAndHands(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "open", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	anna := join(t, url, "open", "Anna", nil)
	defer anna.Close()
	bruno := join(t, url, "open", "Bruno", nil)
	defer bruno.Close()

	if err := anna.Chat(ctx, "hello <b>all</b> https://example.org", ""); err != nil {
		t.Fatal(err)
	}
	if err := anna.Chat(ctx, "just for you", bruno.ID()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hello <b>all</b> https://example.org", "just for you"} {
		if _, err := bruno.WaitEvent(ctx, signal.TypeChat, func(d json.RawMessage) bool {
			var m signal.Chat
			return json.Unmarshal(d, &m) == nil && m.Text == want && m.FromName == "Anna"
		}); err != nil {
			t.Fatalf("Bruno did not get %q: %v", want, err)
		}
	}
	// Empty and oversized messages are refused.
	_ = anna.Chat(ctx, "   ", "")
	if err := anna.WaitError(ctx, signal.CodeBadMessage); err != nil {
		t.Fatal(err)
	}

	// A late joiner sees the public history, not the private message.
	carla := join(t, url, "open", "Carla", nil)
	defer carla.Close()
	st := stateOf(t, ctx, carla)
	if len(st.Chat) != 1 || st.Chat[0].Text != "hello <b>all</b> https://example.org" {
		t.Fatalf("late joiner's history %+v", st.Chat)
	}

	// Hands: Bruno then Carla raise; order is kept; the moderator lowers
	// Bruno's.
	if err := bruno.Send(ctx, signal.TypeHand, signal.Hand{Raised: true}); err != nil {
		t.Fatal(err)
	}
	first, err := anna.WaitEvent(ctx, signal.TypeParticipantUpdated, updated(bruno.ID(), func(p signal.Participant) bool { return p.Hand > 0 }))
	if err != nil {
		t.Fatal(err)
	}
	if err := carla.Send(ctx, signal.TypeHand, signal.Hand{Raised: true}); err != nil {
		t.Fatal(err)
	}
	second, err := anna.WaitEvent(ctx, signal.TypeParticipantUpdated, updated(carla.ID(), func(p signal.Participant) bool { return p.Hand > 0 }))
	if err != nil {
		t.Fatal(err)
	}
	var p1, p2 signal.Participant
	_ = json.Unmarshal(first, &p1)
	_ = json.Unmarshal(second, &p2)
	if p1.Hand >= p2.Hand {
		t.Fatalf("hand order %d, %d", p1.Hand, p2.Hand)
	}
	if err := anna.Moderate(ctx, signal.Moderate{Action: "lower_hand", Target: bruno.ID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := bruno.WaitEvent(ctx, signal.TypeParticipantUpdated, updated(bruno.ID(), func(p signal.Participant) bool { return p.Hand == 0 })); err != nil {
		t.Fatal(err)
	}
	_ = a
}
