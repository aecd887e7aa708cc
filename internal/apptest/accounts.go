package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/store"
)

// StartWith is Start with sign-in options (SSO, sign-up, a mailer).
func StartWith(t testing.TB, opts app.Options) (*app.App, string) {
	t.Helper()
	return StartConfig(t, nil, opts)
}

// AddOrg creates an organisation.
func AddOrg(t testing.TB, a *app.App, slug, name string) store.Org {
	t.Helper()
	o, err := a.Directory.CreateOrg(context.Background(), store.Org{Slug: slug, Name: name, ContactEmail: "it@" + slug + ".example"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// AddAccount creates a confirmed account in org ("" for none) with role
// and, unless password is "", that password.
func AddAccount(t testing.TB, a *app.App, email, org, role, password string) store.Account {
	t.Helper()
	kind := store.AccountContracted
	if org == store.PersonalOrgSlug {
		kind, org = store.AccountPersonal, ""
	}
	acc, err := a.Directory.CreateAccount(context.Background(), store.Account{
		Email: email, DisplayName: strings.Split(email, "@")[0], OrgSlug: org, Kind: kind, Role: role, EmailConfirmed: true,
	}, password)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

// AddHost makes an account host (or moderator) of a room.
func AddHost(t testing.TB, a *app.App, room, email, role string) {
	t.Helper()
	if err := a.Directory.SetRoomHost(context.Background(), room, email, role); err != nil {
		t.Fatal(err)
	}
}

// Client talks to the API as one person.
type Client struct {
	T     testing.TB
	Base  string
	HTTP  *http.Client
	CSRF  string // sent as X-CSRF-Token on writes
	Token string // API token: sent as Bearer instead of the cookie
}

// Anonymous returns a client with a cookie jar and no credentials.
func Anonymous(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{T: t, Base: base, HTTP: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// SignIn creates a session for acc directly in the store (no argon2 run,
// which the race detector makes slow) and returns a client using it.
func SignIn(t testing.TB, a *app.App, base string, acc store.Account) *Client {
	t.Helper()
	c := Anonymous(t, base)
	secret, hash := auth.NewToken("")
	now := time.Now()
	if _, err := a.Store.CreateSession(context.Background(), store.Session{Hash: hash, AccountID: acc.ID,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour), UserAgent: "apptest", IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/", nil)
	c.HTTP.Jar.SetCookies(req.URL, []*http.Cookie{{Name: login.CookieName, Value: secret, Path: "/"}})
	var me struct{ CSRFToken string }
	if st, body := c.Do("GET", "/api/v1/me", nil, &me); st != http.StatusOK {
		t.Fatalf("signed-in client: GET /api/v1/me = %d %s", st, body)
	}
	c.CSRF = me.CSRFToken
	return c
}

// Do sends a request (body: nil, a string sent as text/csv, or a value
// sent as JSON), decodes a JSON answer into out when out is not nil and
// returns the status and raw body.
func (c *Client) Do(method, path string, body any, out any) (int, string) {
	c.T.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "text/csv"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		c.T.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	} else if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		_ = json.Unmarshal(raw, out)
	}
	return resp.StatusCode, string(raw)
}
