package oidc_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/store"
)

// TestSSO signs in through a real OIDC provider on loopback: an existing
// account is found by its email and linked, an unknown user of an allowed
// domain gets a personal account, and others are turned away.
func TestSSO(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	cfg := m.Config()
	a, base := apptest.StartWith(t, app.Options{OIDC: config.OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID,
		ClientSecret: cfg.ClientSecret, Name: "Test SSO", Domains: []string{"newcomers.example"}}})
	apptest.AddOrg(t, a, "clinic", "Clinic")
	existing := apptest.AddAccount(t, a, "jane.doe@example.com", "clinic", store.RoleHost, "")

	// Existing account, matched by email, then by the linked identity.
	for range 2 {
		m.QueueUser(mockoidc.DefaultUser())
		c, final := ssoLogin(t, base)
		if !strings.HasSuffix(final.Path, "/account") {
			t.Fatalf("landed on %s", final)
		}
		var me struct{ ID int64 }
		if st, body := c.Do("GET", "/api/v1/me", nil, &me); st != 200 || me.ID != existing.ID {
			t.Fatalf("me after SSO = %d %s", st, body)
		}
	}
	linked, _ := a.Store.AccountByID(context.Background(), existing.ID)
	if linked.SSOSubject != mockoidc.DefaultUser().Subject {
		t.Errorf("identity not linked: %+v", linked)
	}

	// New person of an allowed domain: personal account and room at once.
	m.QueueUser(&mockoidc.MockUser{Subject: "new-1", Email: "nora@newcomers.example", EmailVerified: true, PreferredUsername: "Nora"})
	c, final := ssoLogin(t, base)
	if !strings.HasSuffix(final.Path, "/account") {
		t.Fatalf("newcomer landed on %s", final)
	}
	var rooms struct{ Items []struct{ Slug string } }
	if st, body := c.Do("GET", "/api/v1/me/rooms", nil, &rooms); st != 200 || len(rooms.Items) != 1 {
		t.Errorf("newcomer's rooms = %d %s", st, body)
	}

	// Unknown domain, unverified email, suspended account: turned away.
	m.QueueUser(&mockoidc.MockUser{Subject: "x", Email: "eve@elsewhere.example", EmailVerified: true})
	if _, final := ssoLogin(t, base); !strings.Contains(final.Fragment, "sso-error=sso-no-account") {
		t.Errorf("unknown domain landed on %s", final)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "y", Email: "nobody@newcomers.example", EmailVerified: false})
	if _, final := ssoLogin(t, base); !strings.Contains(final.Fragment, "sso-error=sso-no-account") {
		t.Errorf("unverified email landed on %s", final)
	}
	if _, err := a.Directory.SetAccountStatus(context.Background(), existing.Email, store.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	m.QueueUser(mockoidc.DefaultUser())
	if _, final := ssoLogin(t, base); !strings.Contains(final.Fragment, "sso-error=suspended") || !strings.Contains(final.Fragment, "contact=") {
		t.Errorf("suspended account landed on %s", final)
	}
	var cfgOut struct{ SSO bool }
	if apptest.Anonymous(t, base).Do("GET", "/api/v1/auth/config", nil, &cfgOut); !cfgOut.SSO {
		t.Error("auth config does not offer SSO")
	}
}

// ssoLogin follows the whole redirect chain as a browser would and
// returns the client (with its session cookie) and the final URL.
func ssoLogin(t *testing.T, base string) (*apptest.Client, *url.URL) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := apptest.Anonymous(t, base)
	c.HTTP = &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := c.HTTP.Get(base + "/login/oidc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var me struct{ CSRFToken string }
	if st, _ := c.Do("GET", "/api/v1/me", nil, &me); st == 200 {
		c.CSRF = me.CSRFToken
	}
	return c, resp.Request.URL
}
