package login_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/store"
)

const pw = "correct horse battery"

func TestLoginSessionLogout(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddOrg(t, a, "clinic", "Clinic")
	apptest.AddAccount(t, a, "anna@clinic.example", "clinic", store.RoleHost, pw)

	c := apptest.Anonymous(t, base)
	var me login.Me
	if st, body := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "Anna@Clinic.example", "password": pw}, &me); st != 200 {
		t.Fatalf("login = %d %s", st, body)
	}
	if me.Email != "anna@clinic.example" || me.CSRFToken == "" || me.Role != store.RoleHost {
		t.Errorf("me = %+v", me)
	}
	// The cookie's attributes, as the browser gets them.
	req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", strings.NewReader(`{"email":"anna@clinic.example","password":"`+pw+`"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{login.CookieName + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("Secure cookie on plain HTTP: %q", sc)
	}

	// Cookie writes need the CSRF header.
	if st, _ := c.Do("PATCH", "/api/v1/me", map[string]string{"displayName": "Anna R"}, nil); st != http.StatusForbidden {
		t.Errorf("PATCH /me without CSRF = %d, want 403", st)
	}
	c.CSRF = me.CSRFToken
	if st, body := c.Do("PATCH", "/api/v1/me", map[string]string{"displayName": "Anna R"}, &me); st != 200 || me.DisplayName != "Anna R" {
		t.Errorf("PATCH /me = %d %s", st, body)
	}
	var list struct{ Items []struct{ Current bool } }
	if st, _ := c.Do("GET", "/api/v1/me/sessions", nil, &list); st != 200 || len(list.Items) != 2 {
		t.Errorf("sessions = %d %+v, want 2", st, list)
	}
	if st, _ := c.Do("POST", "/api/v1/auth/logout", nil, nil); st != http.StatusNoContent {
		t.Errorf("logout = %d", st)
	}
	if st, body := c.Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized || !strings.Contains(body, "unauthenticated") {
		t.Errorf("after logout /me = %d %s", st, body)
	}
}

func TestLoginRefusals(t *testing.T) {
	a, base := apptest.Start(t)
	o := apptest.AddOrg(t, a, "school", "School")
	o.ContactName = "Bea Bianchi"
	o, err := a.Store.UpdateOrg(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	apptest.AddAccount(t, a, "old@school.example", "school", store.RoleMember, pw)
	apptest.AddAccount(t, a, "off@school.example", "school", store.RoleMember, pw)
	ctx := context.Background()
	if _, err := a.Directory.EditAccount(ctx, "old@school.example", func(x *store.Account) error {
		x.ValidUntil = time.Now().Add(-time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Directory.SetAccountStatus(ctx, "off@school.example", store.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	c := apptest.Anonymous(t, base)
	for _, tc := range []struct{ email, password, code string }{
		{"old@school.example", pw, "expired"},
		{"off@school.example", pw, "suspended"},
		{"off@school.example", "wrong password!", "bad-credentials"},
		{"nobody@school.example", pw, "bad-credentials"},
	} {
		var p struct{ Code, Detail, Contact string }
		st, body := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": tc.email, "password": tc.password}, &p)
		if p.Code != tc.code {
			t.Errorf("%s: %d %s, want code %s", tc.email, st, body, tc.code)
		}
		if tc.code != "bad-credentials" && (st != 403 || !strings.Contains(p.Contact, "Bea Bianchi") || !strings.Contains(p.Detail, "ask")) {
			t.Errorf("%s: %d %+v: want 403 saying whom to ask", tc.email, st, p)
		}
	}
	// Another site's form may not sign anyone in (login CSRF).
	req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", strings.NewReader(`{}`))
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("cross-origin login = %v, %v", resp.StatusCode, err)
	}
}

func TestLoginRateLimit(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddAccount(t, a, "target@demo.example", "demo", store.RoleMember, pw)
	c := apptest.Anonymous(t, base)
	limited := false
	for range 8 {
		st, _ := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "target@demo.example", "password": "guess-guess-guess"}, nil)
		if st == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("8 wrong passwords for one account were never rate-limited")
	}
}

func TestPasswordChangeAndResetLink(t *testing.T) {
	a, base := apptest.Start(t)
	acc := apptest.AddAccount(t, a, "rita@demo.example", "demo", store.RoleMember, pw)
	admin, err := a.Store.AccountByEmail(context.Background(), "admin@localhost")
	if err != nil {
		t.Fatal(err)
	}
	rita := apptest.SignIn(t, a, base, acc)
	other := apptest.SignIn(t, a, base, acc)
	if st, body := rita.Do("POST", "/api/v1/me/password", map[string]string{"current": "nope", "new": "a new long password"}, nil); st != 400 {
		t.Errorf("wrong current password = %d %s", st, body)
	}
	if st, body := rita.Do("POST", "/api/v1/me/password", map[string]string{"current": pw, "new": "short"}, nil); st != 400 {
		t.Errorf("weak password = %d %s", st, body)
	}
	if st, body := rita.Do("POST", "/api/v1/me/password", map[string]string{"current": pw, "new": "a new long password"}, nil); st != 204 {
		t.Fatalf("change = %d %s", st, body)
	}
	if st, _ := other.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Errorf("other session after password change = %d, want 401", st)
	}
	if st, _ := rita.Do("GET", "/api/v1/me", nil, nil); st != 200 {
		t.Errorf("own session after password change = %d, want 200", st)
	}

	// The admin issues a reset link; it works once.
	adm := apptest.SignIn(t, a, base, admin)
	var link struct{ Link string }
	if st, body := adm.Do("POST", "/api/v1/accounts/"+itoa(acc.ID)+"/reset-link", nil, &link); st != 200 || !strings.Contains(link.Link, "/reset#token=") {
		t.Fatalf("reset link = %d %s", st, body)
	}
	token := link.Link[strings.Index(link.Link, "token=")+6:]
	anon := apptest.Anonymous(t, base)
	if st, body := anon.Do("POST", "/api/v1/auth/reset", map[string]string{"token": token, "password": "reset password 123"}, nil); st != 204 {
		t.Fatalf("reset = %d %s", st, body)
	}
	if st, _ := anon.Do("POST", "/api/v1/auth/reset", map[string]string{"token": token, "password": "again password 123"}, nil); st != 400 {
		t.Errorf("second use of the link = %d, want 400", st)
	}
	if st, _ := rita.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Errorf("session after reset = %d, want 401 (reset signs out everywhere)", st)
	}
	if st, body := anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": acc.Email, "password": "reset password 123"}, nil); st != 200 {
		t.Errorf("login with the reset password = %d %s", st, body)
	}
}

type mailbox struct {
	mu   sync.Mutex
	msgs []string
}

func (m *mailbox) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, to+"\n"+body)
	return nil
}

func TestSignup(t *testing.T) {
	mb := &mailbox{}
	until := time.Date(2031, 8, 31, 23, 59, 59, 0, time.UTC)
	a, base := apptest.StartWith(t, app.Options{Signup: true, Mailer: mb, PersonalValidUntil: until})
	c := apptest.Anonymous(t, base)
	in := map[string]string{"email": "Luca.Verdi@mail.example", "displayName": "Luca Verdi", "password": pw}
	if st, body := c.Do("POST", "/api/v1/auth/signup", in, nil); st != 202 {
		t.Fatalf("signup = %d %s", st, body)
	}
	var p struct{ Code string }
	if st, _ := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": in["email"], "password": pw}, &p); st != 403 || p.Code != "unconfirmed" {
		t.Errorf("login before confirming = %d %+v", st, p)
	}
	mb.mu.Lock()
	msg := mb.msgs[0]
	mb.mu.Unlock()
	i := strings.Index(msg, "/signup#token=")
	if i < 0 {
		t.Fatalf("no link in %q", msg)
	}
	token := strings.Fields(msg[i+len("/signup#token="):])[0]
	var me login.Me
	if st, body := c.Do("POST", "/api/v1/auth/signup/confirm", map[string]string{"token": token}, &me); st != 200 {
		t.Fatalf("confirm = %d %s", st, body)
	}
	if me.Kind != store.AccountPersonal || me.ValidUntil != "2031-08-31" {
		t.Errorf("me = %+v", me)
	}
	var rooms struct{ Items []struct{ Slug, Link string } }
	if st, body := c.Do("GET", "/api/v1/me/rooms", nil, &rooms); st != 200 || len(rooms.Items) != 1 || !strings.HasPrefix(rooms.Items[0].Slug, "luca-verdi") {
		t.Errorf("personal room = %d %s", st, body)
	}
	// Signing up with a taken address answers the same, and sends nothing.
	if st, _ := c.Do("POST", "/api/v1/auth/signup", in, nil); st != 202 {
		t.Errorf("second signup = %d", st)
	}
	_ = a
}

func TestSignupDisabled(t *testing.T) {
	_, base := apptest.Start(t)
	c := apptest.Anonymous(t, base)
	if st, _ := c.Do("POST", "/api/v1/auth/signup", map[string]string{"email": "x@y.example", "displayName": "x", "password": pw}, nil); st != 404 {
		t.Errorf("signup when disabled = %d, want 404", st)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
