package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
)

// With --public-url the admin's reset links use it, not the host the
// request came in on (a proxy's internal name).
func TestResetLinkUsesPublicURL(t *testing.T) {
	a, base := apptest.StartConfig(t, func(c *config.Config) { c.PublicURL = "https://meet.example.org" }, app.Options{})
	admin, err := a.Store.AccountByEmail(context.Background(), "admin@localhost")
	if err != nil {
		t.Fatal(err)
	}
	c := apptest.SignIn(t, a, base, admin)
	var out struct{ Link string }
	st, body := c.Do("POST", "/api/v1/accounts/"+strconv.FormatInt(admin.ID, 10)+"/reset-link", nil, &out)
	if st != 200 || !strings.HasPrefix(out.Link, "https://meet.example.org/reset#token=") {
		t.Errorf("reset link = %d %s", st, body)
	}
}
