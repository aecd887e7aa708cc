package client

import (
	"context"
	"encoding/json"

	"github.com/confer-dev/confer/internal/signal"
)

// Send sends any protocol message: tests use it to act as a modified
// client would.
func (c *Client) Send(ctx context.Context, typ string, data any) error {
	return c.send(ctx, typ, data)
}

// Chat sends a chat message (to "" for everyone).
func (c *Client) Chat(ctx context.Context, text, to string) error {
	return c.send(ctx, signal.TypeChat, signal.ChatSend{Text: text, To: to})
}

// Moderate sends a moderation command.
func (c *Client) Moderate(ctx context.Context, m signal.Moderate) error {
	return c.send(ctx, signal.TypeModerate, m)
}

// WaitError waits for an error message with code.
func (c *Client) WaitError(ctx context.Context, code string) error {
	_, err := c.WaitEvent(ctx, signal.TypeError, func(d json.RawMessage) bool {
		var e signal.Error
		return json.Unmarshal(d, &e) == nil && e.Code == code
	})
	return err
}
