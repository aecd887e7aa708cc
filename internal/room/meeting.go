package room

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/sfu"
)

var errRoomEnded = errors.New("meeting ended")

// JoinRequest is what a client asks for when joining.
type JoinRequest struct {
	Name        string
	ResumeToken string
	KeepMedia   bool
	AudioMuted  bool
	VideoMuted  bool
	Device      string
}

// JoinResult tells the joiner about the meeting it entered.
type JoinResult struct {
	Resumed   bool
	MediaKept bool
	Others    []Info
	Tracks    []sfu.TrackInfo
}

// Room is one live meeting: the participants of a permanent room while at
// least one person is in it.
type Room struct {
	mgr     *Manager
	slug    string
	started time.Time
	router  *sfu.Router

	mu           sync.Mutex
	settings     Settings
	participants map[string]*Participant
	ended        bool
}

func newRoom(m *Manager, s Settings) *Room {
	r := &Room{mgr: m, slug: s.Slug, settings: s, started: time.Now(), participants: make(map[string]*Participant)}
	r.router = m.engine.NewRouter(s.Slug, routerEvents{r})
	m.log.Info("meeting started", "room", s.Slug)
	if ev := m.opts.Events; ev != nil {
		ev.MeetingStarted(s.Slug, r.started)
	}
	return r
}

// Slug names the permanent room this meeting is held in.
func (r *Room) Slug() string { return r.slug }

// Count returns how many participants are in the meeting, including those
// whose connection dropped and who may still come back.
func (r *Room) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.participants)
}

// Participants returns the public state of everyone in the meeting.
func (r *Room) Participants() []Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Info, 0, len(r.participants))
	for _, p := range r.participants {
		out = append(out, p.info)
	}
	return out
}

func (r *Room) join(s Settings, req JoinRequest, l Listener) (*Participant, JoinResult, error) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return nil, JoinResult{}, errRoomEnded
	}
	r.settings = s // capacity or title may have changed since the start
	if old := r.byToken(req.ResumeToken); old != nil {
		r.mu.Unlock()
		return r.resume(old, req, l)
	}
	if len(r.participants) >= s.Capacity {
		r.mu.Unlock()
		return nil, JoinResult{}, ErrFull
	}
	p := &Participant{
		room:  r,
		token: randomToken(),
		info: Info{
			ID: "p" + randomHex(6), Name: req.Name, Device: req.Device,
			AudioMuted: req.AudioMuted, VideoMuted: req.VideoMuted,
		},
		listener: l,
	}
	others := r.listenersLocked(p.info.ID)
	res := JoinResult{Others: r.infosLocked(p.info.ID), Tracks: r.router.Tracks()}
	r.participants[p.info.ID] = p
	r.mu.Unlock()

	peer, err := r.router.AddPeer(p.info.ID, peerEvents{p})
	if err != nil {
		r.mu.Lock()
		delete(r.participants, p.info.ID)
		r.mu.Unlock()
		r.endIfEmpty()
		return nil, JoinResult{}, fmt.Errorf("add peer: %w", err)
	}
	p.mu.Lock()
	p.peer = peer
	p.mu.Unlock()
	for _, o := range others {
		o.ParticipantJoined(p.info)
	}
	r.mgr.log.Info("participant joined", "room", r.slug, "participant", p.info.ID, "device", p.info.Device)
	if ev := r.mgr.opts.Events; ev != nil {
		ev.ParticipantJoined(r.slug, p.info, time.Now())
	}
	return p, res, nil
}

// resume hands participant p to a new connection. With KeepMedia and live
// PeerConnections only the listener changes; otherwise the media is set up
// anew under the same identity.
func (r *Room) resume(p *Participant, req JoinRequest, l Listener) (*Participant, JoinResult, error) {
	p.mu.Lock()
	old := p.listener
	p.listener = l
	p.gone = false
	if p.graceTimer != nil {
		p.graceTimer.Stop()
		p.graceTimer = nil
	}
	peer := p.peer
	p.mu.Unlock()
	if old != nil && old != l {
		old.Closed(ReasonReplaced)
	}

	r.mu.Lock()
	res := JoinResult{Resumed: true, Others: r.infosLocked(p.info.ID)}
	r.mu.Unlock()

	if req.KeepMedia && peer != nil {
		res.MediaKept = true
		res.Tracks = r.router.Tracks()
		return p, res, nil
	}
	if peer != nil {
		peer.Close()
	}
	res.Tracks = r.router.Tracks()
	np, err := r.router.AddPeer(p.info.ID, peerEvents{p})
	if err != nil {
		p.leave(ReasonLeft)
		return nil, JoinResult{}, fmt.Errorf("add peer: %w", err)
	}
	p.mu.Lock()
	p.peer = np
	p.mu.Unlock()
	r.mgr.log.Info("participant resumed", "room", r.slug, "participant", p.info.ID, "mediaKept", false)
	return p, res, nil
}

func (r *Room) byToken(token string) *Participant {
	if token == "" {
		return nil
	}
	for _, p := range r.participants {
		if subtle.ConstantTimeCompare([]byte(p.token), []byte(token)) == 1 {
			return p
		}
	}
	return nil
}

func (r *Room) infosLocked(except string) []Info {
	out := make([]Info, 0, len(r.participants))
	for id, p := range r.participants {
		if id != except {
			out = append(out, p.snapshot())
		}
	}
	return out
}

// listenersLocked returns the current listeners of everyone but except.
func (r *Room) listenersLocked(except string) []Listener {
	out := make([]Listener, 0, len(r.participants))
	for id, p := range r.participants {
		if id == except {
			continue
		}
		if l := p.currentListener(); l != nil {
			out = append(out, l)
		}
	}
	return out
}

func (r *Room) broadcast(except string, f func(Listener)) {
	r.mu.Lock()
	ls := r.listenersLocked(except)
	r.mu.Unlock()
	for _, l := range ls {
		f(l)
	}
}

// remove takes p out of the meeting and ends the meeting if it was last.
func (r *Room) remove(p *Participant, reason string) {
	r.mu.Lock()
	if r.participants[p.info.ID] != p {
		r.mu.Unlock()
		return
	}
	delete(r.participants, p.info.ID)
	r.mu.Unlock()
	r.broadcast(p.info.ID, func(l Listener) { l.ParticipantLeft(p.info.ID, reason) })
	r.mgr.log.Info("participant left", "room", r.slug, "participant", p.info.ID, "reason", reason)
	if ev := r.mgr.opts.Events; ev != nil {
		ev.ParticipantLeft(r.slug, p.snapshot(), time.Now())
	}
	r.endIfEmpty()
}

func (r *Room) endIfEmpty() {
	r.mu.Lock()
	if len(r.participants) > 0 || r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	r.mu.Unlock()
	r.finish()
}

// end closes the meeting for everyone.
func (r *Room) end(reason string) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	r.participants = map[string]*Participant{}
	r.mu.Unlock()
	for _, p := range ps {
		p.close(reason)
		if ev := r.mgr.opts.Events; ev != nil {
			ev.ParticipantLeft(r.slug, p.snapshot(), time.Now())
		}
	}
	r.finish()
}

func (r *Room) finish() {
	r.mgr.removeRoom(r)
	r.router.Close()
	r.mgr.log.Info("meeting ended", "room", r.slug, "duration", time.Since(r.started).Round(time.Second))
	if ev := r.mgr.opts.Events; ev != nil {
		ev.MeetingEnded(r.slug, time.Now())
	}
}

// routerEvents relays track changes from the SFU to every client.
type routerEvents struct{ r *Room }

func (e routerEvents) TrackAdded(t sfu.TrackInfo) {
	e.r.broadcast(t.PeerID, func(l Listener) { l.TrackPublished(t) })
}

func (e routerEvents) TrackRemoved(t sfu.TrackInfo) {
	e.r.broadcast(t.PeerID, func(l Listener) { l.TrackRemoved(t) })
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
