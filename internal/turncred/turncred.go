// Package turncred says which ICE servers (STUN, TURN) browsers should
// use, and mints their TURN credentials.
//
// A TURN relay is how people on networks that let no UDP and no direct
// TCP out (hospital and school firewalls, some guest Wi-Fi) still reach
// the media port. confer does not run the relay: operators point it at
// one (coturn, or any server speaking the TURN REST API). With a shared
// secret (coturn's use-auth-secret / static-auth-secret) every join gets
// its own short-lived credential, so a password copied out of a browser
// stops working by itself.
package turncred

import (
	"crypto/hmac"
	"crypto/sha1" // the TURN REST API fixes HMAC-SHA1; coturn checks exactly this
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Default and bounds of TTL. A relay checks the credential again when an
// allocation is refreshed, so it must outlast the longest meeting; every
// join and reconnection gets a fresh one.
const (
	DefaultTTL = 24 * time.Hour
	MinTTL     = 10 * time.Minute
	MaxTTL     = 7 * 24 * time.Hour
)

// Config is the operator's ICE server setting.
type Config struct {
	URLs []string // stun:, turn: and turns: URLs (RFC 7064, RFC 7065)
	// Secret is the relay's shared secret: credentials are minted per
	// join (TURN REST API). Exclusive with Username/Password.
	Secret string
	// Username and Password are one fixed credential for everyone, for
	// relays without a shared secret.
	Username, Password string
	TTL                time.Duration // lifetime of a minted credential; 0 = DefaultTTL
}

// Server is one entry of RTCConfiguration.iceServers.
type Server struct {
	URLs       []string
	Username   string
	Credential string
}

// Enabled reports whether any ICE server is configured.
func (c Config) Enabled() bool { return len(c.URLs) > 0 }

// Validate checks the URLs and that every TURN URL has a credential: a
// browser refuses a whole RTCPeerConnection whose TURN entry lacks one.
func (c Config) Validate() error {
	if c.Secret != "" && (c.Username != "" || c.Password != "") {
		return errors.New("give either a shared secret or a fixed username and password, not both")
	}
	if (c.Username == "") != (c.Password == "") {
		return errors.New("a fixed TURN credential needs both a username and a password")
	}
	if c.TTL != 0 && (c.TTL < MinTTL || c.TTL > MaxTTL) {
		return fmt.Errorf("credential lifetime %s: want 10m to 168h", c.TTL)
	}
	turn := false
	for _, u := range c.URLs {
		scheme, err := checkURL(u)
		if err != nil {
			return err
		}
		turn = turn || strings.HasPrefix(scheme, "turn")
	}
	if turn && c.Secret == "" && c.Username == "" {
		return errors.New("a turn: or turns: URL needs a shared secret or a username and password")
	}
	if !c.Enabled() && (c.Secret != "" || c.Username != "") {
		return errors.New("a TURN credential is set but no server URL")
	}
	return nil
}

// checkURL accepts stun:host[:port], stuns:…, turn:host[:port][?transport=udp|tcp]
// and turns:…, and returns the scheme.
func checkURL(raw string) (string, error) {
	bad := func(why string) (string, error) { return "", fmt.Errorf("ICE server URL %q: %s", raw, why) }
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL")
	}
	switch u.Scheme {
	case "stun", "stuns", "turn", "turns":
	default:
		return bad("want stun:, stuns:, turn: or turns:")
	}
	// Opaque: these URLs have no "//"; the host (and port) is the rest.
	hostport := u.Opaque
	if hostport == "" || u.Host != "" || strings.Contains(hostport, "/") || strings.Contains(hostport, "@") {
		return bad(`want scheme:host[:port], e.g. "turn:turn.example.org:3478?transport=udp"`)
	}
	host := hostport
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		host = hostport[:i]
		if p, err := strconv.Atoi(hostport[i+1:]); err != nil || p < 1 || p > 65535 {
			return bad("bad port")
		}
	}
	if strings.Trim(host, "[]") == "" {
		return bad("no host")
	}
	q := u.Query()
	for k := range q {
		if k != "transport" {
			return bad(fmt.Sprintf("unknown parameter %q", k))
		}
	}
	if t := q.Get("transport"); t != "" {
		if !strings.HasPrefix(u.Scheme, "turn") {
			return bad("transport= is for turn: and turns: URLs")
		}
		if t != "udp" && t != "tcp" {
			return bad("transport must be udp or tcp")
		}
	}
	return u.Scheme, nil
}

// Servers returns the ICE servers for one participant (user names it in
// the relay's logs; it should not be personal data), with credentials
// valid from now for the TTL. Nil when none is configured.
func (c Config) Servers(user string, now time.Time) []Server {
	if !c.Enabled() {
		return nil
	}
	var stun, turn []string
	for _, u := range c.URLs {
		if strings.HasPrefix(u, "turn") {
			turn = append(turn, u)
		} else {
			stun = append(stun, u)
		}
	}
	var out []Server
	if len(stun) > 0 {
		out = append(out, Server{URLs: stun})
	}
	if len(turn) > 0 {
		s := Server{URLs: turn, Username: c.Username, Credential: c.Password}
		if c.Secret != "" {
			s.Username, s.Credential = Mint(c.Secret, user, now.Add(c.ttl()))
		}
		out = append(out, s)
	}
	return out
}

// RenewEvery is how often a client in a long meeting should be given
// fresh credentials: half their lifetime; 0 when none are minted.
func (c Config) RenewEvery() time.Duration {
	if c.Secret == "" || !c.Enabled() {
		return 0
	}
	return c.ttl() / 2
}

func (c Config) ttl() time.Duration {
	if c.TTL == 0 {
		return DefaultTTL
	}
	return c.TTL
}

// Mint makes a TURN REST API credential valid until expiry: the username
// is "<expiry unix seconds>:<user>" and the password the base64 of its
// HMAC-SHA1 under the shared secret, which the relay recomputes.
func Mint(secret, user string, expiry time.Time) (username, password string) {
	username = strconv.FormatInt(expiry.Unix(), 10)
	if user != "" {
		username += ":" + user
	}
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
