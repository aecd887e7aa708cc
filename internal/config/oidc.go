package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Sign-in settings read from the environment only (the serve flags are
// fixed by config.go): single sign-on and the mail server for sign-up
// confirmation links.

// OIDC configures single sign-on; Issuer empty means off.
type OIDC struct {
	Issuer       string   // CONFER_OIDC_ISSUER, e.g. https://sso.example.org/realms/pa
	ClientID     string   // CONFER_OIDC_CLIENT_ID
	ClientSecret string   // CONFER_OIDC_CLIENT_SECRET
	Name         string   // CONFER_OIDC_NAME, the sign-in button's label
	Domains      []string // CONFER_OIDC_DOMAINS: comma-separated email domains that get personal accounts
	// TrustEmail (CONFER_OIDC_TRUST_EMAIL=true) accepts this issuer's email
	// claim when it carries no email_verified (Azure AD omits it); an
	// explicit email_verified=false is still refused.
	TrustEmail bool
}

// SMTP configures outgoing mail; Addr empty means links go to the log.
type SMTP struct {
	Addr     string // CONFER_SMTP_ADDR host:port
	From     string // CONFER_SMTP_FROM
	Username string // CONFER_SMTP_USERNAME
	Password string // CONFER_SMTP_PASSWORD
}

// OIDCFromEnv reads the CONFER_OIDC_* variables.
func OIDCFromEnv(getenv func(string) string) (OIDC, error) {
	o := OIDC{
		Issuer: strings.TrimSpace(getenv("CONFER_OIDC_ISSUER")), ClientID: strings.TrimSpace(getenv("CONFER_OIDC_CLIENT_ID")),
		ClientSecret: getenv("CONFER_OIDC_CLIENT_SECRET"), Name: strings.TrimSpace(getenv("CONFER_OIDC_NAME")),
	}
	for _, d := range strings.Split(getenv("CONFER_OIDC_DOMAINS"), ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			o.Domains = append(o.Domains, d)
		}
	}
	if v := strings.TrimSpace(getenv("CONFER_OIDC_TRUST_EMAIL")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return OIDC{}, fmt.Errorf("CONFER_OIDC_TRUST_EMAIL %q: want true or false", v)
		}
		o.TrustEmail = b
	}
	if o.Issuer == "" {
		return OIDC{}, nil
	}
	if u, err := url.Parse(o.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return OIDC{}, fmt.Errorf("CONFER_OIDC_ISSUER %q: want an https:// URL", o.Issuer)
	}
	if o.ClientID == "" {
		return OIDC{}, fmt.Errorf("CONFER_OIDC_ISSUER is set but CONFER_OIDC_CLIENT_ID is not")
	}
	return o, nil
}

// SMTPFromEnv reads the CONFER_SMTP_* variables.
func SMTPFromEnv(getenv func(string) string) (SMTP, error) {
	s := SMTP{Addr: strings.TrimSpace(getenv("CONFER_SMTP_ADDR")), From: strings.TrimSpace(getenv("CONFER_SMTP_FROM")),
		Username: getenv("CONFER_SMTP_USERNAME"), Password: getenv("CONFER_SMTP_PASSWORD")}
	if s.Addr == "" {
		return SMTP{}, nil
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return SMTP{}, fmt.Errorf("CONFER_SMTP_ADDR %q: want host:port", s.Addr)
	}
	if s.From == "" {
		return SMTP{}, fmt.Errorf("CONFER_SMTP_ADDR is set but CONFER_SMTP_FROM is not")
	}
	return s, nil
}
