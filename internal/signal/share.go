package signal

import (
	"context"
	"errors"

	"github.com/confer-dev/confer/internal/room"
)

// shareMessages: a publisher says what its tracks carry (camera, screen,
// played media…) before the offer that adds them.
func shareMessages() map[string]messageSpec {
	return map[string]messageSpec{
		TypeSources: {decode: decodeAs(checkSources), handle: handleSources},
	}
}

func checkSources(m *Sources) error {
	if len(m.Tracks) == 0 || len(m.Tracks) > 16 {
		return errors.New("1 to 16 tracks")
	}
	for id, src := range m.Tracks {
		if id == "" || len(id) > 128 || !room.ValidSource(src) {
			return errors.New("bad track id or source")
		}
	}
	return nil
}

func handleSources(_ context.Context, s *session, p *room.Participant, msg any) bool {
	if err := p.SetSources(msg.(*Sources).Tracks); err != nil {
		s.sendError(CodeBadMessage, err.Error(), false)
	}
	return true
}
