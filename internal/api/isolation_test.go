package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/api"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/store"
)

// secretsOfB must never appear in what anyone of org A (or nobody) gets
// back when reaching for org B's objects.
// B's PIN is looked for as a JSON string: bare, its digits turn up in
// the nanoseconds of a timestamp now and then.
var secretsOfB = []string{"bravo", "Bravo", "bea@", "bob@", `"8642"`, "Secret Clinic"}

// TestTenantIsolation tries every API route the web UI uses against org
// B's objects as org A's admin, host and member, as an API token of A's
// admin, and as nobody: each attempt is refused and the answer says
// nothing of B.
func TestTenantIsolation(t *testing.T) {
	ctx := context.Background()
	a, base := apptest.Start(t)
	apptest.AddOrg(t, a, "alpha", "Alpha Town")
	apptest.AddOrg(t, a, "bravo", "Bravo Secret Clinic")
	for _, r := range []store.Room{
		{OrgSlug: "alpha", Slug: "alpha-room", Title: "Alpha council"},
		{OrgSlug: "bravo", Slug: "bravo-room", Title: "Bravo ward", PIN: "8642"},
	} {
		if _, err := a.Directory.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	adminA := apptest.AddAccount(t, a, "ada@alpha.example", "alpha", store.RoleOrgAdmin, "")
	hostA := apptest.AddAccount(t, a, "hal@alpha.example", "alpha", store.RoleHost, "")
	memberA := apptest.AddAccount(t, a, "mia@alpha.example", "alpha", store.RoleMember, "")
	adminB := apptest.AddAccount(t, a, "bea@bravo.example", "bravo", store.RoleOrgAdmin, "")
	hostB := apptest.AddAccount(t, a, "bob@bravo.example", "bravo", store.RoleHost, "")
	apptest.AddHost(t, a, "alpha-room", hostA.Email, store.RoomRoleHost)
	apptest.AddHost(t, a, "bravo-room", hostB.Email, store.RoomRoleHost)

	// B's own session and token, which A must not be able to revoke.
	bea := apptest.SignIn(t, a, base, adminB)
	var tokB struct{ ID int64 }
	if st, body := bea.Do("POST", "/api/v1/tokens", map[string]string{"name": "b", "scopes": "read"}, &tokB); st != 201 {
		t.Fatalf("B token = %d %s", st, body)
	}
	var sessB struct{ Items []struct{ ID int64 } }
	bea.Do("GET", "/api/v1/me/sessions", nil, &sessB)

	ada := apptest.SignIn(t, a, base, adminA)
	var tok struct{ Secret string }
	if st, body := ada.Do("POST", "/api/v1/tokens", map[string]string{"name": "automation", "scopes": "admin"}, &tok); st != 201 {
		t.Fatalf("A token = %d %s", st, body)
	}
	actors := map[string]*apptest.Client{
		"org-admin A": ada,
		"host A":      apptest.SignIn(t, a, base, hostA),
		"member A":    apptest.SignIn(t, a, base, memberA),
		"token of A":  {T: t, Base: base, HTTP: http.DefaultClient, Token: tok.Secret},
		"anonymous":   apptest.Anonymous(t, base),
	}
	bID, bobID := strconv.FormatInt(adminB.ID, 10), strconv.FormatInt(hostB.ID, 10)
	v := map[string]any{"version": 1}
	attempts := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/orgs/bravo", nil},
		{"PATCH", "/api/v1/orgs/bravo", map[string]any{"version": 1, "status": "suspended"}},
		{"PATCH", "/api/v1/orgs/bravo", map[string]any{"version": 1, "contactName": "x"}},
		{"DELETE", "/api/v1/orgs/bravo", nil},
		{"GET", "/api/v1/accounts?org=bravo", nil},
		{"GET", "/api/v1/rooms?org=bravo", nil},
		{"POST", "/api/v1/accounts", map[string]any{"email": "new@x.example", "org": "bravo"}},
		{"POST", "/api/v1/accounts/import?org=bravo", "email,org\nnew2@x.example,bravo\n"},
		{"POST", "/api/v1/accounts/import", "email,org\nnew3@x.example,bravo\n"},
		{"POST", "/api/v1/accounts/validity", map[string]any{"accounts": []int64{adminB.ID}, "end": true}},
		{"GET", "/api/v1/accounts/" + bID, nil},
		{"PATCH", "/api/v1/accounts/" + bID, map[string]any{"version": 1, "status": "suspended"}},
		{"DELETE", "/api/v1/accounts/" + bID, nil},
		{"POST", "/api/v1/accounts/" + bID + "/reset-link", nil},
		{"POST", "/api/v1/rooms", map[string]any{"org": "bravo", "slug": "intruder"}},
		{"GET", "/api/v1/rooms/bravo-room", nil},
		{"PATCH", "/api/v1/rooms/bravo-room", map[string]any{"version": 1, "pin": ""}},
		{"PATCH", "/api/v1/rooms/bravo-room", v},
		{"DELETE", "/api/v1/rooms/bravo-room", nil},
		{"GET", "/api/v1/rooms/bravo-room/hosts", nil},
		{"POST", "/api/v1/rooms/bravo-room/hosts", map[string]any{"email": "mia@alpha.example", "role": "moderator"}},
		{"DELETE", "/api/v1/rooms/bravo-room/hosts/" + bobID, nil},
		{"GET", "/api/v1/rooms/bravo-room/invitation", nil},
		{"GET", "/api/v1/rooms/bravo-room/invitation.ics", nil},
		{"DELETE", "/api/v1/tokens/" + strconv.FormatInt(tokB.ID, 10), nil},
		{"DELETE", "/api/v1/me/sessions/" + strconv.FormatInt(sessB.Items[0].ID, 10), nil},
		// A's own room asked to take in B's host: refused without saying B exists.
		{"POST", "/api/v1/rooms/alpha-room/hosts", map[string]any{"email": "bob@bravo.example", "role": "moderator"}},
	}
	for who, c := range actors {
		for _, at := range attempts {
			st, body := c.Do(at.method, at.path, at.body, nil)
			// A CSV import is refused as a whole with the lines at fault.
			imp := strings.HasPrefix(at.path, "/api/v1/accounts/import") && st == 422
			ok := st == 403 || st == 404 || imp || who == "anonymous" && st == 401 ||
				at.path == "/api/v1/rooms/alpha-room/hosts" && (st == 400 || st == 403 || st == 404 || st == 401)
			if !ok {
				t.Errorf("%s: %s %s = %d %s: want refusal", who, at.method, at.path, st, body)
			}
			for _, s := range secretsOfB {
				if strings.Contains(body, s) {
					t.Errorf("%s: %s %s leaks %q: %s", who, at.method, at.path, s, body)
				}
			}
		}
		// The UI's pages are static shells: data comes only through the
		// API calls above.
		for path := range api.Pages {
			st, body := c.Do("GET", path, nil, nil)
			if st != 200 || strings.Contains(body, "bravo") || strings.Contains(body, "Bravo") {
				t.Errorf("%s: page %s = %d or leaks B", who, path, st)
			}
		}
		// Lists answer (or refuse) without anything of B in them.
		for _, path := range []string{"/api/v1/orgs", "/api/v1/accounts", "/api/v1/rooms", "/api/v1/me/rooms",
			"/api/v1/accounts?q=bea", "/api/v1/rooms?q=bravo", "/api/v1/tokens", "/api/v1/me/sessions"} {
			_, body := c.Do("GET", path, nil, nil)
			for _, s := range secretsOfB {
				if strings.Contains(body, s) {
					t.Errorf("%s: GET %s leaks %q: %s", who, path, s, body)
				}
			}
		}
	}
	// B's things are intact, and B still sees them.
	if st, body := bea.Do("GET", "/api/v1/rooms/bravo-room", nil, nil); st != 200 || !strings.Contains(body, "8642") {
		t.Errorf("B's room after the attempts = %d %s", st, body)
	}
	if st, _ := bea.Do("GET", "/api/v1/tokens", nil, nil); st != 200 {
		t.Errorf("B's session was revoked by someone else")
	}
	for _, e := range []string{"new@x.example", "new2@x.example", "new3@x.example"} {
		if _, err := a.Store.AccountByEmail(ctx, e); err == nil {
			t.Errorf("%s was created in org B", e)
		}
	}
	// Guests: the public page of a room tells whether a PIN is needed,
	// never the PIN.
	anon := actors["anonymous"]
	if st, body := anon.Do("GET", "/api/v1/public/rooms/bravo-room", nil, nil); st != 200 || strings.Contains(body, `"8642"`) || !strings.Contains(body, `"pinRequired":true`) {
		t.Errorf("public room = %d %s", st, body)
	}
}
