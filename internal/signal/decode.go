package signal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrTooLarge is returned by Decode for a message over MaxMessageBytes.
var ErrTooLarge = errors.New("message too large")

// Limits on fields, so that a client cannot make the server hold or relay
// arbitrary amounts of data.
const (
	maxNameRunes = 64
	maxSDPBytes  = 60 << 10
	maxCandidate = 1024
	maxToken     = 128
	maxRoomSlug  = 63
	maxPIN       = 32
)

// Decode parses one client message into its typed form (a pointer to the
// type's data struct, e.g. *Join), checking shapes and bounds. It never
// panics and keeps nothing of b. Which types exist, and how each is
// checked and handled, is listed in messages().
func Decode(b []byte) (msgType string, msg any, err error) {
	if len(b) > MaxMessageBytes {
		return "", nil, ErrTooLarge
	}
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return "", nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if env.Type == "" {
		return "", nil, errors.New("missing type")
	}
	spec, ok := messageTable[env.Type]
	if !ok {
		return env.Type, nil, fmt.Errorf("unknown type %q", truncate(env.Type, 32))
	}
	msg, err = spec.decode(env.Data)
	if err != nil {
		return env.Type, nil, fmt.Errorf("%s: %w", env.Type, err)
	}
	return env.Type, msg, nil
}

// decodeAs returns a decoder for data of type T, checked by check (may be
// nil).
func decodeAs[T any](check func(*T) error) func(json.RawMessage) (any, error) {
	return func(data json.RawMessage) (any, error) {
		v := new(T)
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
			return nil, errors.New("missing data")
		}
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("invalid data: %w", err)
		}
		if check != nil {
			if err := check(v); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
}

// decodeEmpty accepts any data (or none) for messages that carry nothing.
func decodeEmpty(json.RawMessage) (any, error) { return &struct{}{}, nil }

// Encode builds one server message.
func Encode(msgType string, data any) ([]byte, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Envelope{Type: msgType, Data: raw})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
