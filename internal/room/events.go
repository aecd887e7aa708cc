package room

import (
	"time"

	"github.com/confer-dev/confer/internal/sfu"
)

// Track is a published track with what it carries, as the publisher
// declared it (see Participant.SetSources).
type Track struct {
	sfu.TrackInfo
	Source string // one of the Source* constants
}

// What a published track carries.
const (
	SourceMicrophone  = "microphone"
	SourceCamera      = "camera"
	SourceScreen      = "screen"
	SourceScreenAudio = "screen-audio"
	SourceMedia       = "media" // a local file played to everyone, or a WHIP encoder
)

// Mute groups: what a moderator mutes or turns off, and which sources
// each covers.
const (
	GroupAudio  = "audio"  // microphone
	GroupVideo  = "video"  // camera
	GroupScreen = "screen" // screen share, its audio, played media
)

// groupOf maps a source to the mute group that covers it.
func groupOf(source string) string {
	switch source {
	case SourceMicrophone:
		return GroupAudio
	case SourceCamera:
		return GroupVideo
	}
	return GroupScreen
}

// ValidSource reports whether s names a source.
func ValidSource(s string) bool {
	switch s {
	case SourceMicrophone, SourceCamera, SourceScreen, SourceScreenAudio, SourceMedia:
		return true
	}
	return false
}

// The events a Listener receives through Event.

// ChatMessage is one chat line. To is empty for the whole room.
type ChatMessage struct {
	ID       string
	From     string
	FromName string
	To       string
	Text     string
	At       time.Time
}

// StateEvent is sent to a participant right after it joins (and when its
// role changes): the chat history of this meeting, whether the room is
// locked, and, for moderators, who waits in the lobby and the moderation
// log.
type StateEvent struct {
	Role    string
	Locked  bool
	History []ChatMessage
	Hard    []string // mute groups the participant may not unmute
	// For hosts and moderators only:
	Lobby []Waiting
	Log   []LogEntry
}

// LobbyEvent tells hosts and moderators who is waiting, oldest first.
// Added names the newcomer, if any, so the client can announce it.
type LobbyEvent struct {
	Waiting []Waiting
	Added   *Waiting
}

// Waiting is one person in the lobby.
type Waiting struct {
	ID    string
	Name  string
	Since time.Time
}

// WaitingEvent tells a connection that it waits in the lobby.
type WaitingEvent struct{}

// AdmittedEvent tells a waiting connection that it is in: P is its new
// participant. Signalling sends welcome as for a direct join.
type AdmittedEvent struct {
	P   *Participant
	Res JoinResult
}

// RefusedEvent tells a waiting connection that it was refused.
type RefusedEvent struct{}

// ModeratedEvent tells a participant what a moderator did to it:
// Action is "mute" (Hard: may not unmute), "allow" (may unmute again),
// "share_refused" (the room lets only moderators share).
type ModeratedEvent struct {
	Action string
	Group  string
	Hard   bool
	By     string // moderator's name; empty for the server
}

// RoomEvent tells everyone the room's lock changed.
type RoomEvent struct {
	Locked bool
}

// LogEvent carries new moderation log entries to hosts and moderators.
type LogEvent struct {
	Entries []LogEntry
}

// LogEntry records one moderation action: who, what, when.
type LogEntry struct {
	At         time.Time
	By         string // participant id
	ByName     string
	Action     string
	Target     string
	TargetName string
	Detail     string
}

// Custom is an event another layer (shared files) broadcasts through
// Room.Notify; signalling sends Type with Data as is.
type Custom struct {
	Type string
	Data any
}
