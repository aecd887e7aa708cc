package signal

import (
	"context"
	"errors"
	"time"

	"github.com/confer-dev/confer/internal/ratelimit"
	"github.com/confer-dev/confer/internal/room"
)

// chatMessages: room chat, private messages and raised hands.
func chatMessages() map[string]messageSpec {
	return map[string]messageSpec{
		TypeChat: {decode: decodeAs(checkChat), handle: handleChat},
		TypeHand: {decode: decodeAs[Hand](nil), handle: handleHand},
	}
}

// chatLimiter allows bursts of 10 messages per participant, then 2 a
// second: enough to talk, too little to flood the room.
var chatLimiter = ratelimit.New(500*time.Millisecond, 10)

func checkChat(c *ChatSend) error {
	// The room counts runes and cleans the text; this only bounds bytes.
	if len(c.Text) > room.MaxChatRunes*4 || len(c.To) > 32 {
		return errors.New("too long")
	}
	return nil
}

func handleChat(_ context.Context, s *session, p *room.Participant, msg any) bool {
	c := msg.(*ChatSend)
	if !chatLimiter.Allow(p.ID()) {
		s.sendError(CodeRateLimited, "too many chat messages; wait a moment", false)
		return true
	}
	if _, err := p.Chat(c.Text, c.To); err != nil {
		s.sendError(CodeBadMessage, err.Error(), false)
	}
	return true
}

func handleHand(_ context.Context, _ *session, p *room.Participant, msg any) bool {
	p.RaiseHand(msg.(*Hand).Raised)
	return true
}
