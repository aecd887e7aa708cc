package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRequireToken(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	status := func(h http.Handler, auth string) int {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if got := status(RequireToken("", ok), ""); got != http.StatusOK {
		t.Errorf("no token configured: %d, want open", got)
	}
	h := RequireToken("s3cret-token-0123456789", ok)
	for auth, want := range map[string]int{
		"":                               http.StatusUnauthorized,
		"Bearer wrong":                   http.StatusUnauthorized,
		"Basic s3cret-token-0123456789":  http.StatusUnauthorized,
		"Bearer s3cret-token-012345678":  http.StatusUnauthorized,
		"Bearer s3cret-token-0123456789": http.StatusOK,
	} {
		if got := status(h, auth); got != want {
			t.Errorf("Authorization %q: %d, want %d", auth, got, want)
		}
	}
}
