package signal

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/ratelimit"
	"github.com/confer-dev/confer/internal/room"
)

// Errors a Directory returns for a room that cannot be joined.
var (
	ErrRoomNotFound    = errors.New("room not found")
	ErrRoomUnavailable = errors.New("room unavailable")
)

// RoomConfig is what signalling needs to know about a permanent room, as
// seen by one person.
type RoomConfig struct {
	Slug          string
	Title         string
	Capacity      int
	PIN           string // empty: no PIN
	GuestsAllowed bool
	Lobby         bool   // guests wait until a host admits them
	WhoMayShare   string // "everyone" or "moderators"
	// Host says the person asking is a host of this room (assigned host or
	// moderator, an admin of its organisation, or a platform admin).
	Host bool
}

// Identity is who a connection belongs to, as the web layer authenticated
// it from the session cookie. The zero value is an anonymous guest.
type Identity struct {
	AccountID   int64
	DisplayName string
}

// Guest reports whether nobody is signed in.
func (i Identity) Guest() bool { return i.AccountID == 0 }

// Directory looks up permanent rooms. The app adapts the real directory
// to it.
type Directory interface {
	LookupRoom(ctx context.Context, slug string, who Identity) (RoomConfig, error)
}

// Transport is one client connection carrying whole messages (a WebSocket).
type Transport interface {
	Read(ctx context.Context) ([]byte, error)
	Write(ctx context.Context, msg []byte) error
	Close(reason string) error
}

// Options tune a Server.
type Options struct {
	Logger *slog.Logger
	// IdleTimeout closes a connection that sent nothing (not even a ping)
	// for this long.
	IdleTimeout time.Duration
	// MaxBadMessages disconnects a client after this many bad messages.
	MaxBadMessages int
	// PINLimiter limits wrong PINs per remote address and room; nil means
	// 5, then one more per 12 s.
	PINLimiter *ratelimit.Limiter
	// RoomPINLimiter limits wrong PINs per room from all addresses
	// together, against guessing spread over many addresses; nil means
	// 30, then one more per 2 s.
	RoomPINLimiter *ratelimit.Limiter
	// ICEServers, if set, gives the STUN/TURN servers (with credentials
	// minted for this participant) that every welcome carries.
	ICEServers func(participantID string) []ICEServer
	// ICERefresh, with ICEServers, sends a joined client fresh servers
	// (ice_servers) this often: half the credential's lifetime.
	ICERefresh time.Duration
}

// Server runs signalling sessions against the rooms of one process.
type Server struct {
	rooms *room.Manager
	dir   Directory
	opts  Options
	log   *slog.Logger

	// Close ends the sessions still running and waits for them: a
	// WebSocket outlives the HTTP server's own shutdown, and a session
	// still reading the store must not outlive the store.
	base     context.Context
	stop     context.CancelFunc
	mu       sync.Mutex
	closed   bool
	sessions sync.WaitGroup
}

// NewServer returns a signalling server.
func NewServer(rooms *room.Manager, dir Directory, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 30 * time.Second
	}
	if opts.MaxBadMessages == 0 {
		opts.MaxBadMessages = 20
	}
	if opts.PINLimiter == nil {
		opts.PINLimiter = ratelimit.New(12*time.Second, 5)
	}
	if opts.RoomPINLimiter == nil {
		opts.RoomPINLimiter = ratelimit.New(2*time.Second, 30)
	}
	base, stop := context.WithCancel(context.Background())
	return &Server{rooms: rooms, dir: dir, opts: opts, log: opts.Logger, base: base, stop: stop}
}

// Close ends every session and waits for them to finish, at most timeout;
// Serve returns at once after it.
func (s *Server) Close(timeout time.Duration) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	done := make(chan struct{})
	go func() {
		s.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		s.log.Warn("signalling sessions still running at close", "waited", timeout)
	}
}

// Serve runs one client connection until it ends. remoteAddr keys the PIN
// rate limit; who is the signed-in account, if any.
func (s *Server) Serve(ctx context.Context, t Transport, remoteAddr string, who Identity) {
	s.ServeRoom(ctx, t, remoteAddr, who, "")
}

// ServeRoom is Serve for a connection that may join only room (when not
// ""): in a multi-node deployment the connection reached this node
// because room's meeting runs here, so another room's must not start.
func (s *Server) ServeRoom(ctx context.Context, t Transport, remoteAddr string, who Identity, room string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.sessions.Add(1)
	s.mu.Unlock()
	defer s.sessions.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.base, cancel)()
	sess := newSession(s, t, remoteAddr, cancel)
	sess.who = who
	sess.onlyRoom = room
	go sess.writeLoop(ctx)
	sess.readLoop(ctx)
	sess.finish()
}
