package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

// ConfirmTTL is how long a sign-up confirmation link works.
const ConfirmTTL = 48 * time.Hour

func (m *Manager) handleSignup(w http.ResponseWriter, r *http.Request) {
	if !m.d.SignupEnabled() {
		m.writeErr(w, directory.ErrSignupDisabled)
		return
	}
	if !CheckOrigin(r) {
		problem.Error(w, http.StatusForbidden, "csrf", "request from another site refused")
		return
	}
	var in struct{ Email, DisplayName, Password string }
	if err := DecodeJSON(r, &in); err != nil {
		problem.Error(w, http.StatusBadRequest, "bad-request", err.Error())
		return
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if !m.o.AddrLimiter.Allow(ClientIP(r)) || !m.o.AccountLimiter.Allow("signup:"+email) {
		problem.Error(w, http.StatusTooManyRequests, "too-many-attempts", "too many attempts; wait a minute")
		return
	}
	if strings.TrimSpace(in.DisplayName) == "" {
		problem.Error(w, http.StatusBadRequest, "invalid", "display name: must not be empty")
		return
	}
	if err := m.signup(r.Context(), email, in.DisplayName, in.Password, m.BaseURL(r)); err != nil {
		m.writeErr(w, err)
		return
	}
	// The same answer whether or not the address already had an account,
	// so sign-up cannot be used to probe who is registered.
	problem.JSON(w, http.StatusAccepted, map[string]string{"status": "check your email"})
}

func (m *Manager) signup(ctx context.Context, email, name, pw, base string) error {
	a, err := m.d.SignUp(ctx, email, name, pw)
	if errors.Is(err, store.ErrConflict) {
		old, lerr := m.st.AccountByEmail(ctx, email)
		if lerr != nil || old.Kind != store.AccountPersonal || old.EmailConfirmed {
			m.log.Info("sign-up for an existing account ignored", "email", email)
			return nil
		}
		// Unconfirmed sign-up again: whoever holds the mailbox wins.
		if err := m.d.SetPassword(ctx, old.ID, pw, 0); err != nil {
			return err
		}
		a, err = old, nil
	}
	if err != nil {
		return err
	}
	secret, err := m.d.IssueOneTimeToken(ctx, a.ID, store.PurposeConfirmEmail, ConfirmTTL)
	if err != nil {
		return fmt.Errorf("confirmation link: %w", err)
	}
	link := base + "/signup#token=" + secret
	body := "Hello " + a.DisplayName + ",\n\nto activate your confer account open this link within 48 hours:\n\n" + link +
		"\n\nIf you did not ask for an account, ignore this message.\n\n" +
		"Per attivare il tuo account confer apri questo link entro 48 ore. Se non hai chiesto un account, ignora questo messaggio.\n"
	if err := m.o.Mailer.Send(ctx, a.Email, "Confirm your confer account / Conferma il tuo account confer", body); err != nil {
		return fmt.Errorf("send confirmation: %w", err)
	}
	return nil
}

func (m *Manager) handleConfirm(w http.ResponseWriter, r *http.Request) {
	if !m.d.SignupEnabled() {
		m.writeErr(w, directory.ErrSignupDisabled)
		return
	}
	if !CheckOrigin(r) {
		problem.Error(w, http.StatusForbidden, "csrf", "request from another site refused")
		return
	}
	var in struct{ Token string }
	if err := DecodeJSON(r, &in); err != nil {
		problem.Error(w, http.StatusBadRequest, "bad-request", err.Error())
		return
	}
	ctx := r.Context()
	a, err := m.d.ConfirmEmail(ctx, in.Token)
	if err == nil {
		err = m.d.CheckCanSignIn(ctx, a, m.o.Now())
	}
	if err != nil {
		m.writeErr(w, err)
		return
	}
	p, err := m.StartSession(w, r, a)
	if err != nil {
		m.writeErr(w, err)
		return
	}
	m.log.Info("personal account confirmed", "account", a.ID)
	problem.JSON(w, http.StatusOK, MeOf(p))
}
