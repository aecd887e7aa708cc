package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/apptest"
)

// TestOpenAPIMatchesMux checks the served document against the real
// handler: every documented operation reaches a handler (not the mux's
// 404 or 405), and every /api/v1 route registered is documented.
func TestOpenAPIMatchesMux(t *testing.T) {
	a, base := apptest.Start(t)
	admin, err := a.Store.AccountByEmail(context.Background(), "admin@localhost")
	if err != nil {
		t.Fatal(err)
	}
	c := apptest.SignIn(t, a, base, admin)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if st, body := c.Do("GET", "/api/v1/openapi.json", nil, &doc); st != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json = %d %.200s", st, body)
	}
	documented := map[string]bool{}
	fill := strings.NewReplacer("{org}", "demo", "{room}", "demo", "{slug}", "demo", "{id}", "999999")
	for path, ops := range doc.Paths {
		for method := range ops {
			m := strings.ToUpper(method)
			documented[m+" "+path] = true
			st, body := c.Do(m, fill.Replace(path), nil, nil)
			if st == http.StatusMethodNotAllowed || st == http.StatusNotFound && strings.Contains(body, "no such API route") {
				t.Errorf("documented %s %s is not served: %d %s", m, path, st, body)
			}
		}
	}
	for _, p := range a.API.Patterns() {
		if strings.Contains(p, " /api/v1/") && !documented[p] {
			t.Errorf("route %q is not in openapi.json", p)
		}
	}
	if !documented["GET /api/v1/public/rooms/{slug}"] {
		t.Error("the public room lookup is not documented")
	}
	// A route that does not exist gets the mux's answer, so the check
	// above can tell them apart.
	if st, body := c.Do("GET", "/api/v1/nothing-here", nil, nil); st != 404 || !strings.Contains(body, "no such API route") {
		t.Errorf("unknown route = %d %s", st, body)
	}
}
