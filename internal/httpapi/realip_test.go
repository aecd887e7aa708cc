package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestRealIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	var got string
	h := realIP(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = clientIP(r) }))
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"through the proxy", "127.0.0.1:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"through two of ours", "10.0.0.2:5000", []string{"198.51.100.7, 10.0.0.9"}, "198.51.100.7"},
		{"the client's own claim is left of the real one", "127.0.0.1:5000", []string{"203.0.113.66, 198.51.100.7"}, "198.51.100.7"},
		{"several headers", "127.0.0.1:5000", []string{"203.0.113.66", "198.51.100.7"}, "198.51.100.7"},
		{"IPv6 client", "127.0.0.1:5000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"no header", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"garbage", "127.0.0.1:5000", []string{"not-an-ip"}, "127.0.0.1"},
		{"only our proxies", "127.0.0.1:5000", []string{"10.0.0.3"}, "127.0.0.1"},
		{"not from a trusted proxy: header ignored", "198.51.100.9:5000", []string{"203.0.113.66"}, "198.51.100.9"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("%s: client %q, want %q", c.name, got, c.want)
		}
	}
}

func FuzzForwardedFor(f *testing.F) {
	f.Add("198.51.100.7, 10.0.0.9")
	f.Add(",,, ::ffff:1.2.3.4 ,")
	f.Add("[::1]:80")
	trusted := func(a netip.Addr) bool { return a.IsLoopback() }
	f.Fuzz(func(t *testing.T, v string) {
		if a, ok := forwardedFor([]string{v}, trusted); ok && (!a.IsValid() || a.IsLoopback()) {
			t.Fatalf("%q gave %v", v, a)
		}
	})
}
