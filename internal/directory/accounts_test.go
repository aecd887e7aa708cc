package directory

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

func TestPersonalAccountsAndSignup(t *testing.T) {
	ctx := context.Background()
	until := time.Date(2027, 8, 31, 23, 59, 59, 0, time.UTC)
	d, st := newDir(t, Options{PersonalValidUntil: until, Now: func() time.Time { return now }})
	if _, err := d.SignUp(ctx, "x@home.org", "X", "long enough pw"); !errors.Is(err, ErrSignupDisabled) {
		t.Errorf("sign-up while disabled err = %v", err)
	}
	d = New(st, Options{PersonalValidUntil: until, Signup: true, Now: func() time.Time { return now }})
	a, err := d.SignUp(ctx, "Maria@Home.org", "  María   López ", "long enough pw")
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != store.AccountPersonal || a.OrgSlug != store.PersonalOrgSlug || !a.ValidUntil.Equal(until) ||
		a.EmailConfirmed || a.DisplayName != "María López" || a.Role != store.RoleMember {
		t.Errorf("signed up = %+v", a)
	}
	r, err := st.PersonalRoom(ctx, a.ID)
	if err != nil || r.Slug != "maria-lopez" || r.Title != "María López" {
		t.Errorf("personal room = %+v, %v", r, err)
	}
	// Unconfirmed: sign-in refused until the link is followed.
	if _, err := d.Authenticate(ctx, "maria@home.org", "long enough pw", now); err == nil || !strings.Contains(err.Error(), "confirm your email") {
		t.Errorf("unconfirmed sign-in err = %v", err)
	}
	secret, err := d.IssueOneTimeToken(ctx, a.ID, store.PurposeConfirmEmail, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ResetPassword(ctx, secret, "another long pw"); !errors.Is(err, ErrBadToken) {
		t.Errorf("confirm link used as reset err = %v", err)
	}
	if got, err := d.ConfirmEmail(ctx, secret); err != nil || !got.EmailConfirmed {
		t.Fatalf("ConfirmEmail = %+v, %v", got, err)
	}
	if _, err := d.ConfirmEmail(ctx, secret); !errors.Is(err, ErrBadToken) {
		t.Errorf("second use err = %v", err)
	}
	if _, err := d.Authenticate(ctx, "maria@home.org", "long enough pw", now); err != nil {
		t.Errorf("confirmed sign-in: %v", err)
	}
	// A second Maria López gets the next free slug; bad input is refused.
	b, err := d.SignUp(ctx, "maria2@home.org", "Maria Lopez", "long enough pw")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := st.PersonalRoom(ctx, b.ID); r.Slug != "maria-lopez-2" {
		t.Errorf("second personal room slug = %q", r.Slug)
	}
	for _, tc := range []struct{ email, pw string }{{"bad", "long enough pw"}, {"ok@home.org", "short"}, {"maria@home.org", "long enough pw"}} {
		if _, err := d.SignUp(ctx, tc.email, "", tc.pw); !IsUserError(err) {
			t.Errorf("SignUp(%q, %q) err = %v", tc.email, tc.pw, err)
		}
	}
	// Password reset ends sessions.
	if _, err := st.CreateSession(ctx, store.Session{Hash: "s", AccountID: a.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	reset, _ := d.IssueOneTimeToken(ctx, a.ID, store.PurposePasswordReset, time.Hour)
	if _, err := d.ResetPassword(ctx, reset, "brand new password"); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.ListSessions(ctx, a.ID); len(s) != 0 {
		t.Errorf("sessions after reset: %v", s)
	}
	if _, err := d.Authenticate(ctx, "maria@home.org", "brand new password", now); err != nil {
		t.Errorf("new password: %v", err)
	}
	expired, _ := d.IssueOneTimeToken(ctx, a.ID, store.PurposePasswordReset, -time.Minute)
	if _, err := d.ResetPassword(ctx, expired, "brand new password"); !errors.Is(err, ErrBadToken) {
		t.Errorf("expired link err = %v", err)
	}
}

func TestAccountRules(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t, Options{Now: func() time.Time { return now }})
	if _, err := d.CreateOrg(ctx, store.Org{Slug: "clinic", Name: "Clinic", Contract: store.Contract{Accounts: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateAccount(ctx, store.Account{Email: "a@clinic.org", OrgSlug: "clinic"}, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   store.Account
		want error
		msg  string
	}{
		{store.Account{Email: "b@clinic.org", OrgSlug: "clinic"}, store.ErrLimit, "1 of 1 contracted accounts used"},
		{store.Account{Email: "b@x.org"}, ErrInvalid, "needs an organisation"},
		{store.Account{Email: "b@x.org", OrgSlug: store.PersonalOrgSlug}, ErrInvalid, "real organisation"},
		{store.Account{Email: "b@x.org", Kind: store.AccountPersonal, OrgSlug: "clinic"}, ErrInvalid, "belongs to no organisation"},
		{store.Account{Email: "b@x.org", Kind: "guest"}, ErrInvalid, `account kind "guest"`},
		{store.Account{Email: "b@x.org", OrgSlug: "clinic", SSOIssuer: "https://idp"}, ErrInvalid, "go together"},
		{store.Account{Email: "b@x.org", OrgSlug: "clinic", ValidFrom: now, ValidUntil: now}, ErrInvalid, "must be after"},
		{store.Account{Email: "b@x.org", OrgSlug: "nope"}, store.ErrNotFound, `org "nope"`},
	} {
		_, err := d.CreateAccount(ctx, tc.in, "")
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || !IsUserError(err) {
			t.Errorf("CreateAccount(%+v) err = %v, want %v with %q", tc.in, err, tc.want, tc.msg)
		}
	}
	// Platform admins may have no org; personal accounts are not counted.
	if _, err := d.CreateAccount(ctx, store.Account{Email: "ops@x.org", Role: store.RolePlatformAdmin}, ""); err != nil {
		t.Error(err)
	}
	if _, err := d.CreateAccount(ctx, store.Account{Email: "p@x.org", Kind: store.AccountPersonal}, ""); err != nil {
		t.Error(err)
	}
	// Bulk validity.
	if _, err := d.ExtendValidity(ctx, store.AccountSet{AllPersonal: true}, now.Add(-time.Hour)); !errors.Is(err, ErrInvalid) {
		t.Errorf("extend into the past err = %v", err)
	}
	if _, err := d.EndValidity(ctx, store.AccountSet{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty set err = %v", err)
	}
	if n, err := d.EndValidity(ctx, store.AccountSet{AllPersonal: true}); n != 1 || err != nil {
		t.Errorf("EndValidity = %d, %v", n, err)
	}
	p, _ := d.AccountByEmail(ctx, "p@x.org")
	if err := d.CheckCanSignIn(ctx, p, now.Add(time.Second)); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("ended account sign-in err = %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t, Options{Now: func() time.Time { return now }})
	d.CreateOrg(ctx, store.Org{Slug: "town", Name: "Town"})
	a, err := d.CreateAccount(ctx, store.Account{Email: "bot@town.org", OrgSlug: "town"}, "")
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := d.CreateAPIToken(ctx, a, "ci", "rooms:read  rooms:write", now.Add(time.Hour))
	if err != nil || !strings.HasPrefix(secret, "cft_") || tok.Scopes != "rooms:read rooms:write" || strings.Contains(tok.Hash, secret) {
		t.Fatalf("CreateAPIToken = %q %+v %v", secret, tok, err)
	}
	got, gt, err := d.AuthenticateAPIToken(ctx, secret, now)
	if err != nil || got.ID != a.ID || gt.ID != tok.ID || gt.LastUsed.IsZero() {
		t.Errorf("AuthenticateAPIToken = %+v %+v %v", got, gt, err)
	}
	for name, s := range map[string]string{"unknown": "cft_nope", "no prefix": "abc"} {
		if _, _, err := d.AuthenticateAPIToken(ctx, s, now); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s token err = %v", name, err)
		}
	}
	if _, _, err := d.AuthenticateAPIToken(ctx, secret, now.Add(2*time.Hour)); !errors.Is(err, ErrBadToken) {
		t.Errorf("expired token err = %v", err)
	}
	d.SetAccountStatus(ctx, a.Email, store.StatusSuspended)
	if _, _, err := d.AuthenticateAPIToken(ctx, secret, now); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("suspended account's token err = %v", err)
	}
	if err := d.RevokeAPIToken(ctx, a.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	d.SetAccountStatus(ctx, a.Email, store.StatusActive)
	if _, _, err := d.AuthenticateAPIToken(ctx, secret, now); !errors.Is(err, ErrBadToken) {
		t.Errorf("revoked token err = %v", err)
	}
}

func TestImportCSV(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t, Options{Now: func() time.Time { return now }})
	d.CreateOrg(ctx, store.Org{Slug: "town", Name: "Town"})
	// No header, comma separated, default column order, blank lines ignored.
	out, err := d.ImportCSV(ctx, strings.NewReader("a@town.org,A,,town,host,2030-01-31\n\nb@x.org,B,personal,,,\n"), nil)
	if err != nil || len(out) != 2 || out[0].Role != store.RoleHost || out[0].ValidUntil.Format(time.DateTime) != "2030-01-31 23:59:59" ||
		out[1].Kind != store.AccountPersonal || !out[0].EmailConfirmed {
		t.Fatalf("import = %+v, %v", out, err)
	}
	// Reordered header with BOM and semicolons; an in-file duplicate.
	_, err = d.ImportCSV(ctx, strings.NewReader("\ufeffOrg;Email\ntown;c@town.org\n\ntown;C@town.org\n"), nil)
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 4 || !strings.Contains(ie.Rows[0].Err.Error(), "also on line 2") {
		t.Errorf("duplicate import err = %v", err)
	}
	if _, err := d.ImportCSV(ctx, strings.NewReader("email;colour\nx@y.org;red\n"), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown column err = %v", err)
	}
	if _, err := d.ImportCSV(ctx, strings.NewReader(""), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty file err = %v", err)
	}
	if _, err := d.ImportCSV(ctx, strings.NewReader("email\n\"unterminated\n"), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("broken CSV err = %v", err)
	}
}

func TestPersonalRoomSlug(t *testing.T) {
	for _, tc := range []struct{ name, email, want string }{
		{"María López", "m@x", "maria-lopez"},
		{"  ", "jean.dupont@x.org", "jean-dupont"},
		{"李", "z@x", "room-z"},
		{strings.Repeat("abc ", 30), "a@x", "abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc"},
	} {
		got := PersonalRoomSlug(tc.name, tc.email)
		if got != tc.want || !ValidSlug(got) {
			t.Errorf("PersonalRoomSlug(%q, %q) = %q, want %q", tc.name, tc.email, got, tc.want)
		}
	}
}
