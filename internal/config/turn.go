package config

import (
	"fmt"
	"net"
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
		option{"turn-listen", "CONFER_TURN_LISTEN", "run confer's own TURN relay on this UDP and TCP address, e.g. 0.0.0.0:3478 (for networks that let only one port out); browsers are told turn:<first --public-ip>:<port>"},
		option{"turn-tls-listen", "CONFER_TURN_TLS_LISTEN", "the built-in relay also speaks TURN over TLS here, e.g. 203.0.113.5:443 (networks that let only TLS out), with the HTTPS certificate; browsers are told turns:<host of --public-url>:<port>"},
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
	c.TURNListen = get("turn-listen")
	check := t
	if c.TURNListen != "" {
		if err := checkHostPort(c.TURNListen); err != nil {
			return fmt.Errorf("%s %q: %w", src("turn-listen"), c.TURNListen, err)
		}
		host, _, _ := net.SplitHostPort(c.TURNListen)
		if len(c.PublicIPs) == 0 && (host == "" || host == "0.0.0.0" || host == "::") {
			return fmt.Errorf("%s: browsers need an address for the relay: set --public-ip, or listen on a specific address", src("turn-listen"))
		}
		if t.Username != "" {
			return fmt.Errorf("%s: the built-in relay checks minted credentials; give --turn-secret (or nothing), not a fixed username", src("turn-listen"))
		}
		if c.TURNTLSListen = get("turn-tls-listen"); c.TURNTLSListen != "" {
			if err := checkHostPort(c.TURNTLSListen); err != nil {
				return fmt.Errorf("%s %q: %w", src("turn-tls-listen"), c.TURNTLSListen, err)
			}
			if c.TLSCert == "" && !c.SelfSigned {
				return fmt.Errorf("%s needs the certificate of --tls-cert (browsers check it against the relay's name)", src("turn-tls-listen"))
			}
		}
		// Its URLs and, without --turn-secret, its secret come at start.
		check.URLs = append(check.URLs, "turn:relay.invalid")
		if check.Secret == "" {
			check.Secret = "set-at-start"
		}
	}
	if c.TURNListen == "" && get("turn-tls-listen") != "" {
		return fmt.Errorf("%s needs --turn-listen (the built-in relay)", src("turn-tls-listen"))
	}
	if err := check.Validate(); err != nil {
		return fmt.Errorf("%s: %w", src("ice-servers"), err)
	}
	c.TURN = t
	return nil
}
