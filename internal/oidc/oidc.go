// Package oidc signs people in through an OpenID Connect provider
// (Keycloak, Azure AD, regional identity gateways): authorization code
// flow with PKCE, state and nonce, then the email claim is mapped to a
// confer account, which may be created as a personal account for allowed
// email domains.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/store"
)

// Config names the provider. Domains lists email domains whose unknown
// users get a personal account on first sign-in; empty: nobody new.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Name         string // shown on the button, e.g. "Regione SSO"
	Domains      []string
	// TrustEmail: an email claim without email_verified counts as
	// verified (providers such as Azure AD omit the claim).
	TrustEmail bool
}

// Enabled reports whether SSO is configured.
func (c Config) Enabled() bool { return c.Issuer != "" && c.ClientID != "" }

// Provider runs the sign-in flow. Discovery happens on first use, so
// confer starts even while the identity provider is unreachable.
type Provider struct {
	cfg Config
	d   *directory.Directory
	lg  *login.Manager
	log *slog.Logger

	mu       sync.Mutex
	provider *gooidc.Provider
}

// New returns a Provider.
func New(cfg Config, d *directory.Directory, lg *login.Manager, log *slog.Logger) *Provider {
	if log == nil {
		log = slog.Default()
	}
	if cfg.Name == "" {
		cfg.Name = "SSO"
	}
	return &Provider{cfg: cfg, d: d, lg: lg, log: log}
}

// Name is the label of the sign-in button.
func (p *Provider) Name() string { return p.cfg.Name }

// Register adds the flow's two routes.
func (p *Provider) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /login/oidc", p.start)
	mux.HandleFunc("GET /login/oidc/callback", p.callback)
}

func (p *Provider) discover(ctx context.Context) (*gooidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	pr, err := gooidc.NewProvider(context.WithoutCancel(ctx), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery %s: %w", p.cfg.Issuer, err)
	}
	p.provider = pr
	return pr, nil
}

func (p *Provider) oauth(r *http.Request, pr *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: pr.Endpoint(),
		RedirectURL: p.lg.BaseURL(r) + "/login/oidc/callback",
		Scopes:      []string{gooidc.ScopeOpenID, "email", "profile"},
	}
}

const flowCookie = "confer_oidc"

func (p *Provider) start(w http.ResponseWriter, r *http.Request) {
	pr, err := p.discover(r.Context())
	if err != nil {
		p.log.Error("sso", "err", err)
		fail(w, r, "sso-unavailable", "")
		return
	}
	state, _ := auth.NewToken("")
	nonce, _ := auth.NewToken("")
	verifier := oauth2.GenerateVerifier()
	// The flow's secrets wait in a short-lived cookie scoped to the
	// callback; SameSite=Lax still sends it on the provider's redirect.
	http.SetCookie(w, &http.Cookie{
		Name: flowCookie, Value: state + "." + nonce + "." + verifier, Path: "/login/oidc",
		MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(p.lg.BaseURL(r), "https:"),
	})
	u := p.oauth(r, pr).AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	http.Redirect(w, r, u, http.StatusFound)
}

// fail sends the browser back to the sign-in page, which explains code.
func fail(w http.ResponseWriter, r *http.Request, code, contact string) {
	v := url.Values{"sso-error": {code}}
	if contact != "" {
		v.Set("contact", contact)
	}
	http.Redirect(w, r, "/login#"+v.Encode(), http.StatusSeeOther)
}

type claims struct {
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	Name          string `json:"name"`
	Username      string `json:"preferred_username"`
}

func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := r.Cookie(flowCookie)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Path: "/login/oidc", MaxAge: -1})
	parts := strings.Split(valueOf(c, err), ".")
	q := r.URL.Query()
	if len(parts) != 3 || q.Get("state") == "" || q.Get("state") != parts[0] {
		fail(w, r, "sso-failed", "")
		return
	}
	if e := q.Get("error"); e != "" {
		p.log.Info("sso refused by provider", "error", e, "description", q.Get("error_description"))
		fail(w, r, "sso-failed", "")
		return
	}
	pr, err := p.discover(ctx)
	if err != nil {
		p.log.Error("sso", "err", err)
		fail(w, r, "sso-unavailable", "")
		return
	}
	tok, err := p.oauth(r, pr).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		p.log.Warn("sso code exchange", "err", err)
		fail(w, r, "sso-failed", "")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := pr.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID}).Verify(ctx, raw)
	if err != nil || idt.Nonce != parts[1] {
		p.log.Warn("sso id token", "err", err)
		fail(w, r, "sso-failed", "")
		return
	}
	var cl claims
	if err := idt.Claims(&cl); err != nil {
		p.log.Warn("sso claims", "err", err)
		fail(w, r, "sso-failed", "")
		return
	}
	a, err := p.account(ctx, idt.Issuer, idt.Subject, cl)
	var ae *directory.AccessError
	switch {
	case errors.As(err, &ae):
		fail(w, r, ae.Reason, ae.Contact)
		return
	case errors.Is(err, errNoAccount):
		fail(w, r, "sso-no-account", "")
		return
	case err != nil:
		p.log.Error("sso account", "err", err)
		fail(w, r, "sso-failed", "")
		return
	}
	if _, err := p.lg.StartSession(w, r, a); err != nil {
		p.log.Error("sso session", "err", err)
		fail(w, r, "sso-failed", "")
		return
	}
	p.log.Info("signed in with SSO", "account", a.ID)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func valueOf(c *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return c.Value
}

var errNoAccount = errors.New("no account for this identity")

// account maps an identity to an account: by SSO identity, else by
// verified email (linking the identity), else a new personal account when
// the email's domain is allowed. It returns an *AccessError for accounts
// that may not sign in now.
func (p *Provider) account(ctx context.Context, issuer, subject string, cl claims) (store.Account, error) {
	st := p.d.Store()
	now := time.Now()
	a, err := st.AccountBySSO(ctx, issuer, subject)
	if err == nil {
		return a, p.d.CheckCanSignIn(ctx, a, now)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return a, err
	}
	email, err := directory.NormEmail(cl.Email)
	// Only an address the provider vouches for may claim or create an
	// account; a provider that omits email_verified gets identity links
	// only for accounts already linked, unless the operator trusts the
	// emails of this (the configured, token-verified) issuer.
	verified := cl.EmailVerified != nil && *cl.EmailVerified ||
		cl.EmailVerified == nil && p.cfg.TrustEmail && issuer == p.cfg.Issuer
	if err != nil || !verified {
		return a, errNoAccount
	}
	a, err = p.d.AccountByEmail(ctx, email)
	switch {
	case err == nil:
		if a.SSOSubject != "" {
			return a, errNoAccount // linked to another identity already
		}
		if err := p.d.CheckCanSignIn(ctx, a, now); err != nil {
			return a, err
		}
		return p.d.EditAccount(ctx, email, func(a *store.Account) error {
			a.SSOIssuer, a.SSOSubject, a.EmailConfirmed = issuer, subject, true
			return nil
		})
	case !errors.Is(err, store.ErrNotFound):
		return a, err
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	if !slices.Contains(p.cfg.Domains, domain) {
		return a, errNoAccount
	}
	name := cl.Name
	if name == "" {
		name = cl.Username
	}
	a, err = p.d.CreateAccount(ctx, store.Account{Email: email, DisplayName: name, Kind: store.AccountPersonal,
		SSOIssuer: issuer, SSOSubject: subject, EmailConfirmed: true}, "")
	if err != nil {
		return a, fmt.Errorf("create personal account: %w", err)
	}
	p.log.Info("personal account created by SSO", "account", a.ID)
	return a, p.d.CheckCanSignIn(ctx, a, now)
}
