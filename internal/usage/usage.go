// Package usage keeps durable records of meetings and participant
// sessions, turns them into conference-hour reports and budget figures,
// and queues lifecycle events for webhooks. docs/usage.md defines the
// figures; this package is the only place that computes them.
package usage

import (
	"context"
	"errors"
	"time"
)

// Event kinds, also the webhook event types.
const (
	KindMeetingStarted    = "meeting.started"
	KindMeetingEnded      = "meeting.ended"
	KindParticipantJoined = "participant.joined"
	KindParticipantLeft   = "participant.left"
)

// Device classes (room.Info.Device).
const (
	DeviceDesktop = "desktop"
	DevicePhone   = "phone"
	DeviceTablet  = "tablet"
)

// ErrOverBudget: the organisation has used its yearly hours and refuses
// new meetings.
var ErrOverBudget = errors.New("yearly conference-hour budget used up")

// Meeting is one meeting: a room from its first participant to its last.
// Times are whole seconds (see docs/usage.md); End is zero while open.
type Meeting struct {
	ID        string
	OrgID     int64
	OrgSlug   string
	Room      string
	Start     time.Time
	End       time.Time
	Peak      int       // most participants at once
	Heartbeat time.Time // last time the process vouched the meeting was live
	Instance  string    // the process that recorded it
	Recovered bool      // closed at start-up after that process died
}

// Open reports whether the meeting has not ended (or not been closed).
func (m Meeting) Open() bool { return m.End.IsZero() }

// Session is one participant's stay in one meeting, across reconnections.
type Session struct {
	ID            string
	MeetingID     string
	ParticipantID string
	OrgID         int64
	OrgSlug       string
	Room          string
	AccountID     int64 // 0 = guest
	Device        string
	Join          time.Time
	Leave         time.Time // zero while open
	Heartbeat     time.Time
	Instance      string
	Recovered     bool
	// Media seconds sent and received (docs/usage.md): final at the
	// leave, stamped with each heartbeat while open.
	MediaSent     int64
	MediaReceived int64
}

// Open reports whether the session has not ended.
func (s Session) Open() bool { return s.Leave.IsZero() }

// Event is one change to the records. The store applies it and queues its
// Payload for every webhook endpoint that wants it, in one transaction.
type Event struct {
	ID      string // unique and deterministic: re-recording is a no-op
	Kind    string
	At      time.Time
	OrgID   int64
	Meeting Meeting  // the meeting after the event
	Session *Session // for participant events, the session after it
	Payload []byte   // the webhook body (JSON)
}

// Query selects records overlapping [From, To); OrgID 0 means all.
type Query struct {
	From, To time.Time
	OrgID    int64
}

// Store persists usage records. SQLite and PostgreSQL implement it
// through package usagesql.
type Store interface {
	// RecordUsage applies ev: meeting.started and participant.joined
	// insert, meeting.ended and participant.left close the record (and
	// store Peak). An event whose ID is known, or which would close a
	// record already closed, changes nothing and queues nothing.
	RecordUsage(ctx context.Context, ev Event) error
	// HeartbeatUsage stamps every open record of instance with at, and
	// the open sessions named in media (by session id) with their media
	// seconds so far.
	HeartbeatUsage(ctx context.Context, instance string, at time.Time, media map[string]MediaSoFar) error
	// OpenUsage returns the records still open that another instance
	// than instance wrote and whose last heartbeat is before staleBefore:
	// those of a process that stopped, never those of a live one (several
	// nodes may share one database).
	OpenUsage(ctx context.Context, exceptInstance string, staleBefore time.Time) ([]Meeting, []Session, error)
	// UsageRecords returns meetings and sessions overlapping q (an open
	// record counts up to its heartbeat).
	UsageRecords(ctx context.Context, q Query) ([]Meeting, []Session, error)
}
