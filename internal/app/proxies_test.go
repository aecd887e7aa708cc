package app_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/login"
)

// TestRateLimitsPerPersonBehindAProxy: behind a reverse proxy every
// request comes from the proxy's address. Named as trusted, the proxy's
// X-Forwarded-For tells people apart, so a morning rush of sign-ins is not
// refused as one address's attempts; not named, the header is ignored
// (anyone could write it) and they share one budget.
func TestRateLimitsPerPersonBehindAProxy(t *testing.T) {
	for _, trust := range []bool{true, false} {
		_, base := apptest.StartConfig(t, func(c *config.Config) {
			if trust {
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
			}
		}, app.Options{})
		limited := 0
		for i := 0; i < login.AddrBurst+2; i++ {
			req, _ := http.NewRequest("POST", base+"/api/v1/auth/login",
				strings.NewReader(fmt.Sprintf(`{"email":"person%d@clinic.example","password":"wrong"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests {
				limited++
			}
		}
		if trust && limited != 0 {
			t.Errorf("behind a trusted proxy, %d different people were refused as one address", limited)
		}
		if !trust && limited == 0 {
			t.Errorf("an untrusted X-Forwarded-For chose the address the limit counts")
		}
	}
}
