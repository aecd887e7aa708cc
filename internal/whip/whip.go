// Package whip lets an encoder (OBS Studio, ffmpeg, a lecture-hall
// camera) publish into a meeting with WHIP (RFC 9725): POST an SDP offer
// to /whip/{room} with a bearer token a host created, get the answer and
// a resource URL; DELETE that URL to stop. The encoder appears in the
// meeting as a participant named after the token's label; its tracks are
// "media". Trickle ICE (PATCH) is not supported: the answer is complete.
package whip

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/room"
)

// Grant is what a token allows: publishing into Room as Label.
type Grant struct {
	Room    string
	Label   string
	By      string // name of the host who created it
	Expires time.Time
}

// Lookup returns the settings of a permanent room (capacity, title).
type Lookup func(ctx context.Context, slug string) (room.Settings, error)

// Server keeps tokens and live WHIP sessions in memory.
type Server struct {
	rooms  *room.Manager
	lookup Lookup
	log    *slog.Logger

	mu       sync.Mutex
	tokens   map[string]Grant // by SHA-256 of the token
	sessions map[string]*session
}

type session struct {
	tokenHash string
	room      string
	p         *room.Participant
}

// New returns a WHIP server publishing into rooms.
func New(rooms *room.Manager, lookup Lookup, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{rooms: rooms, lookup: lookup, log: log, tokens: map[string]Grant{}, sessions: map[string]*session{}}
}

// CreateToken issues a bearer token for room, valid for ttl.
func (s *Server) CreateToken(g Grant, ttl time.Duration) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := "cwhip_" + base64.RawURLEncoding.EncodeToString(b)
	g.Expires = time.Now().Add(ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, old := range s.tokens { // forget expired ones
		if time.Now().After(old.Expires) {
			delete(s.tokens, h)
		}
	}
	s.tokens[hash(tok)] = g
	return tok
}

func hash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// grant checks the request's bearer token for room.
func (s *Server) grant(r *http.Request, roomSlug string) (string, Grant, bool) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		return "", Grant{}, false
	}
	h := hash(strings.TrimSpace(tok))
	s.mu.Lock()
	g, found := s.tokens[h]
	s.mu.Unlock()
	if !found || time.Now().After(g.Expires) || subtle.ConstantTimeCompare([]byte(g.Room), []byte(roomSlug)) != 1 {
		return "", Grant{}, false
	}
	return h, g, true
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
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("room")
	th, g, ok := s.grant(r, slug)
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
	settings, err := s.lookup(r.Context(), slug)
	if err != nil {
		http.Error(w, "room not available", http.StatusNotFound)
		return
	}
	p, err := s.rooms.JoinPublisher(settings, g.Label)
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
	s.sessions[id] = &session{tokenHash: th, room: slug, p: p}
	s.mu.Unlock()
	s.log.Info("whip publishing", "room", slug, "participant", id, "label", g.Label, "grantedBy", g.By)
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whip/"+slug+"/"+id)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

func (s *Server) end(w http.ResponseWriter, r *http.Request) {
	slug, id := r.PathValue("room"), r.PathValue("id")
	th, _, ok := s.grant(r, slug)
	s.mu.Lock()
	sess := s.sessions[id]
	if ok && sess != nil && sess.tokenHash == th && sess.room == slug {
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
