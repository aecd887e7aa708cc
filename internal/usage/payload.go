package usage

import (
	"encoding/json"
	"time"
)

// Payload is the JSON body of a webhook delivery. The ID is stable across
// retries, so receivers deduplicate on it (delivery is at least once).
type Payload struct {
	ID          string              `json:"id"`
	Type        string              `json:"type"`
	OccurredAt  time.Time           `json:"occurredAt"`
	Org         string              `json:"org"`
	Room        string              `json:"room"`
	Meeting     PayloadMeeting      `json:"meeting"`
	Participant *PayloadParticipant `json:"participant,omitempty"`
	// Recovered marks an end recorded at start-up after a crash, at the
	// last heartbeat before it.
	Recovered bool `json:"recovered,omitempty"`
}

// PayloadMeeting describes the meeting of an event.
type PayloadMeeting struct {
	ID               string     `json:"id"`
	StartedAt        time.Time  `json:"startedAt"`
	EndedAt          *time.Time `json:"endedAt,omitempty"`
	PeakParticipants int        `json:"peakParticipants"`
}

// PayloadParticipant describes the participant of an event.
type PayloadParticipant struct {
	SessionID     string     `json:"sessionId"`
	ParticipantID string     `json:"participantId"`
	AccountID     int64      `json:"accountId,omitempty"` // absent for guests
	Guest         bool       `json:"guest"`
	Device        string     `json:"device"`
	JoinedAt      time.Time  `json:"joinedAt"`
	LeftAt        *time.Time `json:"leftAt,omitempty"`
	// Media seconds, in participant.left only.
	MediaSentSeconds     *int64 `json:"mediaSentSeconds,omitempty"`
	MediaReceivedSeconds *int64 `json:"mediaReceivedSeconds,omitempty"`
}

func (r *Recorder) meetingEvent(kind string, lm *liveMeeting, at time.Time) Event {
	p := basePayload(lm.m, lm.m.ID+":"+kind, kind, at)
	p.Recovered = lm.m.Recovered
	return Event{ID: p.ID, Kind: kind, At: at, OrgID: lm.m.OrgID, Meeting: lm.m, Payload: mustJSON(p)}
}

func (r *Recorder) sessionEvent(kind string, lm *liveMeeting, s Session, at time.Time) Event {
	p := basePayload(lm.m, s.ID+":"+kind, kind, at)
	p.Participant = &PayloadParticipant{
		SessionID: s.ID, ParticipantID: s.ParticipantID, AccountID: s.AccountID, Guest: s.AccountID == 0,
		Device: s.Device, JoinedAt: s.Join, LeftAt: timePtr(s.Leave),
	}
	if kind == KindParticipantLeft {
		p.Participant.MediaSentSeconds, p.Participant.MediaReceivedSeconds = &s.MediaSent, &s.MediaReceived
	}
	p.Recovered = s.Recovered
	return Event{ID: p.ID, Kind: kind, At: at, OrgID: lm.m.OrgID, Meeting: lm.m, Session: &s, Payload: mustJSON(p)}
}

func basePayload(m Meeting, id, kind string, at time.Time) Payload {
	return Payload{
		ID: id, Type: kind, OccurredAt: at.UTC(), Org: m.OrgSlug, Room: m.Room,
		Meeting: PayloadMeeting{ID: m.ID, StartedAt: m.Start.UTC(), EndedAt: timePtr(m.End), PeakParticipants: m.Peak},
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("usage: payload does not encode: " + err.Error()) // plain structs: cannot happen
	}
	return b
}
