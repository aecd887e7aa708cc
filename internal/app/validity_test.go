package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
)

// Ending validity in bulk (or suspending) takes effect on the next
// request of a session that is already open: every request checks the
// account, so the old cookie reaches neither the API nor a members-only
// room. Run on both stores (validity is a stored timestamp).
func TestEndedValidityEndsSessions(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		a, base := apptest.Start(t)
		testEndedValidity(t, a, base)
	})
	t.Run("postgres", func(t *testing.T) {
		db := pgtest.NewDB(t)
		a, base := apptest.StartConfig(t, func(c *config.Config) { c.DB = db }, app.Options{})
		testEndedValidity(t, a, base)
	})
}

func testEndedValidity(t *testing.T, a *app.App, base string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := a.Directory.CreateRoom(ctx, store.Room{OrgSlug: "demo", Slug: "members", Capacity: 10}); err != nil {
		t.Fatal(err)
	}
	admin, err := a.Store.AccountByEmail(ctx, "admin@localhost")
	if err != nil {
		t.Fatal(err)
	}
	op := apptest.SignIn(t, a, base, admin)

	contracted, err := a.Directory.CreateAccount(ctx, store.Account{Email: "carla@demo.example", OrgSlug: "demo", EmailConfirmed: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	personal, err := a.Directory.CreateAccount(ctx, store.Account{Email: "pietro@home.example", Kind: store.AccountPersonal,
		ValidUntil: time.Now().AddDate(1, 0, 0), EmailConfirmed: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	suspended, err := a.Directory.CreateAccount(ctx, store.Account{Email: "sara@demo.example", OrgSlug: "demo", EmailConfirmed: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	type person struct {
		name   string
		c      *apptest.Client
		cookie *http.Cookie
	}
	var people []person
	for _, acc := range []store.Account{contracted, personal, suspended} {
		c := apptest.SignIn(t, a, base, acc) // fails unless /api/v1/me answers 200
		u, _ := url.Parse(base)
		var cookie *http.Cookie
		for _, ck := range c.HTTP.Jar.Cookies(u) {
			if ck.Name == login.CookieName {
				cookie = ck
			}
		}
		j, err := client.Join(ctx, base, "members", client.Options{Name: acc.Email, Cookie: cookie}, nil)
		if err != nil {
			t.Fatalf("%s before the change: join refused: %v", acc.Email, err)
		}
		j.Close()
		people = append(people, person{acc.Email, c, cookie})
	}

	if st, body := op.Do("POST", "/api/v1/accounts/validity", map[string]any{"accounts": []int64{contracted.ID}, "end": true}, nil); st != 200 {
		t.Fatalf("end validity of one account = %d %s", st, body)
	}
	if st, body := op.Do("POST", "/api/v1/accounts/validity", map[string]any{"allPersonal": true, "end": true}, nil); st != 200 {
		t.Fatalf("end validity of all personal accounts = %d %s", st, body)
	}
	if st, body := op.Do("PATCH", "/api/v1/accounts/"+strconv.FormatInt(suspended.ID, 10), map[string]any{"version": suspended.Version, "status": "suspended"}, nil); st != 200 {
		t.Fatalf("suspend = %d %s", st, body)
	}

	for _, p := range people {
		if st, body := p.c.Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized && st != http.StatusForbidden {
			t.Errorf("%s: GET /api/v1/me with the old cookie = %d %s", p.name, st, body)
		}
		_, err := client.Join(ctx, base, "members", client.Options{Name: p.name, Cookie: p.cookie}, nil)
		var je *client.JoinError
		if !errors.As(err, &je) || je.Code != signal.CodeSignInRequired {
			t.Errorf("%s: join with the old cookie: %v, want %s", p.name, err, signal.CodeSignInRequired)
		}
	}
	// The operator's own session is untouched.
	if st, _ := op.Do("GET", "/api/v1/me", nil, nil); st != 200 {
		t.Errorf("operator signed out too: %d", st)
	}
}
