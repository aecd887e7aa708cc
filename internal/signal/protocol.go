// Package signal carries the typed WebSocket protocol between a browser (or
// any client) and a room. Every message is one JSON object
// {"type": "...", "data": {...}}; the data shape is fixed by the type.
// docs/protocol.md is the reference for client authors.
package signal

import "encoding/json"

// ProtocolVersion is bumped on any incompatible change. A client that sends
// another version in its join gets an error of code "version_mismatch".
const ProtocolVersion = 1

// MaxMessageBytes bounds one WebSocket message in either direction; SDP for
// many tracks stays well below it.
const MaxMessageBytes = 64 << 10

// Envelope is the outer shape of every message.
type Envelope struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Message types, client to server.
const (
	TypeJoin      = "join"
	TypeOffer     = "offer"     // publish PeerConnection offer (client offers)
	TypeAnswer    = "answer"    // answer to the server's subscribe offer
	TypeCandidate = "candidate" // trickled ICE candidate, both directions
	TypeMute      = "mute"
	TypePing      = "ping"
	TypeLeave     = "leave"
	// TypeICERestart asks the server to restart ICE on the subscribe
	// PeerConnection (the client restarts the publish one itself).
	TypeICERestart = "ice_restart"
)

// Message types, server to client.
const (
	TypeWelcome            = "welcome"
	TypeError              = "error"
	TypeParticipantJoined  = "participant_joined"
	TypeParticipantUpdated = "participant_updated"
	TypeParticipantLeft    = "participant_left"
	TypeTrackPublished     = "track_published"
	TypeTrackRemoved       = "track_removed"
	TypePong               = "pong"
	TypeBye                = "bye"
	// TypeICEServers renews the welcome's ICE servers before their TURN
	// credentials expire (ICEServersUpdate).
	TypeICEServers = "ice_servers"
	// TypeOffer (subscribe PeerConnection, server offers), TypeAnswer
	// (to the client's publish offer) and TypeCandidate are shared.
)

// PC names which of a participant's two PeerConnections a message is about.
type PC string

const (
	PCPublish   PC = "publish"   // client → server media; the client offers
	PCSubscribe PC = "subscribe" // server → client media; the server offers
)

// Join asks to enter a room. ResumeToken, when set to the token of a
// participant the server still remembers, takes that participant's place
// (reload, network change) instead of adding a new one.
type Join struct {
	Version     int    `json:"version"`
	Room        string `json:"room"`
	Name        string `json:"name"`
	PIN         string `json:"pin,omitempty"`
	ResumeToken string `json:"resumeToken,omitempty"`
	// KeepMedia, with ResumeToken, says the client's PeerConnections are
	// still alive (only the WebSocket dropped): the server keeps them and
	// the client follows with an ICE restart. Without it the server drops
	// the old PeerConnections and the client negotiates new ones.
	KeepMedia  bool   `json:"keepMedia,omitempty"`
	AudioMuted bool   `json:"audioMuted,omitempty"`
	VideoMuted bool   `json:"videoMuted,omitempty"`
	Device     string `json:"device,omitempty"` // "desktop", "phone", "tablet"
	// Slots asks for receive slots: a few m-lines that the server maps
	// sources onto (the loudest audio, the videos the client shows),
	// instead of one m-line per published track. See docs/protocol.md.
	Slots bool `json:"slots,omitempty"`
	// OnePC: one PeerConnection both ways, the client makes every offer
	// and adds the receive slots as recvonly transceivers (implies Slots).
	OnePC bool `json:"onePC,omitempty"`
}

// SDP carries an offer or an answer for one PeerConnection.
type SDP struct {
	PC  PC     `json:"pc"`
	SDP string `json:"sdp"`
	// ICERestart marks a publish offer created with iceRestart after a
	// network change; informational.
	ICERestart bool `json:"iceRestart,omitempty"`
}

// Candidate is one trickled ICE candidate, as RTCIceCandidateInit.
type Candidate struct {
	PC            PC      `json:"pc"`
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdpMid,omitempty"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex,omitempty"`
}

// Mute reports the sender's own microphone/camera state.
type Mute struct {
	Kind  string `json:"kind"` // "audio" or "video"
	Muted bool   `json:"muted"`
}

// Welcome answers a successful join.
type Welcome struct {
	Version       int           `json:"version"`
	ParticipantID string        `json:"participantId"`
	ResumeToken   string        `json:"resumeToken"`
	Resumed       bool          `json:"resumed"`
	MediaKept     bool          `json:"mediaKept"`
	Room          RoomInfo      `json:"room"`
	Participants  []Participant `json:"participants"` // others, not self
	Tracks        []Track       `json:"tracks"`       // others' published tracks
	ICEServers    []ICEServer   `json:"iceServers,omitempty"`
	// ActiveSpeaker: who speaks now, as active_speaker would say; absent
	// if nobody has spoken yet.
	ActiveSpeaker string `json:"activeSpeaker,omitempty"`
}

// RoomInfo describes the room joined.
type RoomInfo struct {
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Capacity int    `json:"capacity"`
}

// ICEServersUpdate carries fresh ICE servers for a long meeting: a relay
// checks the credential again whenever an allocation is refreshed, so a
// client on a relayed connection sets them and restarts ICE.
type ICEServersUpdate struct {
	ICEServers []ICEServer `json:"iceServers"`
}

// ICEServer mirrors RTCIceServer.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Participant is what others see of someone in the room.
type Participant struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	AudioMuted bool   `json:"audioMuted"`
	VideoMuted bool   `json:"videoMuted"`
	Role       string `json:"role,omitempty"` // host, moderator, participant
	Hand       int64  `json:"hand,omitempty"` // raised-hand order; 0 or absent: hand down
	// Quality: how well the participant's connection carries the meeting,
	// "fair" or "poor"; absent: good.
	Quality string `json:"quality,omitempty"`
}

// ParticipantLeft names who left.
type ParticipantLeft struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
}

// Track describes one published media track. In the subscribe
// PeerConnection its MediaStream id is ParticipantID and its track id is ID,
// so a client can put the track on the right tile.
type Track struct {
	ID            string `json:"id"`
	ParticipantID string `json:"participantId"`
	Kind          string `json:"kind"` // "audio" or "video"
	// Source is what the track carries: microphone, camera, screen,
	// screen-audio or media (see docs/protocol.md).
	Source string `json:"source,omitempty"`
}

// Error is sent for a refused join or a bad message. Codes are stable and
// listed in docs/protocol.md; Message is English text for logs.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fatal means the server closes the connection after this message.
	Fatal bool `json:"fatal,omitempty"`
}

// Bye tells a client it was removed from the meeting for good (meeting
// ended, replaced by a newer connection of the same participant, shutdown).
type Bye struct {
	Reason string `json:"reason"`
}

// Error codes.
const (
	CodeBadMessage      = "bad_message"
	CodeTooLarge        = "message_too_large"
	CodeVersionMismatch = "version_mismatch"
	CodeRoomNotFound    = "room_not_found"
	CodeRoomFull        = "room_full"
	CodePINRequired     = "pin_required"
	CodeWrongPIN        = "wrong_pin"
	CodeTooManyAttempts = "too_many_attempts"
	CodeNotJoined       = "not_joined"
	CodeNameRequired    = "name_required"
	CodeInternal        = "internal"
	CodeUnavailable     = "unavailable"
	CodeSignInRequired  = "sign_in_required"
)
