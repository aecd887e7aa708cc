// Package sfu is confer's media plane: it receives RTP from publishers and
// forwards it to subscribers over Pion WebRTC PeerConnections. It knows
// nothing of HTTP, tenants, storage or the signalling protocol; the room
// layer drives it through Router and Peer and hears back through
// RouterHandler and PeerHandler.
//
// Each participant has two PeerConnections: a publish one where the client
// offers and the server only receives, and a subscribe one where the server
// offers and only sends. With one offerer per connection there is no glare.
package sfu

import (
	"log/slog"

	"github.com/pion/webrtc/v4"
)

// Direction names one of a peer's two PeerConnections.
type Direction int

const (
	Publish   Direction = iota // client → server; the client offers
	Subscribe                  // server → client; the server offers
)

func (d Direction) String() string {
	if d == Publish {
		return "publish"
	}
	return "subscribe"
}

// Config configures the media engine of one process.
type Config struct {
	// Port is the one UDP port for all peers; ICE-TCP listens on the same
	// number. 0 picks a free port (tests).
	Port int
	// ListenIP restricts the sockets to one address; empty means all.
	ListenIP string
	// PublicIPs are advertised as host candidates instead of the local
	// addresses (1:1 NAT, cloud VMs).
	PublicIPs []string
	// Loopback includes 127.0.0.1 candidates so that a machine with no
	// network (CI) still connects.
	Loopback bool
	Logger   *slog.Logger
	// MaxAudioStreams is how many of the loudest audio tracks each
	// subscriber receives (ranked by RFC 6464 audio level). 0 means the
	// default, 3; negative means all.
	MaxAudioStreams int
}

// TrackInfo identifies a published track. In the subscribe PeerConnection
// the track's MediaStream id is PeerID and its track id is ID.
type TrackInfo struct {
	ID     string
	PeerID string
	Kind   string // "audio" or "video"
	// ClientTrackID is the track id the publisher gave the track in its
	// own offer (the msid's track part), so the room layer can tell a
	// camera from a screen share.
	ClientTrackID string
}

// RouterHandler hears about tracks appearing and disappearing in a router.
// Calls come from SFU goroutines and must not block. They are delivered one
// at a time, in order (TrackAdded of a track always before its
// TrackRemoved), from a goroutine of the router's own: never from inside a
// call the room layer makes into the SFU, so the handler may take locks the
// caller of Peer.Close holds.
type RouterHandler interface {
	TrackAdded(TrackInfo)
	TrackRemoved(TrackInfo)
}

// PeerHandler carries what the SFU has to tell one peer's client. Calls come
// from SFU goroutines and must not block; none is made from inside a call
// into Peer. SDPs are produced after candidate gathering (instant with the
// shared port) and list the server's candidates; those are not trickled
// again. Candidates gathered later are trickled after the SDP was handed
// out (after SubscriberOffer returns; for HandleOffer, from another
// goroutine as it returns). ConnectionState reports are in order and
// without repeats.
type PeerHandler interface {
	// SubscriberOffer asks the client to answer a new offer on its
	// subscribe PeerConnection.
	SubscriberOffer(sdp string)
	// ICECandidate trickles a server candidate to the client.
	ICECandidate(dir Direction, c webrtc.ICECandidateInit)
	// ConnectionState reports a PeerConnection state change.
	ConnectionState(dir Direction, s webrtc.PeerConnectionState)
}
