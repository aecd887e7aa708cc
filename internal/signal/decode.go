package signal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
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

// Decode parses one client message into its typed form: *Join, *SDP (for
// offer and answer), *Candidate, *Mute, or a Ping, Leave or ICERestart
// value. It validates shapes and bounds, never panics and keeps nothing of
// b.
func Decode(b []byte) (msgType string, msg any, err error) {
	if len(b) > MaxMessageBytes {
		return "", nil, ErrTooLarge
	}
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return "", nil, fmt.Errorf("invalid JSON: %w", err)
	}
	switch env.Type {
	case TypeJoin:
		var j Join
		if err := decodeData(env.Data, &j); err != nil {
			return env.Type, nil, err
		}
		if len(j.Room) > maxRoomSlug || len(j.PIN) > maxPIN || len(j.ResumeToken) > maxToken || len(j.Device) > 16 {
			return env.Type, nil, errors.New("join: field too long")
		}
		if !utf8.ValidString(j.Name) {
			return env.Type, nil, errors.New("join: name is not UTF-8")
		}
		return env.Type, &j, nil
	case TypeOffer, TypeAnswer:
		var s SDP
		if err := decodeData(env.Data, &s); err != nil {
			return env.Type, nil, err
		}
		want := PCPublish
		if env.Type == TypeAnswer {
			want = PCSubscribe
		}
		if s.PC != want {
			return env.Type, nil, fmt.Errorf("%s: pc must be %q", env.Type, want)
		}
		if s.SDP == "" || len(s.SDP) > maxSDPBytes {
			return env.Type, nil, fmt.Errorf("%s: sdp missing or too long", env.Type)
		}
		return env.Type, &s, nil
	case TypeCandidate:
		var c Candidate
		if err := decodeData(env.Data, &c); err != nil {
			return env.Type, nil, err
		}
		if c.PC != PCPublish && c.PC != PCSubscribe {
			return env.Type, nil, errors.New("candidate: unknown pc")
		}
		if len(c.Candidate) > maxCandidate || (c.SDPMid != nil && len(*c.SDPMid) > 32) {
			return env.Type, nil, errors.New("candidate: too long")
		}
		return env.Type, &c, nil
	case TypeMute:
		var m Mute
		if err := decodeData(env.Data, &m); err != nil {
			return env.Type, nil, err
		}
		if m.Kind != "audio" && m.Kind != "video" {
			return env.Type, nil, errors.New("mute: kind must be audio or video")
		}
		return env.Type, &m, nil
	case TypePing, TypeLeave, TypeICERestart:
		return env.Type, struct{}{}, nil
	case "":
		return "", nil, errors.New("missing type")
	default:
		return env.Type, nil, fmt.Errorf("unknown type %q", truncate(env.Type, 32))
	}
}

func decodeData(data json.RawMessage, v any) error {
	if len(bytes.TrimSpace(data)) == 0 || bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return errors.New("missing data")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("invalid data: %w", err)
	}
	return nil
}

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
