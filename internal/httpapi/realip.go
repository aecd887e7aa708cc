package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// realIP makes r.RemoteAddr the client's address when the request came
// through one of the trusted proxies: the right-most X-Forwarded-For entry
// that is not itself a trusted proxy (entries further left were written by
// the client, and may be anything). Every rate limit keys on RemoteAddr,
// so without this everyone behind the proxy would share one budget.
func realIP(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err == nil && isTrusted(peer.Addr().Unmap()) {
			if ip, ok := forwardedFor(r.Header.Values("X-Forwarded-For"), isTrusted); ok {
				r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// forwardedFor walks the X-Forwarded-For chain from the right.
func forwardedFor(values []string, isTrusted func(netip.Addr) bool) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // garbage from here on: trust none of it
		}
		if a = a.Unmap(); !isTrusted(a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}
