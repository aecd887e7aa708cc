package room

import (
	"errors"
	"fmt"

	"github.com/confer-dev/confer/internal/sfu"
	"github.com/pion/webrtc/v4"
)

// JoinPublisher adds a publish-only participant to the meeting of s.Slug
// (starting it if needed): a WHIP encoder that a host authorised. It
// skips the lobby and the lock (the host's token is the permission), its
// tracks count as "media" and are never refused by "who may share". It
// has no listener: it hears nothing of the meeting. Leave ends it.
func (m *Manager) JoinPublisher(s Settings, name string) (*Participant, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, ErrClosed
		}
		r := m.rooms[s.Slug]
		if r == nil {
			r = newRoom(m, s)
			m.rooms[s.Slug] = r
		}
		m.mu.Unlock()
		p, err := r.joinPublisher(name)
		if errors.Is(err, errRoomEnded) {
			continue
		}
		return p, err
	}
}

func (r *Room) joinPublisher(name string) (*Participant, error) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return nil, errRoomEnded
	}
	if len(r.participants) >= r.settings.Capacity {
		r.mu.Unlock()
		r.endIfEmpty()
		return nil, ErrFull
	}
	r.joinSeq++
	p := &Participant{room: r, token: randomToken(), seq: r.joinSeq, publisher: true,
		info: Info{ID: "p" + randomHex(6), Name: name, Device: "encoder", Role: RoleParticipant, VideoMuted: false}}
	others := r.listenersLocked(p.info.ID)
	r.participants[p.info.ID] = p
	r.mu.Unlock()
	peer, err := r.router.AddPublisher(p.info.ID, publisherEvents{p})
	if err != nil {
		r.mu.Lock()
		delete(r.participants, p.info.ID)
		r.mu.Unlock()
		r.endIfEmpty()
		return nil, fmt.Errorf("add publisher: %w", err)
	}
	p.mu.Lock()
	p.peer = peer
	info := p.info
	p.mu.Unlock()
	for _, o := range others {
		o.ParticipantJoined(info)
	}
	r.mgr.log.Info("publisher joined", "room", r.slug, "participant", info.ID, "name", name)
	return p, nil
}

// publisherEvents: a WHIP peer trickles nothing and answers no
// renegotiation; when its connection fails or closes it leaves.
type publisherEvents struct{ p *Participant }

func (e publisherEvents) SubscriberOffer(string)                              {}
func (e publisherEvents) ICECandidate(sfu.Direction, webrtc.ICECandidateInit) {}
func (e publisherEvents) ConnectionState(_ sfu.Direction, s webrtc.PeerConnectionState) {
	if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
		go e.p.Leave()
	}
}
