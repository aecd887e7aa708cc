package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/turncred"
)

func init() {
	options = append(options,
		option{"ice-servers", "CONFER_ICE_SERVERS",
			`STUN/TURN servers browsers should use, comma-separated, e.g. "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:443?transport=tcp"`},
		option{"turn-secret", "CONFER_TURN_SECRET",
			"the TURN relay's shared secret (coturn static-auth-secret): a credential is minted per join; prefer the environment variable"},
		option{"turn-username", "CONFER_TURN_USERNAME", "a fixed TURN username for everyone (relays without a shared secret)"},
		option{"turn-password", "CONFER_TURN_PASSWORD", "the fixed TURN password; prefer the environment variable"},
		option{"turn-ttl", "CONFER_TURN_TTL", "lifetime of a minted TURN credential, e.g. 24h (10m to 168h)"},
	)
}

// applyTURN reads the ICE server options into c.TURN. Secrets are never
// echoed in errors.
func (c *Config) applyTURN(raw map[string]*string, src func(string) string) error {
	get := func(name string) string {
		if p := raw[name]; p != nil {
			return strings.TrimSpace(*p)
		}
		return ""
	}
	t := turncred.Config{Secret: get("turn-secret"), Username: get("turn-username"), Password: get("turn-password")}
	for _, u := range strings.Split(get("ice-servers"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			t.URLs = append(t.URLs, u)
		}
	}
	if v := get("turn-ttl"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < turncred.MinTTL || d > turncred.MaxTTL {
			return fmt.Errorf("%s %q: want a duration from 10m to 168h, e.g. 24h", src("turn-ttl"), v)
		}
		t.TTL = d
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("%s: %w", src("ice-servers"), err)
	}
	c.TURN = t
	return nil
}
