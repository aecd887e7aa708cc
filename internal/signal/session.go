package signal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/confer-dev/confer/internal/room"
)

// outQueue is how many messages may wait for a slow client before it is
// disconnected; the room never waits for one client.
const outQueue = 512

// session is one client connection. It implements room.Listener.
type session struct {
	srv  *Server
	t    Transport
	addr string
	who  Identity
	// onlyRoom, when set, is the one room this connection may join.
	onlyRoom string
	cancel   context.CancelFunc
	log      *slog.Logger

	out chan []byte

	mu     sync.Mutex
	held   [][]byte // events queued before welcome was sent
	ready  bool
	closed bool
	part   *room.Participant
	bad    int

	metricsSeen bool // client_metrics already counted (metrics.go)
	// waiter is set while the connection waits in the lobby; cfg is the
	// room as looked up at join, for the welcome sent on admission.
	waiter *room.Waiter
	cfg    RoomConfig
	// iceTimer renews the ICE servers' credentials (ICERefresh).
	iceTimer *time.Timer
}

func newSession(s *Server, t Transport, addr string, cancel context.CancelFunc) *session {
	return &session{srv: s, t: t, addr: addr, cancel: cancel, log: s.log, out: make(chan []byte, outQueue)}
}

// slowMessage is how long handling one message may take before it is
// logged as slow.
const slowMessage = 500 * time.Millisecond

// typeOf is a message's type for a log line, never its content (a chat
// line, a name); at most 32 bytes of whatever a client sent.
func typeOf(b []byte) string {
	var env struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(b, &env)
	return env.Type[:min(len(env.Type), 32)]
}

func (s *session) readLoop(ctx context.Context) {
	for {
		rctx, cancel := context.WithTimeout(ctx, s.srv.opts.IdleTimeout)
		b, err := s.t.Read(rctx)
		cancel()
		if err != nil {
			return
		}
		start := time.Now()
		ok := s.handle(ctx, b)
		if d := time.Since(start); d > slowMessage {
			// The socket is not read meanwhile: pings and the client's
			// close frame wait behind this message.
			s.log.Warn("slow signalling message", "took", d, "type", typeOf(b), "bytes", len(b))
		}
		if !ok {
			return
		}
	}
}

// handle processes one message; false ends the session.
func (s *session) handle(ctx context.Context, b []byte) bool {
	typ, msg, err := Decode(b)
	if errors.Is(err, ErrTooLarge) {
		s.fail(CodeTooLarge, "message over 64 KiB")
		return false
	}
	if err != nil {
		s.mu.Lock()
		s.bad++
		n := s.bad
		s.mu.Unlock()
		if n >= s.srv.opts.MaxBadMessages {
			s.fail(CodeBadMessage, "too many bad messages")
			return false
		}
		s.sendError(CodeBadMessage, err.Error(), false)
		return true
	}
	s.mu.Lock()
	p := s.part
	s.mu.Unlock()
	if typ == TypeJoin {
		if p != nil {
			s.sendError(CodeBadMessage, "already joined", false)
			return true
		}
		return s.join(ctx, msg.(*Join))
	}
	if p == nil {
		if typ == TypePing {
			s.send(TypePong, struct{}{})
			return true
		}
		if typ == TypeLeave && s.leaveLobby() {
			return false
		}
		s.sendError(CodeNotJoined, "join first", false)
		return true
	}
	return messageTable[typ].handle(ctx, s, p, msg)
}

func (s *session) join(ctx context.Context, j *Join) bool {
	if j.Version != ProtocolVersion {
		s.fail(CodeVersionMismatch, "this server speaks protocol version 1; reload the page")
		return false
	}
	name := strings.TrimSpace(j.Name)
	if name == "" || utf8.RuneCountInString(name) > maxNameRunes {
		s.fail(CodeNameRequired, "a display name of 1 to 64 characters is required")
		return false
	}
	if s.onlyRoom != "" && j.Room != s.onlyRoom {
		s.fail(CodeBadMessage, "this connection was opened for another room; reconnect with ?room= set to the room joined")
		return false
	}
	cfg, err := s.srv.dir.LookupRoom(ctx, j.Room, s.who)
	switch {
	case errors.Is(err, ErrRoomNotFound):
		s.fail(CodeRoomNotFound, "no room with that name")
		return false
	case errors.Is(err, ErrOverBudget):
		s.fail(CodeOverBudget, overBudgetMessage)
		return false
	case errors.Is(err, ErrRoomUnavailable):
		s.fail(CodeUnavailable, "this room is not available")
		return false
	case err != nil:
		s.log.Error("room lookup", "room", j.Room, "err", err)
		s.fail(CodeInternal, "server error")
		return false
	}
	if !cfg.GuestsAllowed && s.who.Guest() {
		// Members-only room: anyone with an account on this platform,
		// not an anonymous link holder.
		s.fail(CodeSignInRequired, "this room is for signed-in people; sign in first")
		return false
	}
	if cfg.PIN != "" && j.ResumeToken == "" {
		if j.PIN == "" {
			s.fail(CodePINRequired, "this room needs a PIN")
			return false
		}
		if code, msg := s.srv.checkPIN(s.addr, cfg.Slug, j.PIN, cfg.PIN); code != "" {
			s.fail(code, msg)
			return false
		}
	}
	req := room.JoinRequest{
		Name: name, ResumeToken: j.ResumeToken, KeepMedia: j.KeepMedia,
		AudioMuted: j.AudioMuted, VideoMuted: j.VideoMuted, Device: deviceClass(j.Device),
		Host: cfg.Host, Key: banKey(s.who, s.addr, name), AccountID: s.who.AccountID,
		Slots: j.Slots, OnePC: j.OnePC, // the SFU takes OnePC to mean slots too
	}
	settings := room.Settings{Slug: cfg.Slug, Title: cfg.Title, Capacity: cfg.Capacity,
		Lobby: cfg.Lobby, WhoMayShare: cfg.WhoMayShare}
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
	p, res, err := s.srv.rooms.Join(settings, req, s)
	if cfg.PIN != "" && j.ResumeToken != "" && err == nil && !res.Resumed {
		// A stale token does not bypass the PIN: undo and ask again.
		if res.Waiting {
			res.Waiter.Cancel()
		} else {
			p.Leave()
		}
		s.fail(CodePINRequired, "this room needs a PIN")
		return false
	}
	switch {
	case errors.Is(err, room.ErrLocked):
		s.fail(CodeRoomLocked, "the room is locked: nobody new may enter")
		return false
	case errors.Is(err, room.ErrBanned):
		s.fail(CodeBanned, "you were removed from this meeting")
		return false
	case errors.Is(err, room.ErrFull):
		s.fail(CodeRoomFull, "the room is full")
		return false
	case errors.Is(err, room.ErrClosed):
		s.fail(CodeUnavailable, "the server is shutting down")
		return false
	case err != nil:
		s.log.Error("join", "room", cfg.Slug, "err", err)
		s.fail(CodeInternal, "server error")
		return false
	}
	if res.Waiting {
		return s.waitInLobby(res.Waiter)
	}
	countJoin(res.Resumed)
	s.welcome(p, cfg, res)
	return true
}

func (s *session) welcome(p *room.Participant, cfg RoomConfig, res room.JoinResult) {
	w := Welcome{
		Version: ProtocolVersion, ParticipantID: p.ID(), ResumeToken: p.ResumeToken(),
		Resumed: res.Resumed, MediaKept: res.MediaKept,
		Room:          RoomInfo{Slug: cfg.Slug, Title: cfg.Title, Capacity: cfg.Capacity},
		Participants:  make([]Participant, 0, len(res.Others)),
		Tracks:        make([]Track, 0, len(res.Tracks)),
		ActiveSpeaker: res.ActiveSpeaker,
	}
	if f := s.srv.opts.ICEServers; f != nil {
		w.ICEServers = f(p.ID())
	}
	for _, o := range res.Others {
		w.Participants = append(w.Participants, participantMsg(o))
	}
	for _, t := range res.Tracks {
		if t.PeerID != p.ID() {
			w.Tracks = append(w.Tracks, trackMsg(t))
		}
	}
	b, err := Encode(TypeWelcome, w)
	if err != nil {
		s.log.Error("encode welcome", "err", err)
		return
	}
	s.mu.Lock()
	s.part = p
	held := s.held
	s.held = nil
	s.ready = true
	if o := s.srv.opts; o.ICEServers != nil && o.ICERefresh > 0 && s.iceTimer == nil && !s.closed {
		s.iceTimer = time.AfterFunc(o.ICERefresh, s.refreshICE)
	}
	s.mu.Unlock()
	s.enqueue(b)
	for _, m := range held {
		s.enqueue(m)
	}
}

// refreshICE sends fresh ICE servers and schedules the next renewal.
func (s *session) refreshICE() {
	s.mu.Lock()
	p := s.part
	if s.closed || p == nil {
		s.mu.Unlock()
		return
	}
	s.iceTimer.Reset(s.srv.opts.ICERefresh)
	s.mu.Unlock()
	s.send(TypeICEServers, ICEServersUpdate{ICEServers: s.srv.opts.ICEServers(p.ID())})
}

// finish runs when the connection is gone.
func (s *session) finish() {
	s.mu.Lock()
	p := s.part
	w := s.waiter
	s.waiter = nil
	s.closed = true
	if s.iceTimer != nil {
		s.iceTimer.Stop()
	}
	s.mu.Unlock()
	if p != nil {
		p.Disconnected(s)
	}
	if w != nil {
		w.Cancel()
	}
}

func deviceClass(d string) string {
	switch d {
	case "phone", "tablet":
		return d
	}
	return "desktop"
}
