package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/store"
)

// AddRoomWith creates a room in the demo organisation with the given
// settings (lobby, who may share); OrgSlug, capacity and guests default.
func AddRoomWith(t testing.TB, a *app.App, r store.Room) {
	t.Helper()
	if r.OrgSlug == "" && r.OrgID == 0 {
		r.OrgSlug = "demo"
	}
	if r.Capacity == 0 {
		r.Capacity = 20
	}
	if r.Title == "" {
		r.Title = "Room " + r.Slug
	}
	r.GuestsAllowed = true
	if _, err := a.Directory.CreateRoom(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

// SignInHost makes a host of room slug the real way: an account in the
// demo organisation, assigned host of the room in the directory, signed
// in through POST /api/v1/auth/login. It returns the session cookie; a
// WebSocket or page carrying it is identified by the sign-in system, and
// the directory says RoomConfig.Host.
func SignInHost(t testing.TB, a *app.App, base, slug, name string) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "." + slug + "@demo.example"
	const password = "correct horse battery staple 42"
	if _, err := a.Directory.CreateAccount(ctx, store.Account{
		Email: email, DisplayName: name, OrgSlug: "demo", Role: store.RoleMember, EmailConfirmed: true,
	}, password); err != nil {
		t.Fatalf("host account: %v", err)
	}
	if err := a.Directory.SetRoomHost(ctx, slug, email, store.RoomRoleHost); err != nil {
		t.Fatalf("assign host: %v", err)
	}
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in: status %d", res.StatusCode)
	}
	for _, c := range res.Cookies() {
		if c.Name == "confer_session" {
			return c
		}
	}
	t.Fatal("sign in: no session cookie")
	return nil
}
