package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/store"
)

// TestWebhookPrivateRefused: the API refuses endpoints on loopback or
// private addresses unless --webhook-allow-private; retrying a delivery
// that is not failed is a conflict, an unknown one 404.
func TestWebhookPrivateRefused(t *testing.T) {
	for _, allow := range []bool{false, true} {
		a, base := apptest.StartConfig(t, func(c *config.Config) { c.WebhookAllowPrivate = allow }, app.Options{})
		admin := apptest.SignIn(t, a, base, apptest.AddAccount(t, a, "ops@example.org", "", store.RolePlatformAdmin, "correct horse battery"))
		for _, url := range []string{"http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://169.254.169.254/"} {
			code, body := admin.Do("POST", "/api/v1/usage/webhooks", map[string]string{"url": url}, nil)
			if want := map[bool]int{false: 422, true: 201}[allow]; code != want || (!allow && !strings.Contains(body, "private")) {
				t.Errorf("allow=%t %s: %d %s", allow, url, code, body)
			}
		}
		if code, _ := admin.Do("POST", "/api/v1/usage/webhooks/deliveries/12345/retry", nil, nil); code != http.StatusNotFound {
			t.Errorf("retry of an unknown delivery: %d", code)
		}
	}
}
