// Package room keeps the live state of meetings: who is in each room, their
// names and mute state, and the SFU router that carries their media. It
// knows nothing of HTTP, storage or the wire protocol: the signalling layer
// drives it and hears back through Listener.
package room

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/sfu"
	"github.com/pion/webrtc/v4"
)

// Errors a join can fail with.
var (
	ErrFull   = errors.New("room is full")
	ErrClosed = errors.New("room manager is shut down")
)

// Settings are what the room layer needs to know of a permanent room.
type Settings struct {
	Slug     string
	Title    string
	Capacity int
	// Lobby makes everyone but hosts wait until a host or moderator
	// admits them. Rooms without a lobby make their first participant a
	// moderator when no host is present.
	Lobby bool
	// WhoMayShare is ShareEveryone or ShareModerators.
	WhoMayShare string
}

// Who may share a screen or media.
const (
	ShareEveryone   = "everyone"
	ShareModerators = "moderators"
)

// Info is the public state of one participant.
type Info struct {
	ID         string
	Name       string
	AudioMuted bool
	VideoMuted bool
	Device     string
	AccountID  int64  // signed-in account, 0 for a guest (usage accounting)
	Role       string // RoleHost, RoleModerator or RoleParticipant
	// Hand is 0, or the order in which the hand was raised (smaller is
	// earlier) while it is up.
	Hand int64
	// Quality is how well the participant's connection carries the
	// meeting: "" (good), "fair" or "poor" (sfu.Quality).
	Quality string
	// Media is set only in Events.ParticipantLeft: the session's media
	// time (mediatime.go).
	Media MediaSeconds
}

// Listener receives everything one participant's client must be told.
// Calls must not block: implementations queue and return.
type Listener interface {
	ParticipantJoined(Info)
	ParticipantUpdated(Info)
	ParticipantLeft(id, reason string)
	TrackPublished(Track)
	TrackRemoved(Track)
	SubscriberOffer(sdp string)
	ICECandidate(dir sfu.Direction, c webrtc.ICECandidateInit)
	// Closed ends this listener's part: the participant left, was replaced
	// by a newer connection, or the server shuts down.
	Closed(reason string)
	// Event carries everything else a meeting tells one client: chat,
	// raised hands, the lobby, moderation, shared files. ev is one of the
	// event types in events.go.
	Event(ev any)
}

// Reasons passed to Listener.Closed and ParticipantLeft.
const (
	ReasonLeft     = "left"
	ReasonTimeout  = "timeout"
	ReasonReplaced = "replaced"
	ReasonShutdown = "shutdown"
	ReasonRemoved  = "removed" // a moderator removed the participant
	ReasonEnded    = "ended"   // a moderator ended the meeting for everyone
	ReasonMoved    = "moved"   // the meeting runs on another node now: join again
)

// Options tune a Manager.
type Options struct {
	// Grace is how long a participant whose connection dropped is kept
	// before the others are told they left.
	Grace  time.Duration
	Logger *slog.Logger
	// Events, if set, hears meeting and participant lifecycle events
	// (usage accounting, metrics, webhooks).
	Events Events
	// Clock gives the times of lifecycle events (default time.Now), so
	// usage tests can drive meetings across midnight.
	Clock func() time.Time
}

// Events hears lifecycle events of meetings. Calls are made outside the
// room's lock and must not block for long.
type Events interface {
	MeetingStarted(slug string, at time.Time)
	MeetingEnded(slug string, at time.Time)
	ParticipantJoined(slug string, p Info, at time.Time)
	ParticipantLeft(slug string, p Info, at time.Time)
}

// Manager holds the live meetings of this process, keyed by room slug.
type Manager struct {
	engine *sfu.Engine
	opts   Options
	log    *slog.Logger

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
}

// NewManager returns a Manager that creates SFU routers on engine.
func NewManager(engine *sfu.Engine, opts Options) *Manager {
	if opts.Grace == 0 {
		opts.Grace = 20 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Manager{engine: engine, opts: opts, log: opts.Logger, rooms: make(map[string]*Room)}
}

// Room returns the live meeting of slug, or nil when nobody is in it.
func (m *Manager) Room(slug string) *Room {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rooms[slug]
}

// Count returns the number of participants in the live meeting of slug.
func (m *Manager) Count(slug string) int {
	if r := m.Room(slug); r != nil {
		return r.Count()
	}
	return 0
}

// Rooms returns the number of live meetings.
func (m *Manager) Rooms() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rooms)
}

// Counts returns the participants of each live meeting, by room.
func (m *Manager) Counts() map[string]int {
	m.mu.Lock()
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	out := make(map[string]int, len(rooms))
	for _, r := range rooms {
		out[r.slug] = r.Count()
	}
	return out
}

// Move ends the meeting of slug because it runs on another node now (two
// nodes started one each while they could not agree): its participants
// are told to join again, which takes them there. It reports whether
// there was a meeting.
func (m *Manager) Move(slug string) bool {
	r := m.Room(slug)
	if r == nil {
		return false
	}
	r.end(ReasonMoved)
	return true
}

// Join adds a participant to the meeting of s.Slug, starting the meeting if
// needed, or resumes the participant owning req.ResumeToken.
func (m *Manager) Join(s Settings, req JoinRequest, l Listener) (*Participant, JoinResult, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, JoinResult{}, ErrClosed
		}
		r := m.rooms[s.Slug]
		if r == nil {
			r = newRoom(m, s)
			m.rooms[s.Slug] = r
		}
		m.mu.Unlock()
		p, res, err := r.join(s, req, l)
		if errors.Is(err, errRoomEnded) {
			continue // raced with the last person leaving; start anew
		}
		return p, res, err
	}
}

// removeRoom forgets r once its last participant has gone.
func (m *Manager) removeRoom(r *Room) {
	m.mu.Lock()
	if m.rooms[r.slug] == r {
		delete(m.rooms, r.slug)
	}
	m.mu.Unlock()
}

// Shutdown ends every meeting, telling each participant why.
func (m *Manager) Shutdown() {
	m.mu.Lock()
	m.closed = true
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, r := range rooms {
		r.end(ReasonShutdown)
	}
}
