package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// RequireToken guards h with a bearer token (--metrics-token); an empty
// token leaves h open. Prometheus sends it with `authorization:
// {credentials: …}` (or bearer_token_file) in its scrape config.
func RequireToken(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	// Comparing hashes keeps the comparison constant-time whatever the
	// length of what the client sent.
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="confer metrics"`)
			http.Error(w, "metrics need the bearer token (--metrics-token)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
