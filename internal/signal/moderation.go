package signal

import (
	"context"
	"errors"

	"github.com/confer-dev/confer/internal/room"
)

// moderationMessages: the one "moderate" command. The room checks the
// sender's role for every action, so a modified client gets nowhere.
func moderationMessages() map[string]messageSpec {
	return map[string]messageSpec{
		TypeModerate: {decode: decodeAs(checkModerate), handle: handleModerate},
	}
}

var moderateActions = map[string]bool{
	"mute": true, "mute_all": true, "allow": true, "remove": true, "lock": true, "end": true,
	"set_role": true, "lower_hand": true, "admit": true, "admit_all": true, "refuse": true,
}

func checkModerate(m *Moderate) error {
	if !moderateActions[m.Action] {
		return errors.New("unknown action")
	}
	if len(m.Target) > 32 || len(m.Group) > 16 || len(m.Role) > 16 {
		return errors.New("field too long")
	}
	return nil
}

func handleModerate(_ context.Context, s *session, p *room.Participant, msg any) bool {
	m := msg.(*Moderate)
	err := p.Moderate(room.Action{Name: m.Action, Target: m.Target, Group: m.Group, Hard: m.Hard,
		Ban: m.Ban, Locked: m.Locked, Role: m.Role})
	switch {
	case err == nil:
		if m.Action != "end" {
			s.send(TypeModerateResult, ModerateResult{Action: m.Action, Target: m.Target})
		}
	case errors.Is(err, room.ErrForbidden):
		s.log.Info("moderation refused", "participant", p.ID(), "action", m.Action)
		s.sendError(CodeForbidden, "only hosts and moderators may "+m.Action, false)
	case errors.Is(err, room.ErrNoTarget), errors.Is(err, room.ErrNotWaiting):
		s.sendError(CodeNoTarget, err.Error(), false)
	case errors.Is(err, room.ErrFull):
		s.sendError(CodeRoomFull, "the room is full", false)
	default:
		s.sendError(CodeBadMessage, err.Error(), false)
	}
	return true
}
