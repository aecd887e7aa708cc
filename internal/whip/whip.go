// Package whip lets an encoder (OBS Studio, ffmpeg, a lecture-hall
// camera) publish into a meeting with WHIP (RFC 9725): POST an SDP offer
// to /whip/{room} with a bearer token a host created, get the answer and
// a resource URL; DELETE that URL to stop. The encoder appears in the
// meeting as a participant named after the token's label; its tracks are
// "media". Trickle ICE (PATCH) is not supported: the answer is complete.
package whip

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/turncred"
)

// Room is a permanent room as WHIP needs it: its id (tokens belong to
// it) and the settings of its meetings.
type Room struct {
	ID       int64
	Settings room.Settings
}

// Lookup finds a permanent room by slug.
type Lookup func(ctx context.Context, slug string) (Room, error)

// Server checks tokens kept in a TokenStore and keeps the live WHIP
// sessions in memory.
type Server struct {
	rooms  *room.Manager
	lookup Lookup
	tokens TokenStore
	log    *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session

	// ICEServers, if set before serving, gives the STUN/TURN servers,
	// with credentials minted for the named user, that an encoder is told
	// in Link headers (RFC 9725 §4.6): OBS behind a firewall that lets
	// only the relay through needs them.
	ICEServers func(user string) []turncred.Server
}

type session struct {
	tokenID int64
	room    string
	p       *room.Participant
}

// New returns a WHIP server publishing into rooms; tokens nil keeps
// tokens in memory (lost on restart).
func New(rooms *room.Manager, lookup Lookup, tokens TokenStore, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	if tokens == nil {
		tokens = newMemTokens()
	}
	return &Server{rooms: rooms, lookup: lookup, tokens: tokens, log: log, sessions: map[string]*session{}}
}

// Sessions returns the ids of the live WHIP sessions of room slug.
func (s *Server) Sessions(slug string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, sess := range s.sessions {
		if sess.room == slug {
			out = append(out, id)
		}
	}
	return out
}

// grant checks the request's bearer token for room slug: known, not
// revoked, not expired, and issued for that room.
func (s *Server) grant(r *http.Request, slug string) (Token, Room, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return Token{}, Room{}, false
	}
	t, err := s.tokens.TokenByHash(r.Context(), hash(tok))
	if err != nil {
		if !errors.Is(err, ErrNoToken) {
			s.log.Error("whip token lookup", "err", err)
		}
		return Token{}, Room{}, false
	}
	if t.Revoked || !time.Now().Before(t.ExpiresAt) {
		return Token{}, Room{}, false
	}
	rm, err := s.lookup(r.Context(), slug)
	if err != nil || rm.ID != t.RoomID {
		return Token{}, Room{}, false
	}
	return t, rm, true
}

// Register adds the WHIP endpoints.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /whip/{room}", s.publish)
	mux.HandleFunc("DELETE /whip/{room}/{id}", s.end)
	mux.HandleFunc("PATCH /whip/{room}/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "DELETE")
		http.Error(w, "trickle ICE is not supported; the answer is complete", http.StatusMethodNotAllowed)
	})
	mux.HandleFunc("OPTIONS /whip/{room}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Accept-Post", "application/sdp")
		// The servers before the offer, for encoders that gather first;
		// relay credentials only to a caller with a valid token.
		if t, _, ok := s.grant(r, r.PathValue("room")); ok {
			s.linkICEServers(w.Header(), "whip-"+strconv.FormatInt(t.ID, 10))
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("room")
	t, rm, ok := s.grant(r, slug)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="confer whip"`)
		http.Error(w, "a valid bearer token for this room is required", http.StatusUnauthorized)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/sdp") {
		http.Error(w, "the body must be an SDP offer (application/sdp)", http.StatusUnsupportedMediaType)
		return
	}
	offer, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil || len(offer) == 0 || len(offer) > 64<<10 {
		http.Error(w, "offer missing or too large", http.StatusBadRequest)
		return
	}
	p, err := s.rooms.JoinPublisher(rm.Settings, t.Label)
	if errors.Is(err, room.ErrFull) {
		http.Error(w, "the room is full", http.StatusServiceUnavailable)
		return
	} else if err != nil {
		s.log.Error("whip join", "room", slug, "err", err)
		http.Error(w, "server error", http.StatusInternalServerError)
		return
	}
	answer, err := p.HandleOffer(string(offer))
	if err != nil {
		p.Leave()
		http.Error(w, "offer refused: "+err.Error(), http.StatusBadRequest)
		return
	}
	id := p.ID()
	s.mu.Lock()
	s.sessions[id] = &session{tokenID: t.ID, room: slug, p: p}
	s.mu.Unlock()
	go s.forget(id, p)
	s.log.Info("whip publishing", "room", slug, "participant", id, "label", t.Label, "grantedBy", t.CreatedBy)
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whip/"+slug+"/"+id)
	s.linkICEServers(w.Header(), id)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

func (s *Server) end(w http.ResponseWriter, r *http.Request) {
	slug, id := r.PathValue("room"), r.PathValue("id")
	t, _, ok := s.grant(r, slug)
	s.mu.Lock()
	sess := s.sessions[id]
	if ok && sess != nil && sess.tokenID == t.ID && sess.room == slug {
		delete(s.sessions, id)
	} else {
		sess = nil
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "a valid bearer token for this room is required", http.StatusUnauthorized)
		return
	}
	if sess == nil {
		http.Error(w, "no such WHIP session", http.StatusNotFound)
		return
	}
	sess.p.Leave()
	s.log.Info("whip ended", "room", slug, "participant", id)
	w.WriteHeader(http.StatusOK)
}

// linkICEServers adds one Link header a STUN/TURN URL (RFC 9725 §4.6).
func (s *Server) linkICEServers(h http.Header, user string) {
	if s.ICEServers == nil {
		return
	}
	quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace
	for _, srv := range s.ICEServers(user) {
		for _, u := range srv.URLs {
			v := "<" + u + `>; rel="ice-server"`
			if srv.Username != "" {
				v += `; username="` + quote(srv.Username) + `"; credential="` + quote(srv.Credential) + `"; credential-type="password"`
			}
			h.Add("Link", v)
		}
	}
}

// forget drops session id once its participant has left for any reason:
// a DELETE, a failed or closed connection, removal by a moderator, the
// meeting's end. Without it such sessions stayed listed for ever.
func (s *Server) forget(id string, p *room.Participant) {
	<-p.Done()
	s.mu.Lock()
	if sess := s.sessions[id]; sess != nil && sess.p == p {
		delete(s.sessions, id)
	}
	s.mu.Unlock()
}
