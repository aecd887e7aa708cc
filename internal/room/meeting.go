package room

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/sfu"
)

var errRoomEnded = errors.New("meeting ended")

// Errors a join can fail with besides ErrFull and ErrClosed.
var (
	ErrLocked = errors.New("the room is locked")
	ErrBanned = errors.New("removed from this meeting")
)

// JoinRequest is what a client asks for when joining.
type JoinRequest struct {
	Name        string
	ResumeToken string
	KeepMedia   bool
	AudioMuted  bool
	VideoMuted  bool
	Device      string
	AccountID   int64 // signed-in account, 0 for a guest
	// Host says the person is a host of the room (signed in and assigned):
	// they skip the lobby, may enter a locked room and get the host role.
	Host bool
	// Key identifies the person for bans: the account, or the address
	// and name of a guest.
	Key string
	// Slots: the client receives on receive slots; OnePC: on one
	// connection both ways (sfu.PeerOptions).
	Slots, OnePC bool
}

// JoinResult tells the joiner about the meeting it entered.
type JoinResult struct {
	Resumed   bool
	MediaKept bool
	Others    []Info
	Tracks    []Track
	// ActiveSpeaker is who speaks now ("" if nobody has yet): a
	// newcomer's speaker layout stages them at once.
	ActiveSpeaker string
	// Waiting says the joiner is in the lobby: no participant exists
	// yet; an AdmittedEvent or RefusedEvent follows through the listener.
	Waiting bool
	Waiter  *Waiter
}

// Room is one live meeting: the participants of a permanent room while at
// least one person is in it (or waits in its lobby).
type Room struct {
	mgr     *Manager
	slug    string
	started time.Time
	router  *sfu.Router

	mu           sync.Mutex
	settings     Settings
	participants map[string]*Participant
	ended        bool
	joinSeq      int64
	handSeq      int64
	tracks       map[string]*trackEntry // published, by track id
	trackSeq     int64
	moderation   // lock, bans, log
	lobby        // waiting people
	chat         []ChatMessage
	media        mediaClock // media time per participant (mediatime.go)
}

func newRoom(m *Manager, s Settings) *Room {
	r := &Room{mgr: m, slug: s.Slug, settings: s, started: m.opts.Clock(),
		participants: make(map[string]*Participant), tracks: make(map[string]*trackEntry)}
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
		out = append(out, p.snapshot())
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
	if r.bannedLocked(req) {
		r.mu.Unlock()
		r.endIfEmpty()
		return nil, JoinResult{}, ErrBanned
	}
	if r.locked && !req.Host {
		r.mu.Unlock()
		r.endIfEmpty()
		return nil, JoinResult{}, ErrLocked
	}
	if s.Lobby && !req.Host {
		if len(r.waiting) >= maxWaiting {
			r.mu.Unlock()
			return nil, JoinResult{}, ErrFull
		}
		w := r.addWaiterLocked(req, l)
		// Under the lock, so that it goes out before any admission.
		l.Event(WaitingEvent{})
		r.mu.Unlock()
		r.lobbyChanged(w)
		return nil, JoinResult{Waiting: true, Waiter: w}, nil
	}
	if len(r.participants) >= s.Capacity {
		r.mu.Unlock()
		r.endIfEmpty()
		return nil, JoinResult{}, ErrFull
	}
	p, others, res := r.addLocked(req, l)
	r.mu.Unlock()
	if err := r.connect(p, others); err != nil {
		return nil, JoinResult{}, err
	}
	return p, res, nil
}

// addLocked creates a participant and decides its role: hosts are hosts;
// in a room without a lobby the first person (when no host or moderator is
// present) becomes moderator, as in Jitsi Meet.
func (r *Room) addLocked(req JoinRequest, l Listener) (*Participant, []Listener, JoinResult) {
	role := RoleParticipant
	switch {
	case req.Host:
		role = RoleHost
	case !r.settings.Lobby && !r.hasModeratorLocked():
		role = RoleModerator
	}
	r.joinSeq++
	p := &Participant{
		room:  r,
		token: randomToken(),
		key:   req.Key,
		seq:   r.joinSeq,
		media: sfu.PeerOptions{Slots: req.Slots, OnePC: req.OnePC},
		info: Info{
			ID: "p" + randomHex(6), Name: req.Name, Device: req.Device, AccountID: req.AccountID,
			AudioMuted: req.AudioMuted, VideoMuted: req.VideoMuted, Role: role,
		},
		listener: l,
	}
	others := r.listenersLocked(p.info.ID)
	res := JoinResult{Others: r.infosLocked(p.info.ID), Tracks: r.trackListLocked(), ActiveSpeaker: r.router.ActiveSpeaker()}
	r.participants[p.info.ID] = p
	return p, others, res
}

// connect gives a new participant its media and tells everyone.
func (r *Room) connect(p *Participant, others []Listener) error {
	p.mu.Lock()
	opts := p.media
	p.mu.Unlock()
	peer, err := r.router.AddPeerWith(p.info.ID, peerEvents{p}, opts)
	if err != nil {
		r.mu.Lock()
		delete(r.participants, p.info.ID)
		r.mu.Unlock()
		r.endIfEmpty()
		return fmt.Errorf("add peer: %w", err)
	}
	p.mu.Lock()
	p.peer = peer
	info := p.info
	p.mu.Unlock()
	for _, o := range others {
		o.ParticipantJoined(info)
	}
	r.sendState(p)
	r.mgr.log.Info("participant joined", "room", r.slug, "participant", info.ID, "device", info.Device, "role", info.Role)
	r.mediaJoin(p)
	if ev := r.mgr.opts.Events; ev != nil {
		ev.ParticipantJoined(r.slug, info, r.mgr.opts.Clock())
	}
	return nil
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
	r.mediaUpdate(p)

	r.mu.Lock()
	res := JoinResult{Resumed: true, Others: r.infosLocked(p.info.ID), ActiveSpeaker: r.router.ActiveSpeaker()}
	r.mu.Unlock()

	if req.KeepMedia && peer != nil {
		res.MediaKept = true
		res.Tracks = r.trackList()
		r.sendState(p)
		if info := p.snapshot(); info.Quality != "" {
			l.ParticipantUpdated(info) // its own grade: the welcome lists only the others
		}
		if sl, ok := l.(SlotListener); ok && peer.SlotMode() {
			// The new connection has not seen the map, nor what to add.
			sl.Slots(peer.Slots())
			if a, v := peer.SlotsWanted(); a+v > 0 {
				sl.SlotsWanted(a, v)
			}
		}
		return p, res, nil
	}
	if peer != nil {
		peer.Close()
	}
	res.Tracks = r.trackList()
	opts := sfu.PeerOptions{Slots: req.Slots, OnePC: req.OnePC}
	p.mu.Lock()
	p.media = opts // the client may have changed (a reload)
	p.mu.Unlock()
	np, err := r.router.AddPeerWith(p.info.ID, peerEvents{p}, opts)
	if err != nil {
		p.leave(ReasonLeft)
		return nil, JoinResult{}, fmt.Errorf("add peer: %w", err)
	}
	p.mu.Lock()
	p.peer = np
	p.mu.Unlock()
	r.sendState(p)
	r.updateQuality(p) // a new connection starts good
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

// infosLocked lists everyone but except in join order, the order a
// newcomer's grid shows them in (map order made it differ from one
// newcomer to the next).
func (r *Room) infosLocked(except string) []Info {
	ps := make([]*Participant, 0, len(r.participants))
	for id, p := range r.participants {
		if id != except {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *Participant) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Info, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.snapshot())
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
	heir := r.heirLocked()
	r.mu.Unlock()
	r.broadcast(p.info.ID, func(l Listener) { l.ParticipantLeft(p.info.ID, reason) })
	if heir != nil {
		r.setRole(heir, RoleModerator)
	}
	r.mgr.log.Info("participant left", "room", r.slug, "participant", p.info.ID, "reason", reason)
	r.emitLeft(p)
	r.endIfEmpty()
}

func (r *Room) endIfEmpty() {
	r.mu.Lock()
	if len(r.participants) > 0 || len(r.waiting) > 0 || r.ended {
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
	waiters := r.takeWaitersLocked()
	r.mu.Unlock()
	for _, w := range waiters {
		w.listener.Closed(reason)
	}
	for _, p := range ps {
		p.close(reason)
		r.emitLeft(p)
	}
	r.finish()
}

func (r *Room) finish() {
	// MeetingEnded comes before removeRoom so that a new meeting of the
	// same room cannot start (and be announced) before this one ended.
	if ev := r.mgr.opts.Events; ev != nil {
		ev.MeetingEnded(r.slug, r.mgr.opts.Clock())
	}
	r.mgr.removeRoom(r)
	r.router.Close()
	r.mgr.log.Info("meeting ended", "room", r.slug, "duration", time.Since(r.started).Round(time.Second))
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
