package login

import (
	"net/http"
	"net/url"
	"strings"
)

// CheckOrigin refuses a cross-site write: the Origin header, when the
// browser sends one, must name this host; otherwise Sec-Fetch-Site must
// not say cross-site. Non-browser clients send neither and pass (they
// need a token or the CSRF header anyway).
func CheckOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
	}
	s := r.Header.Get("Sec-Fetch-Site")
	return s == "" || s == "same-origin" || s == "none"
}

// CheckCSRF reports whether a write by p through r may proceed: tokens
// always; cookie sessions with the right X-CSRF-Token and origin.
func CheckCSRF(r *http.Request, p *Principal) bool {
	if !CheckOrigin(r) {
		return false
	}
	if p == nil || p.ViaToken() {
		return true
	}
	return equalSecret(r.Header.Get("X-CSRF-Token"), p.CSRFToken())
}

// Safe reports whether a method only reads.
func Safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
