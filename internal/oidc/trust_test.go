package oidc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/store"
)

// azureUser is an identity whose tokens carry an email and, unless
// verified is nil, email_verified (Azure AD omits it; mockoidc's MockUser
// cannot send an explicit false, which it drops as empty).
type azureUser struct {
	sub, email string
	verified   *bool
}

func (u azureUser) ID() string { return u.sub }

func (u azureUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]string{"sub": u.sub, "email": u.email})
}

func (u azureUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &struct {
		*mockoidc.IDTokenClaims
		Email    string `json:"email"`
		Verified *bool  `json:"email_verified,omitempty"`
		Name     string `json:"name"`
	}{base, u.email, u.verified, "Azure Person"}, nil
}

// TestSSOTrustEmail: without CONFER_OIDC_TRUST_EMAIL an email claim lacking
// email_verified matches no account; with it, it does (existing account
// linked, allowed domain gets a personal account), while an explicit
// email_verified=false is still refused.
func TestSSOTrustEmail(t *testing.T) {
	for _, trust := range []bool{false, true} {
		m, err := mockoidc.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown() })
		cfg := m.Config()
		a, base := apptest.StartWith(t, app.Options{OIDC: config.OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID,
			ClientSecret: cfg.ClientSecret, Name: "Azure", Domains: []string{"newcomers.example"}, TrustEmail: trust}})
		apptest.AddOrg(t, a, "clinic", "Clinic")
		existing := apptest.AddAccount(t, a, "jane@clinic.example", "clinic", store.RoleHost, "")

		m.QueueUser(azureUser{"az-1", "Jane@Clinic.example", nil})
		c, final := ssoLogin(t, base)
		if !trust {
			if !strings.Contains(final.Fragment, "sso-error=sso-no-account") {
				t.Errorf("untrusted, no email_verified: landed on %s", final)
			}
			continue
		}
		var me struct{ ID int64 }
		if st, body := c.Do("GET", "/api/v1/me", nil, &me); st != 200 || me.ID != existing.ID {
			t.Fatalf("trusted email: me = %d %s (landed on %s)", st, body, final)
		}
		m.QueueUser(azureUser{"az-2", "nora@newcomers.example", nil})
		if c, final = ssoLogin(t, base); !strings.HasSuffix(final.Path, "/account") {
			t.Errorf("trusted newcomer landed on %s", final)
		} else if st, body := c.Do("GET", "/api/v1/me/rooms", nil, nil); st != 200 || !strings.Contains(body, `"total":1`) {
			t.Errorf("trusted newcomer's rooms = %d %s", st, body)
		}
		no := false
		m.QueueUser(azureUser{"az-3", "liar@newcomers.example", &no})
		if _, final := ssoLogin(t, base); !strings.Contains(final.Fragment, "sso-error=sso-no-account") {
			t.Errorf("email_verified=false with trust: landed on %s", final)
		}
	}
}
