package signal

import (
	"context"
	"encoding/json"

	"github.com/confer-dev/confer/internal/room"
)

// messageSpec says how one client message type is decoded and handled.
type messageSpec struct {
	decode func(json.RawMessage) (any, error)
	// handle runs for a joined participant; false ends the session. Nil
	// for join, which the session handles before anyone has joined.
	handle func(ctx context.Context, s *session, p *room.Participant, msg any) bool
}

// messageTable lists every client message type. Each feature keeps its
// types in its own file and adds them here with one line.
var messageTable = merge(
	coreMessages(),
	chatMessages(),
	moderationMessages(),
	shareMessages(),
	metricsMessages(),
	qualityMessages(),
)

func merge(tables ...map[string]messageSpec) map[string]messageSpec {
	out := make(map[string]messageSpec)
	for _, t := range tables {
		for k, v := range t {
			if _, dup := out[k]; dup {
				panic("signal: message type registered twice: " + k)
			}
			out[k] = v
		}
	}
	return out
}
