// Package login signs people in: email + password against argon2id hashes,
// server-side sessions behind the confer_session cookie (only hashes are
// stored), personal API tokens, CSRF and Origin checks for cookie writes,
// admin-issued password reset links and self-service sign-up.
package login

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/ratelimit"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
)

// CookieName is the session cookie.
const CookieName = "confer_session"

// ErrNoCredentials: the request carries no session cookie or token, or
// one that is unknown, expired or revoked.
var ErrNoCredentials = errors.New("not signed in")

// Options configure a Manager.
type Options struct {
	Directory *directory.Directory
	Logger    *slog.Logger
	// Secure marks cookies Secure; the app sets it when it serves TLS.
	Secure bool
	// SessionTTL is the sliding session lifetime (default 14 days).
	SessionTTL time.Duration
	// Mailer sends confirmation links; nil logs them.
	Mailer Mailer
	// Limits: per remote address and per account email. nil: this
	// process's own, with the defaults below; a multi-node deployment
	// gives limits its nodes share.
	AddrLimiter    Limiter
	AccountLimiter Limiter
	Now            func() time.Time
	// PublicURL, when set, is the base of links (reset, confirmation)
	// instead of the request's host, which behind a proxy may be internal.
	PublicURL string
}

// Limiter takes one attempt for a key and says whether it is allowed
// (ratelimit.Limiter; cluster.Limiter across nodes).
type Limiter interface {
	Allow(key string) bool
}

// The default limits: sign-in attempts per address (20 at once, then one
// every 6 s) and per account (6, then one every 30 s).
const (
	AddrEvery    = 6 * time.Second
	AddrBurst    = 20
	AccountEvery = 30 * time.Second
	AccountBurst = 6
)

// Manager is safe for concurrent use.
type Manager struct {
	o   Options
	d   *directory.Directory
	st  store.Store
	log *slog.Logger
}

// New returns a Manager.
func New(o Options) *Manager {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 14 * 24 * time.Hour
	}
	if o.Mailer == nil {
		o.Mailer = LogMailer{Log: o.Logger}
	}
	if o.AddrLimiter == nil {
		o.AddrLimiter = ratelimit.New(AddrEvery, AddrBurst)
	}
	if o.AccountLimiter == nil {
		o.AccountLimiter = ratelimit.New(AccountEvery, AccountBurst)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Manager{o: o, d: o.Directory, st: o.Directory.Store(), log: o.Logger}
}

// Principal is an authenticated requester with a fresh copy of its account.
type Principal struct {
	Account store.Account
	Session store.Session  // ID 0 when authenticated by token
	Token   store.APIToken // ID 0 when authenticated by cookie
	secret  string
}

// ViaToken reports whether the request used an API token (no CSRF needed:
// browsers never attach it on their own).
func (p *Principal) ViaToken() bool { return p.Token.ID != 0 }

// CSRFToken is the value cookie-authenticated writes must send in the
// X-CSRF-Token header. It is derived from the session secret, so nothing
// more is stored and it changes with every session.
func (p *Principal) CSRFToken() string {
	if p.secret == "" || p.ViaToken() {
		return ""
	}
	return csrfFor(p.secret)
}

// HasScope reports whether the requester may act with scope s. Sessions
// have every scope; token scopes nest: admin ⊃ write ⊃ read.
func (p *Principal) HasScope(s string) bool {
	if !p.ViaToken() {
		return true
	}
	rank := map[string]int{"read": 1, "write": 2, "admin": 3}
	best := 0
	for _, g := range strings.Fields(p.Token.Scopes) {
		best = max(best, rank[g])
	}
	return rank[s] > 0 && best >= rank[s]
}

// Identity is the signalling view of the principal.
func (p *Principal) Identity() signal.Identity {
	return signal.Identity{AccountID: p.Account.ID, DisplayName: p.Account.DisplayName}
}

func csrfFor(secret string) string {
	sum := sha256.Sum256([]byte("confer-csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Authenticate finds who sent r: an API token (Authorization: Bearer
// cft_…) or the session cookie. It returns ErrNoCredentials or a
// *directory.AccessError (the account may not be used now).
func (m *Manager) Authenticate(r *http.Request) (*Principal, error) {
	ctx := r.Context()
	now := m.o.Now()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, ErrNoCredentials
		}
		a, t, err := m.d.AuthenticateAPIToken(ctx, strings.TrimSpace(tok), now)
		switch {
		case errors.Is(err, directory.ErrBadToken), errors.Is(err, store.ErrNotFound):
			return nil, ErrNoCredentials
		case err != nil:
			return nil, err
		}
		return &Principal{Account: a, Token: t}, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, ErrNoCredentials
	}
	s, err := m.st.SessionByHash(ctx, auth.HashToken(c.Value), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	a, err := m.st.AccountByID(ctx, s.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	if err := m.d.CheckCanSignIn(ctx, a, now); err != nil {
		return nil, err
	}
	// Slide the expiry, but write at most every few minutes.
	if now.Sub(s.LastSeen) > 5*time.Minute {
		if err := m.st.TouchSession(ctx, s.ID, now, now.Add(m.o.SessionTTL)); err != nil {
			m.log.Warn("touch session", "err", err)
		}
	}
	return &Principal{Account: a, Session: s, secret: c.Value}, nil
}

// Identify is httpapi's hook: the signed-in account of r, or a guest.
func (m *Manager) Identify(r *http.Request) signal.Identity {
	p, err := m.Authenticate(r)
	if err != nil {
		return signal.Identity{}
	}
	return p.Identity()
}

// StartSession creates a session for a and sets the cookie.
func (m *Manager) StartSession(w http.ResponseWriter, r *http.Request, a store.Account) (*Principal, error) {
	secret, hash := auth.NewToken("")
	now := m.o.Now()
	ua := r.UserAgent()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	s, err := m.st.CreateSession(r.Context(), store.Session{
		Hash: hash, AccountID: a.ID, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(m.o.SessionTTL), UserAgent: ua, IP: ClientIP(r),
	})
	if err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	m.setCookie(w, r, secret, int(m.o.SessionTTL/time.Second))
	return &Principal{Account: a, Session: s, secret: secret}, nil
}

func (m *Manager) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.secure(r),
	})
}

// secure: TLS served by us, or terminated by a proxy that says so (only
// used to mark cookies Secure, so trusting the header costs nothing).
func (m *Manager) secure(r *http.Request) bool {
	return m.o.Secure || r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// BaseURL is Options.PublicURL, else the scheme://host the request
// reached, for emailed links.
func (m *Manager) BaseURL(r *http.Request) string {
	if m.o.PublicURL != "" {
		return m.o.PublicURL
	}
	scheme := "http"
	if m.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ClientIP is the remote address without the port.
func ClientIP(r *http.Request) string {
	addr := r.RemoteAddr
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

func equalSecret(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
