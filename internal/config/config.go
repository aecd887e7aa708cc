// Package config turns command-line flags and CONFER_* environment
// variables into a validated Config for `confer serve`. Precedence:
// flag, then environment, then default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/turncred"
)

// Config is the service configuration.
type Config struct {
	Data        string     // data folder: database, self-signed certificate
	HTTP        string     // HTTP listen address host:port
	MediaPort   int        // UDP and TCP port for WebRTC media; 0 picks a free one
	PublicIPs   []string   // addresses announced to clients (NAT 1:1), normalised
	TLSCert     string     // PEM certificate file; TLSKey must be set too
	TLSKey      string     // PEM key file
	SelfSigned  bool       // generate and use a self-signed cert in Data
	Dev         bool       // development mode: demo org and room
	MaxCapacity int        // ceiling for room capacity
	DB          string     // "" = SQLite in Data; later a postgres:// URL
	LogLevel    slog.Level // debug, info, warn or error
	// Loopback: also offer loopback ICE candidates; nil = auto, decided at
	// start-up (OfferLoopback).
	Loopback *bool
	MediaIP  string // the one local IPv4 address media is received on; "" = every address
	// PersonalValidUntil is the default end of validity of new personal
	// accounts (end of the given day, UTC); zero: they do not expire.
	PersonalValidUntil  time.Time
	Signup              bool            // self-service sign-up of personal accounts
	OperatorContact     string          // whom people are told to ask; "" = "the platform operator"
	UsageHeartbeat      time.Duration   // stamping of open usage records (usage.go)
	ReconnectGrace      time.Duration   // how long a dropped participant is kept; 0 = 20s (reconnect.go)
	Files               Files           // document limits (files.go)
	MetricsToken        string          // bearer token /metrics requires; "" = open (metrics.go)
	WebhookAllowPrivate bool            // webhook endpoints may resolve to private addresses (webhook.go)
	PublicURL           string          // base of emailed/printed links; "" = the request's host (publicurl.go)
	TURN                turncred.Config // ICE servers (STUN, TURN) for browsers (turn.go)
	TURNListen          string          // address of the built-in TURN relay; "" = none (turn.go)
	TURNTLSListen       string          // its TURN-over-TLS address; "" = none
	Cluster             Cluster         // multi-node deployment (cluster.go)
	TrustedProxies      []netip.Prefix  // whose X-Forwarded-For is believed (proxies.go)
}

// Defaults.
const (
	DefaultData        = "./confer-data"
	DefaultHTTP        = "127.0.0.1:8080"
	DefaultMediaPort   = 7882
	DefaultMaxCapacity = 50
	maxMaxCapacity     = 1000 // beyond this one SFU process is not the answer
)

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Data: DefaultData, HTTP: DefaultHTTP, MediaPort: DefaultMediaPort,
		MaxCapacity: DefaultMaxCapacity, LogLevel: slog.LevelInfo,
		Files: DefaultFiles(),
	}
}

// SQLitePath is where the SQLite database lives when DB is "".
func (c Config) SQLitePath() string { return filepath.Join(c.Data, "confer.db") }

// option ties a flag to its environment variable, for Usage and errors.
type option struct {
	flag, env, help string
}

var options = []option{
	{"data", "CONFER_DATA", "data folder (database, generated certificate)"},
	{"http", "CONFER_HTTP", "HTTP listen address host:port (0.0.0.0:8080 for the LAN)"},
	{"media-port", "CONFER_MEDIA_PORT", "UDP and TCP port for media"},
	{"public-ip", "CONFER_PUBLIC_IP", "public address(es) to announce, comma-separated"},
	{"tls-cert", "CONFER_TLS_CERT", "TLS certificate file (PEM); needs --tls-key"},
	{"tls-key", "CONFER_TLS_KEY", "TLS private key file (PEM); needs --tls-cert"},
	{"self-signed", "CONFER_SELF_SIGNED", "serve HTTPS with a generated self-signed certificate (LAN trials)"},
	{"dev", "CONFER_DEV", "development mode: create a demo org and open room"},
	{"max-capacity", "CONFER_MAX_CAPACITY", "largest allowed room capacity"},
	{"db", "CONFER_DB", `database; "" means SQLite in the data folder`},
	{"log-level", "CONFER_LOG_LEVEL", "debug, info, warn or error"},
	{"loopback-candidates", "CONFER_LOOPBACK", "also offer loopback media addresses (same-machine clients): true, false or auto (with --dev, or when the machine has no other address)"},
	{"media-ip", "CONFER_MEDIA_IP", "receive media on this local IPv4 address only (hosts with docker, VPN or several networks); default: every address"},
	{"personal-valid-until", "CONFER_PERSONAL_VALID_UNTIL", "default last day (YYYY-MM-DD) of new personal accounts; empty: no end"},
	{"signup", "CONFER_SIGNUP", "let people sign up for a personal account themselves"},
	{"operator-contact", "CONFER_OPERATOR_CONTACT", `whom people are told to ask about their account (e.g. "help@example.org")`},
}

// Parse reads args (without the program and command names) and the
// environment through getenv. On -h/--help it writes Usage to os.Stderr
// and returns an error wrapping flag.ErrHelp.
func Parse(args []string, getenv func(string) string) (Config, error) {
	c := Default()
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	fs, raw := newFlagSet(c, getenv)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(os.Stderr, Usage())
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Every value, whether from a flag or the environment, is a string
	// here; validating in one place keeps the messages uniform.
	src := func(name string) string {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
		if set {
			return "--" + name
		}
		for _, o := range options {
			if o.flag == name {
				return o.env
			}
		}
		return name
	}
	if err := c.apply(raw, src); err != nil {
		return Config{}, err
	}
	return c, nil
}

// newFlagSet declares every option as a string flag whose default is the
// environment value (or the built-in default), so flags override env.
func newFlagSet(def Config, getenv func(string) string) (*flag.FlagSet, map[string]*string) {
	defaults := map[string]string{
		"data": def.Data, "http": def.HTTP, "media-port": strconv.Itoa(def.MediaPort),
		"public-ip": "", "tls-cert": "", "tls-key": "", "self-signed": "false", "dev": "false",
		"max-capacity": strconv.Itoa(def.MaxCapacity), "db": "", "log-level": "info",
		"loopback-candidates": "auto", "media-ip": "",
		"personal-valid-until": "", "signup": "false", "operator-contact": "",
	}
	fs := flag.NewFlagSet("confer serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, not printed
	raw := map[string]*string{}
	for _, o := range options {
		v := defaults[o.flag]
		if e := getenv(o.env); e != "" {
			v = e
		}
		if isBool(o.flag) {
			b := &boolString{s: v}
			fs.Var(b, o.flag, o.help)
			raw[o.flag] = &b.s
		} else {
			raw[o.flag] = fs.String(o.flag, v, o.help)
		}
	}
	return fs, raw
}

func isBool(name string) bool {
	return name == "self-signed" || name == "dev" || name == "loopback-candidates" || name == "signup" || boolOptions[name]
}

// boolString is a string flag that accepts bare --dev like a bool flag.
type boolString struct{ s string }

func (b *boolString) String() string     { return b.s }
func (b *boolString) Set(v string) error { b.s = v; return nil }
func (b *boolString) IsBoolFlag() bool   { return true }

func (c *Config) apply(raw map[string]*string, src func(string) string) error {
	var err error
	c.Data = strings.TrimSpace(*raw["data"])
	if c.Data == "" {
		return fmt.Errorf("%s: must not be empty", src("data"))
	}
	c.HTTP = *raw["http"]
	if err := checkHostPort(c.HTTP); err != nil {
		return fmt.Errorf("%s %q: %w", src("http"), c.HTTP, err)
	}
	if c.MediaPort, err = parsePort(*raw["media-port"]); err != nil {
		return fmt.Errorf("%s %q: %w", src("media-port"), *raw["media-port"], err)
	}
	c.PublicIPs = nil
	for _, s := range strings.Split(*raw["public-ip"], ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Zone() != "" {
			return fmt.Errorf("%s: %q is not an IP address", src("public-ip"), s)
		}
		c.PublicIPs = append(c.PublicIPs, ip.Unmap().String())
	}
	c.TLSCert, c.TLSKey = *raw["tls-cert"], *raw["tls-key"]
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"self-signed", &c.SelfSigned}, {"dev", &c.Dev}, {"signup", &c.Signup}} {
		if *b.dst, err = strconv.ParseBool(*raw[b.name]); err != nil {
			return fmt.Errorf("%s: %q is not true or false", src(b.name), *raw[b.name])
		}
	}
	c.Loopback = nil
	if v := strings.TrimSpace(*raw["loopback-candidates"]); !strings.EqualFold(v, "auto") {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: %q is not true, false or auto", src("loopback-candidates"), v)
		}
		c.Loopback = &b
	}
	if c.MediaIP = strings.TrimSpace(*raw["media-ip"]); c.MediaIP != "" {
		ip, err := netip.ParseAddr(c.MediaIP)
		if err != nil || !ip.Unmap().Is4() {
			return fmt.Errorf("%s: %q is not an IPv4 address", src("media-ip"), c.MediaIP)
		}
		c.MediaIP = ip.Unmap().String()
	}
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		return fmt.Errorf("%s given without --tls-key (CONFER_TLS_KEY)", src("tls-cert"))
	case c.TLSKey != "" && c.TLSCert == "":
		return fmt.Errorf("%s given without --tls-cert (CONFER_TLS_CERT)", src("tls-key"))
	case c.TLSCert != "" && c.SelfSigned:
		return fmt.Errorf("%s and %s exclude each other", src("tls-cert"), src("self-signed"))
	}
	n, err := strconv.Atoi(*raw["max-capacity"])
	if err != nil || n < 1 || n > maxMaxCapacity {
		return fmt.Errorf("%s %q: must be a number from 1 to %d", src("max-capacity"), *raw["max-capacity"], maxMaxCapacity)
	}
	c.MaxCapacity = n
	c.DB = strings.TrimSpace(*raw["db"])
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("%s: want empty (SQLite in the data folder) or a postgres:// URL", src("db"))
	}
	c.PersonalValidUntil = time.Time{}
	if v := strings.TrimSpace(*raw["personal-valid-until"]); v != "" {
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return fmt.Errorf("%s %q: want a date YYYY-MM-DD, e.g. 2027-08-31", src("personal-valid-until"), v)
		}
		// Valid through that whole day.
		c.PersonalValidUntil = d.Add(24*time.Hour - time.Second)
	}
	c.OperatorContact = strings.TrimSpace(*raw["operator-contact"])
	if err := c.applyUsage(raw, src); err != nil {
		return err
	}
	if err := c.applyFiles(raw, src); err != nil {
		return err
	}
	if err := errors.Join(c.applyMetrics(raw, src), c.applyWebhook(raw, src), c.applyPublicURL(raw, src), c.applyReconnect(raw, src), c.applyTURN(raw, src), c.applyCluster(raw, src),
		c.applyTrustedProxies(raw, src)); err != nil {
		return err
	}
	if err := c.LogLevel.UnmarshalText([]byte(*raw["log-level"])); err != nil || strings.ContainsAny(*raw["log-level"], "+-") {
		return fmt.Errorf("%s %q: want debug, info, warn or error", src("log-level"), *raw["log-level"])
	}
	return nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || p < 0 || p > 65535 {
		return 0, errors.New("port must be a number from 0 to 65535")
	}
	return p, nil
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port, e.g. 127.0.0.1:8080")
	}
	if _, err := parsePort(port); err != nil {
		return err
	}
	if strings.ContainsAny(host, " /") {
		return errors.New("bad host")
	}
	return nil
}

// Usage is the help text for `confer serve`.
func Usage() string {
	var b strings.Builder
	b.WriteString("Usage: confer serve [flags]\n\nEach flag can also be set by the environment variable shown; flags win.\n\n")
	def := Default()
	defaults := map[string]string{
		"data": def.Data, "http": def.HTTP, "media-port": strconv.Itoa(def.MediaPort),
		"max-capacity": strconv.Itoa(def.MaxCapacity), "log-level": "info", "loopback-candidates": "auto",
	}
	for _, o := range options {
		arg := " value"
		if isBool(o.flag) {
			arg = ""
		}
		fmt.Fprintf(&b, "  --%s%s  (%s)\n      %s", o.flag, arg, o.env, o.help)
		if d := defaults[o.flag]; d != "" {
			fmt.Fprintf(&b, " (default %s)", d)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// OfferLoopback resolves Loopback. An explicit choice wins; auto offers
// loopback candidates in development mode, when media is received on a
// loopback address, or when the machine has no other IPv4 address (then
// they are the only way in). Elsewhere they reach nobody: remote browsers
// cannot use them, and each costs every connection a socket reader,
// buffers and connectivity checks.
func (c Config) OfferLoopback(hasOtherIPv4 func() bool) bool {
	if c.Loopback != nil {
		return *c.Loopback
	}
	if c.Dev {
		return true
	}
	if ip, err := netip.ParseAddr(c.MediaIP); err == nil {
		return ip.IsLoopback()
	}
	return !hasOtherIPv4()
}
