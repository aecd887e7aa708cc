package signal

import "time"

// Message types of meeting control: chat, hands, sources of tracks,
// moderation and the lobby (docs/protocol.md, "Meeting control").
const (
	// client → server
	TypeChat     = "chat"     // also server → client
	TypeHand     = "hand"     // raise or lower the own hand
	TypeSources  = "sources"  // what the own tracks carry
	TypeModerate = "moderate" // a moderation command

	// server → client
	TypeLobby          = "lobby"           // you wait in the lobby
	TypeMeetingState   = "meeting_state"   // after welcome: role, chat history, lobby…
	TypeLobbyUpdate    = "lobby_update"    // moderators: who waits
	TypeModerated      = "moderated"       // a moderator acted on you
	TypeRoomUpdated    = "room_updated"    // the room was locked or unlocked
	TypeModerationLog  = "moderation_log"  // moderators: new log entries
	TypeFileAdded      = "file_added"      // a document was shared
	TypeFileRemoved    = "file_removed"    // a document was deleted
	TypeModerateResult = "moderate_result" // the command was carried out
)

// More error codes (non-fatal unless said).
const (
	CodeForbidden       = "forbidden"     // a moderation command from a non-moderator
	CodeNoTarget        = "no_target"     // no such participant or waiting person
	CodeRoomLocked      = "room_locked"   // fatal: the room is locked
	CodeBanned          = "banned"        // fatal: removed from this meeting
	CodeLobbyRefused    = "lobby_refused" // fatal: a host refused entry
	CodeHardMuted       = "hard_muted"    // unmute refused: a moderator's hard mute
	CodeShareNotAllowed = "share_not_allowed"
	CodeRateLimited     = "rate_limited"
)

// ChatSend is a chat message from a client; To is a participant id for a
// private message.
type ChatSend struct {
	Text string `json:"text"`
	To   string `json:"to,omitempty"`
}

// Chat is a chat message as delivered.
type Chat struct {
	ID       string    `json:"id"`
	From     string    `json:"from"`
	FromName string    `json:"fromName"`
	To       string    `json:"to,omitempty"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// Hand raises or lowers the sender's hand.
type Hand struct {
	Raised bool `json:"raised"`
}

// Sources maps the sender's own track ids (the msid track id in its
// publish offer) to what they carry.
type Sources struct {
	Tracks map[string]string `json:"tracks"`
}

// Moderate is a moderation command; which fields matter depends on Action.
type Moderate struct {
	Action string `json:"action"`
	Target string `json:"target,omitempty"`
	Group  string `json:"group,omitempty"` // audio, video, screen
	Hard   bool   `json:"hard,omitempty"`
	Ban    bool   `json:"ban,omitempty"`
	Locked bool   `json:"locked,omitempty"`
	Role   string `json:"role,omitempty"`
}

// ModerateResult confirms a moderation command.
type ModerateResult struct {
	Action string `json:"action"`
	Target string `json:"target,omitempty"`
}

// LobbyStatus is sent to a waiting connection.
type LobbyStatus struct {
	Status string   `json:"status"` // "waiting"
	Room   RoomInfo `json:"room"`
}

// MeetingState follows welcome (and a role change).
type MeetingState struct {
	Role      string     `json:"role"`
	Locked    bool       `json:"locked"`
	Chat      []Chat     `json:"chat"`
	HardMuted []string   `json:"hardMuted"`
	Lobby     []Waiting  `json:"lobby,omitempty"`
	Log       []LogEntry `json:"log,omitempty"`
}

// Waiting is one person in the lobby.
type Waiting struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Since time.Time `json:"since"`
}

// LobbyUpdate lists who waits; Added is the newcomer, if any.
type LobbyUpdate struct {
	Waiting []Waiting `json:"waiting"`
	Added   *Waiting  `json:"added,omitempty"`
}

// Moderated tells a participant what a moderator did to it.
type Moderated struct {
	Action string `json:"action"` // mute, allow, share_refused
	Group  string `json:"group"`
	Hard   bool   `json:"hard,omitempty"`
	By     string `json:"by,omitempty"`
}

// RoomUpdated carries the room's lock.
type RoomUpdated struct {
	Locked bool `json:"locked"`
}

// LogEntry is one moderation action.
type LogEntry struct {
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	ByName     string    `json:"byName"`
	Action     string    `json:"action"`
	Target     string    `json:"target,omitempty"`
	TargetName string    `json:"targetName,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// ModerationLog carries log entries to moderators.
type ModerationLog struct {
	Entries []LogEntry `json:"entries"`
}
