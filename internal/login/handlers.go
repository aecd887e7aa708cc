package login

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

// HandleFunc registers one route (the API records them for its OpenAPI
// check).
type HandleFunc func(pattern string, h http.HandlerFunc)

// Register adds the sign-in endpoints.
func (m *Manager) Register(handle HandleFunc) {
	handle("POST /api/v1/auth/login", m.handleLogin)
	handle("POST /api/v1/auth/logout", m.handleLogout)
	handle("POST /api/v1/auth/reset", m.handleReset)
	handle("POST /api/v1/auth/signup", m.handleSignup)
	handle("POST /api/v1/auth/signup/confirm", m.handleConfirm)
}

// Me is the signed-in account as the sign-in endpoints return it.
type Me struct {
	ID          int64  `json:"id"`
	Email       string `json:"email"`
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
	Kind        string `json:"kind"`
	Org         string `json:"org,omitempty"`
	ValidUntil  string `json:"validUntil,omitempty"`
	HasPassword bool   `json:"hasPassword"`
	CSRFToken   string `json:"csrfToken,omitempty"`
}

// MeOf describes p for the UI.
func MeOf(p *Principal) Me {
	a := p.Account
	me := Me{ID: a.ID, Email: a.Email, DisplayName: a.DisplayName, Role: a.Role, Kind: a.Kind,
		Org: a.OrgSlug, HasPassword: a.PasswordHash != "", CSRFToken: p.CSRFToken()}
	if !a.ValidUntil.IsZero() {
		me.ValidUntil = a.ValidUntil.Format(time.DateOnly)
	}
	return me
}

// DecodeJSON reads a small JSON body into v.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// WriteAccessError answers 403 with why the account is refused and whom
// to ask.
func WriteAccessError(w http.ResponseWriter, e *directory.AccessError) {
	problem.Write(w, problem.Problem{Status: http.StatusForbidden, Title: "account not usable",
		Code: e.Reason, Detail: e.Error(), Contact: e.Contact})
}

// writeErr maps directory errors to problems.
func (m *Manager) writeErr(w http.ResponseWriter, err error) {
	var ae *directory.AccessError
	var ve *directory.ValidationError
	switch {
	case errors.As(err, &ae):
		WriteAccessError(w, ae)
	case errors.Is(err, directory.ErrBadCredentials):
		problem.Error(w, http.StatusUnauthorized, "bad-credentials", "wrong email or password")
	case errors.Is(err, directory.ErrBadToken):
		problem.Error(w, http.StatusBadRequest, "bad-link", "this link is unknown, used or expired")
	case errors.Is(err, directory.ErrSignupDisabled):
		problem.Error(w, http.StatusNotFound, "signup-disabled", err.Error())
	case errors.As(err, &ve):
		problem.Error(w, http.StatusBadRequest, "invalid", err.Error())
	default:
		m.log.Error("sign-in", "err", err)
		problem.Error(w, http.StatusInternalServerError, "internal", "")
	}
}

func (m *Manager) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !CheckOrigin(r) {
		problem.Error(w, http.StatusForbidden, "csrf", "request from another site refused")
		return
	}
	var in struct{ Email, Password string }
	if err := DecodeJSON(r, &in); err != nil {
		problem.Error(w, http.StatusBadRequest, "bad-request", err.Error())
		return
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if !m.o.AddrLimiter.Allow(ClientIP(r)) || !m.o.AccountLimiter.Allow(email) {
		w.Header().Set("Retry-After", "30")
		problem.Error(w, http.StatusTooManyRequests, "too-many-attempts", "too many sign-in attempts; wait a minute and try again")
		return
	}
	a, err := m.d.Authenticate(r.Context(), email, in.Password, m.o.Now())
	if err != nil {
		m.writeErr(w, err)
		return
	}
	p, err := m.StartSession(w, r, a)
	if err != nil {
		m.writeErr(w, err)
		return
	}
	m.log.Info("signed in", "account", a.ID, "ip", ClientIP(r))
	problem.JSON(w, http.StatusOK, MeOf(p))
}

func (m *Manager) handleLogout(w http.ResponseWriter, r *http.Request) {
	p, err := m.Authenticate(r)
	if err == nil && !p.ViaToken() {
		if !CheckCSRF(r, p) {
			problem.Error(w, http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token")
			return
		}
		if err := m.st.DeleteSession(r.Context(), p.Account.ID, p.Session.ID); err != nil {
			m.log.Error("logout", "err", err)
		}
	}
	m.setCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

// ErrWrongPassword: the current password given to ChangePassword is wrong.
var ErrWrongPassword = errors.New("the current password is wrong")

// ChangePassword checks the current password (when the account has one),
// sets the new one and signs the account out everywhere else.
func (m *Manager) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	if p.Account.PasswordHash != "" {
		ok, err := auth.VerifyPassword(p.Account.PasswordHash, current)
		if err != nil || !ok {
			return ErrWrongPassword
		}
	}
	return m.d.SetPassword(ctx, p.Account.ID, next, p.Session.ID)
}

// ResetTTL is how long an admin-issued reset link works.
const ResetTTL = 72 * time.Hour

// IssueResetLink creates a one-time password reset link for an account.
// The secret travels in the fragment, so it never reaches server logs or
// Referer headers.
func (m *Manager) IssueResetLink(ctx context.Context, accountID int64, base string) (string, error) {
	secret, err := m.d.IssueOneTimeToken(ctx, accountID, store.PurposePasswordReset, ResetTTL)
	if err != nil {
		return "", fmt.Errorf("reset link: %w", err)
	}
	return ResetLink(base, secret), nil
}

// ResetLink is the reset page's address under base for a reset secret
// (also used by `confer admin account reset-link`).
func ResetLink(base, secret string) string {
	return strings.TrimRight(base, "/") + "/reset#token=" + secret
}

func (m *Manager) handleReset(w http.ResponseWriter, r *http.Request) {
	if !CheckOrigin(r) {
		problem.Error(w, http.StatusForbidden, "csrf", "request from another site refused")
		return
	}
	if !m.o.AddrLimiter.Allow(ClientIP(r)) {
		problem.Error(w, http.StatusTooManyRequests, "too-many-attempts", "too many attempts; wait a minute")
		return
	}
	var in struct{ Token, Password string }
	if err := DecodeJSON(r, &in); err != nil {
		problem.Error(w, http.StatusBadRequest, "bad-request", err.Error())
		return
	}
	a, err := m.d.ResetPassword(r.Context(), in.Token, in.Password)
	if err != nil {
		m.writeErr(w, err)
		return
	}
	m.log.Info("password reset", "account", a.ID)
	w.WriteHeader(http.StatusNoContent)
}
