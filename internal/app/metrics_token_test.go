package app_test

import (
	"net/http"
	"testing"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
)

// TestMetricsToken: with --metrics-token, /metrics wants the bearer token.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-me-please-0123"
	_, base := apptest.StartConfig(t, func(c *config.Config) { c.MetricsToken = token }, app.Options{})
	for auth, want := range map[string]int{"": 401, "Bearer nope": 401, "Bearer " + token: 200} {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Authorization %q: %d, want %d", auth, res.StatusCode, want)
		}
	}
}
