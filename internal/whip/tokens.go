package whip

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sort"
	"sync"
	"time"
)

// ErrNoToken: no token with that hash or id (in that room).
var ErrNoToken = errors.New("no such WHIP token")

// Token is a stored encoder token. Only the SHA-256 of the secret is kept,
// so a copy of the database publishes nothing.
type Token struct {
	ID        int64
	Hash      string // hex SHA-256 of the bearer token
	RoomID    int64
	Label     string
	CreatedBy string // name of the host or moderator
	CreatedAt time.Time
	ExpiresAt time.Time
	Revoked   bool
}

// TokenStore keeps tokens across restarts (SQL in package whipsql; the
// store backends hand it out as WHIPTokens()).
type TokenStore interface {
	CreateToken(ctx context.Context, t Token) (int64, error)
	// TokenByHash returns ErrNoToken when none has that hash.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// ListTokens returns a room's tokens, newest first, expired ones too.
	ListTokens(ctx context.Context, roomID int64) ([]Token, error)
	// RevokeToken returns ErrNoToken unless token id belongs to roomID.
	RevokeToken(ctx context.Context, roomID, id int64) error
}

// Grant is what a new token allows: publishing into a room as Label.
type Grant struct {
	Room  string // slug
	Label string
	By    string // name of the host who created it
}

// CreateToken issues a bearer token for g.Room, valid for ttl; the secret
// is returned once and never stored.
func (s *Server) CreateToken(ctx context.Context, g Grant, ttl time.Duration) (string, Token, error) {
	rm, err := s.lookup(ctx, g.Room)
	if err != nil {
		return "", Token{}, err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := "cwhip_" + base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC().Truncate(time.Second)
	t := Token{Hash: hash(tok), RoomID: rm.ID, Label: g.Label, CreatedBy: g.By, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if t.ID, err = s.tokens.CreateToken(ctx, t); err != nil {
		return "", Token{}, err
	}
	return tok, t, nil
}

// ListTokens returns the tokens of room slug, newest first.
func (s *Server) ListTokens(ctx context.Context, slug string) ([]Token, error) {
	rm, err := s.lookup(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.tokens.ListTokens(ctx, rm.ID)
}

// RevokeToken revokes token id of room slug and ends the encoders
// publishing with it.
func (s *Server) RevokeToken(ctx context.Context, slug string, id int64) error {
	rm, err := s.lookup(ctx, slug)
	if err != nil {
		return err
	}
	if err := s.tokens.RevokeToken(ctx, rm.ID, id); err != nil {
		return err
	}
	s.mu.Lock()
	var end []*session
	for _, sess := range s.sessions {
		if sess.tokenID == id && sess.room == slug {
			end = append(end, sess)
		}
	}
	s.mu.Unlock()
	for _, sess := range end {
		sess.p.Leave() // the watcher forgets the session
	}
	return nil
}

func hash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// memTokens keeps tokens in memory, for a Server built without a store.
type memTokens struct {
	mu     sync.Mutex
	seq    int64
	tokens map[int64]Token
}

func newMemTokens() *memTokens { return &memTokens{tokens: map[int64]Token{}} }

func (m *memTokens) CreateToken(_ context.Context, t Token) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	t.ID = m.seq
	m.tokens[t.ID] = t
	return t.ID, nil
}

func (m *memTokens) TokenByHash(_ context.Context, h string) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.tokens {
		if t.Hash == h {
			return t, nil
		}
	}
	return Token{}, ErrNoToken
}

func (m *memTokens) ListTokens(_ context.Context, roomID int64) ([]Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Token
	for _, t := range m.tokens {
		if t.RoomID == roomID {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func (m *memTokens) RevokeToken(_ context.Context, roomID, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok || t.RoomID != roomID {
		return ErrNoToken
	}
	t.Revoked = true
	m.tokens[id] = t
	return nil
}
