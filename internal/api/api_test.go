package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/store"
)

func adminClient(t *testing.T) (*apptest.Client, func(string) store.Account) {
	a, base := apptest.Start(t)
	admin, err := a.Store.AccountByEmail(context.Background(), "admin@localhost")
	if err != nil {
		t.Fatal(err)
	}
	return apptest.SignIn(t, a, base, admin), func(email string) store.Account {
		acc, err := a.Store.AccountByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		return acc
	}
}

func TestOrgsAccountsRoomsCRUD(t *testing.T) {
	c, _ := adminClient(t)
	var org struct {
		Slug    string
		Version int64
		Status  string
	}
	st, body := c.Do("POST", "/api/v1/orgs", map[string]any{"slug": "asl-nord", "name": "ASL Nord", "kind": "healthcare",
		"contract": map[string]int{"accounts": 2, "maxRooms": 5, "hoursPerYear": 1000}}, &org)
	if st != 201 || org.Version == 0 {
		t.Fatalf("create org = %d %s", st, body)
	}
	if st, body := c.Do("POST", "/api/v1/orgs", map[string]any{"slug": "Bad Slug", "name": "x"}, nil); st != 400 || !strings.Contains(body, "problem") && !strings.Contains(body, "slug") {
		t.Errorf("bad slug = %d %s", st, body)
	}
	// Two admins edit the same org: the second, with the old version, loses.
	if st, body := c.Do("PATCH", "/api/v1/orgs/asl-nord", map[string]any{"version": org.Version, "status": "suspended"}, nil); st != 200 {
		t.Fatalf("suspend = %d %s", st, body)
	}
	if st, body := c.Do("PATCH", "/api/v1/orgs/asl-nord", map[string]any{"version": org.Version, "name": "Other"}, nil); st != 409 || !strings.Contains(body, "stale") {
		t.Errorf("stale edit = %d %s", st, body)
	}
	if st, body := c.Do("PATCH", "/api/v1/orgs/asl-nord", map[string]any{"name": "Other"}, nil); st != 428 {
		t.Errorf("edit without version = %d %s", st, body)
	}

	var acc struct {
		ID         int64
		ValidUntil string
		Version    int64
	}
	if st, body := c.Do("POST", "/api/v1/accounts", map[string]any{"email": "dora@asl-nord.example", "org": "asl-nord", "role": "host", "validUntil": "2030-06-30"}, &acc); st != 201 || acc.ValidUntil != "2030-06-30" {
		t.Fatalf("create account = %d %s", st, body)
	}
	var room struct {
		Slug, Link, MayEdit string
		Version             int64
	}
	if st, body := c.Do("POST", "/api/v1/rooms", map[string]any{"org": "asl-nord", "slug": "cardio", "title": "Cardiologia", "pin": "4821", "lobby": true}, &room); st != 201 || !strings.HasSuffix(room.Link, "/r/cardio") || room.MayEdit != "admin" {
		t.Fatalf("create room = %d %s", st, body)
	}
	if st, body := c.Do("POST", "/api/v1/rooms/cardio/hosts", map[string]any{"email": "dora@asl-nord.example", "role": "host"}, nil); st != 200 || !strings.Contains(body, "dora@") {
		t.Errorf("add host = %d %s", st, body)
	}
	if st, body := c.Do("GET", "/api/v1/rooms/cardio/invitation?lang=it&start=2026-12-01T10:00:00%2B01:00", nil, nil); st != 200 || !strings.Contains(body, "4821") || !strings.Contains(body, "BEGIN:VEVENT") || !strings.Contains(body, "DTSTART:20261201T090000Z") {
		t.Errorf("invitation = %d %s", st, body)
	}
	if st, body := c.Do("GET", "/api/v1/rooms?q=cardio", nil, nil); st != 200 || !strings.Contains(body, `"total":1`) {
		t.Errorf("search rooms = %d %s", st, body)
	}
	if st, body := c.Do("GET", "/api/v1/accounts?q=dora&limit=1", nil, nil); st != 200 || !strings.Contains(body, `"total":1`) || !strings.Contains(body, `"limit":1`) {
		t.Errorf("search accounts = %d %s", st, body)
	}
	if st, body := c.Do("POST", "/api/v1/accounts/validity", map[string]any{"accounts": []int64{acc.ID}, "until": "2031-01-31"}, nil); st != 200 || !strings.Contains(body, `"count":1`) {
		t.Errorf("extend = %d %s", st, body)
	}
	if st, body := c.Do("GET", "/api/v1/accounts/"+strconv.FormatInt(acc.ID, 10), nil, nil); st != 200 || !strings.Contains(body, "2031-01-31") {
		t.Errorf("after extend = %d %s", st, body)
	}
	if st, body := c.Do("DELETE", "/api/v1/orgs/asl-nord", nil, nil); st != 409 || !strings.Contains(body, "1 account(s) and 1 room(s)") {
		t.Errorf("delete org with accounts = %d %s", st, body)
	}
	if st, body := c.Do("DELETE", "/api/v1/orgs/asl-nord?force=true", nil, nil); st != 204 {
		t.Errorf("forced delete = %d %s", st, body)
	}
	if st, _ := c.Do("GET", "/api/v1/accounts/"+strconv.FormatInt(acc.ID, 10), nil, nil); st != 404 {
		t.Errorf("account after forced org delete = %d", st)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	c, get := adminClient(t)
	c.Do("POST", "/api/v1/orgs", map[string]any{"slug": "school", "name": "School", "contract": map[string]int{"accounts": 10}}, nil)
	bad := "email;name;role\nok1@school.example;Ok One;member\nnot-an-email;X;member\nok2@school.example;Ok Two;boss\n"
	var p struct {
		Rows []struct {
			Row   int
			Error string
		}
	}
	if st, body := c.Do("POST", "/api/v1/accounts/import?org=school", bad, &p); st != 422 || len(p.Rows) != 2 || p.Rows[0].Row != 3 || p.Rows[1].Row != 4 {
		t.Fatalf("bad import = %d %s", st, body)
	}
	if st, _ := c.Do("GET", "/api/v1/accounts?q=ok1", nil, nil); st != 200 {
		t.Fatal(st)
	}
	if _, body := c.Do("GET", "/api/v1/accounts?q=ok1", nil, nil); !strings.Contains(body, `"total":0`) {
		t.Errorf("half-imported: %s", body)
	}
	good := "email,name,role\nok1@school.example,Ok One,member\nok2@school.example,Ok Two,host\n"
	if st, body := c.Do("POST", "/api/v1/accounts/import?org=school", good, nil); st != 201 || !strings.Contains(body, `"total":2`) {
		t.Fatalf("good import = %d %s", st, body)
	}
	if a := get("ok2@school.example"); a.OrgSlug != "school" || a.Role != store.RoleHost {
		t.Errorf("imported = %+v", a)
	}
}

func TestTokens(t *testing.T) {
	c, _ := adminClient(t)
	var tok struct {
		ID     int64
		Secret string
	}
	if st, body := c.Do("POST", "/api/v1/tokens", map[string]any{"name": "ci", "scopes": "read"}, &tok); st != 201 || !strings.HasPrefix(tok.Secret, "cft_") {
		t.Fatalf("create token = %d %s", st, body)
	}
	bot := &apptest.Client{T: t, Base: c.Base, HTTP: &http.Client{}, Token: tok.Secret}
	if st, body := bot.Do("GET", "/api/v1/orgs", nil, nil); st != 200 {
		t.Errorf("read with token = %d %s", st, body)
	}
	if st, body := bot.Do("POST", "/api/v1/orgs", map[string]any{"slug": "zz", "name": "Z"}, nil); st != 403 || !strings.Contains(body, "scope") {
		t.Errorf("write with read token = %d %s", st, body)
	}
	if st, _ := c.Do("DELETE", "/api/v1/tokens/"+strconv.FormatInt(tok.ID, 10), nil, nil); st != 204 {
		t.Errorf("revoke = %d", st)
	}
	if st, _ := bot.Do("GET", "/api/v1/orgs", nil, nil); st != 401 {
		t.Errorf("revoked token = %d, want 401", st)
	}
	if _, body := c.Do("GET", "/api/v1/tokens", nil, nil); strings.Contains(body, tok.Secret) || strings.Contains(body, "secret") {
		t.Errorf("token list shows the secret: %s", body)
	}
}
