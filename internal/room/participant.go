package room

import (
	"errors"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/sfu"
	"github.com/pion/webrtc/v4"
)

// ErrNoMedia is returned for media requests before the PeerConnections exist.
var ErrNoMedia = errors.New("participant has no media session")

// ErrHardMuted refuses an unmute while a moderator's hard mute holds.
var ErrHardMuted = errors.New("muted by a moderator")

// Participant is one person in a meeting, across reconnections.
type Participant struct {
	room  *Room
	token string
	key   string // identity for bans
	seq   int64  // join order
	// publisher: a publish-only encoder (WHIP) let in by a host's token.
	publisher bool
	// media: how the client's connections work (receive slots, one
	// connection); guarded by mu after the join.
	media sfu.PeerOptions

	mu         sync.Mutex
	info       Info
	listener   Listener
	peer       *sfu.Peer
	gone       bool // connection dropped; waiting for a resume
	graceTimer *time.Timer
	left       bool
	// sources maps the publisher's own track ids to what they carry.
	sources map[string]string
	// forced: mute groups the server currently blocks (SetTrackMuted);
	// hard: groups the participant may not unmute itself.
	forced map[string]bool
	hard   map[string]bool
	// mediaOn: media time is counted (set at the join, mediatime.go).
	mediaOn bool
	// done is closed when the participant leaves (Done).
	done chan struct{}
}

// Done returns a channel closed once the participant has left, whatever
// the reason (its own leave, a failed connection, removal, the meeting's
// end), so that owners outside the room (WHIP sessions) can forget it.
func (p *Participant) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		p.done = make(chan struct{})
		if p.left {
			close(p.done)
		}
	}
	return p.done
}

// ID returns the participant's id, stable across reconnections.
func (p *Participant) ID() string { return p.info.ID }

// ResumeToken is the secret a client presents to take this participant's
// place after a dropped connection or a reload.
func (p *Participant) ResumeToken() string { return p.token }

// Room returns the meeting the participant is in.
func (p *Participant) Room() *Room { return p.room }

func (p *Participant) snapshot() Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.info
}

func (p *Participant) currentListener() Listener {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone {
		return nil
	}
	return p.listener
}

func (p *Participant) currentPeer() (*sfu.Peer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.peer == nil || p.left {
		return nil, ErrNoMedia
	}
	return p.peer, nil
}

// HandleOffer answers the client's offer on its publish PeerConnection.
func (p *Participant) HandleOffer(sdp string) (string, error) {
	peer, err := p.currentPeer()
	if err != nil {
		return "", err
	}
	return peer.HandleOffer(sdp)
}

// HandleAnswer applies the client's answer on its subscribe PeerConnection.
func (p *Participant) HandleAnswer(sdp string) error {
	peer, err := p.currentPeer()
	if err != nil {
		return err
	}
	return peer.HandleAnswer(sdp)
}

// AddICECandidate adds a client candidate to one of its PeerConnections.
func (p *Participant) AddICECandidate(dir sfu.Direction, c webrtc.ICECandidateInit) error {
	peer, err := p.currentPeer()
	if err != nil {
		return err
	}
	return peer.AddICECandidate(dir, c)
}

// RestartICE restarts ICE on the subscribe PeerConnection and asks the
// publishers for keyframes so the picture comes back at once.
func (p *Participant) RestartICE() error {
	peer, err := p.currentPeer()
	if err != nil {
		return err
	}
	peer.RestartICE()
	peer.RequestKeyframes()
	return nil
}

// SetMuted records the participant's own microphone or camera state and
// tells the others. Unmuting lifts a moderator's soft mute (the server
// forwards the track again) but fails with ErrHardMuted while a hard mute
// holds: then the state stays muted whatever the client says.
func (p *Participant) SetMuted(kind string, muted bool) error {
	p.mu.Lock()
	if !muted && p.hard[kind] {
		p.mu.Unlock()
		return ErrHardMuted
	}
	switch kind {
	case GroupAudio:
		p.info.AudioMuted = muted
	case GroupVideo:
		p.info.VideoMuted = muted
	}
	lift := !muted && p.forced[kind]
	info := p.info
	p.mu.Unlock()
	if lift {
		p.enforce(kind, false)
	}
	p.room.mediaUpdate(p)
	p.room.broadcast(info.ID, func(l Listener) { l.ParticipantUpdated(info) })
	return nil
}

// Role returns the participant's role.
func (p *Participant) Role() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.info.Role
}

// Name returns the participant's display name.
func (p *Participant) Name() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.info.Name
}

// Moderates reports whether the participant is a host or moderator.
func (p *Participant) Moderates() bool { return isModerator(p.Role()) }

// Present reports whether the participant is still in its meeting.
func (p *Participant) Present() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.left
}

// Leave takes the participant out of the meeting at its own request.
func (p *Participant) Leave() { p.leave(ReasonLeft) }

// Disconnected tells the room that l, the participant's connection, is
// gone. Unless a newer connection has taken over, the participant is kept
// for the grace period and then removed.
func (p *Participant) Disconnected(l Listener) {
	p.mu.Lock()
	if p.listener != l || p.left {
		p.mu.Unlock()
		return
	}
	p.gone = true
	p.listener = nil
	if p.graceTimer != nil {
		p.graceTimer.Stop()
	}
	p.graceTimer = time.AfterFunc(p.room.mgr.opts.Grace, func() {
		p.mu.Lock()
		expired := p.gone
		p.mu.Unlock()
		if expired {
			p.leave(ReasonTimeout)
		}
	})
	p.mu.Unlock()
	p.room.mediaUpdate(p) // a dropped connection neither sends nor receives
}

func (p *Participant) leave(reason string) {
	if p.close("") {
		p.room.remove(p, reason)
	}
}

// close releases the participant's media and tells its listener, once.
func (p *Participant) close(reason string) bool {
	p.mu.Lock()
	if p.left {
		p.mu.Unlock()
		return false
	}
	p.left = true
	if p.done != nil {
		close(p.done)
	}
	if p.graceTimer != nil {
		p.graceTimer.Stop()
	}
	peer, l := p.peer, p.listener
	p.peer, p.listener = nil, nil
	p.mu.Unlock()
	if peer != nil {
		peer.Close()
	}
	if l != nil && reason != "" {
		l.Closed(reason)
	}
	return true
}

// peerEvents relays what the SFU says about p's PeerConnections to p's
// current connection.
type peerEvents struct{ p *Participant }

func (e peerEvents) SubscriberOffer(sdp string) {
	if l := e.p.currentListener(); l != nil {
		l.SubscriberOffer(sdp)
	}
}

func (e peerEvents) ICECandidate(dir sfu.Direction, c webrtc.ICECandidateInit) {
	if l := e.p.currentListener(); l != nil {
		l.ICECandidate(dir, c)
	}
}

func (e peerEvents) ConnectionState(dir sfu.Direction, s webrtc.PeerConnectionState) {
	e.p.room.mgr.log.Debug("peer connection state", "room", e.p.room.slug, "participant", e.p.info.ID, "pc", dir.String(), "state", s.String())
}
