package config

import (
	"errors"
	"flag"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Parse(nil) = %+v, want %+v", c, Default())
	}
	if c.Data != "./confer-data" || c.HTTP != "127.0.0.1:8080" || c.MediaPort != 7882 ||
		c.MaxCapacity != 50 || c.LogLevel != slog.LevelInfo || c.Loopback != nil || c.Dev || c.DB != "" {
		t.Errorf("unexpected defaults %+v", c)
	}
	if c.SQLitePath() != "confer-data/confer.db" {
		t.Errorf("SQLitePath = %q", c.SQLitePath())
	}
}

func TestEnvAndFlags(t *testing.T) {
	e := env(map[string]string{
		"CONFER_DATA": "/var/lib/confer", "CONFER_HTTP": "0.0.0.0:9000", "CONFER_MEDIA_PORT": "40000",
		"CONFER_PUBLIC_IP": "203.0.113.7, 2001:db8::1", "CONFER_DEV": "1", "CONFER_MAX_CAPACITY": "12",
		"CONFER_LOG_LEVEL": "debug", "CONFER_LOOPBACK": "false", "CONFER_SELF_SIGNED": "true",
	})
	c, err := Parse(nil, e)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Data: "/var/lib/confer", HTTP: "0.0.0.0:9000", MediaPort: 40000,
		PublicIPs: []string{"203.0.113.7", "2001:db8::1"}, SelfSigned: true, Dev: true, MaxCapacity: 12,
		LogLevel: slog.LevelDebug, Loopback: ptr(false), Files: DefaultFiles()}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("env only:\n got %+v\nwant %+v", c, want)
	}

	// Flags win over the environment.
	c, err = Parse([]string{"--data", "/tmp/x", "--http=:8443", "--media-port", "7000", "--public-ip", "198.51.100.2",
		"--dev=false", "--max-capacity", "30", "--log-level", "WARN", "--loopback-candidates", "--self-signed=false",
		"--tls-cert", "c.pem", "--tls-key", "k.pem"}, e)
	if err != nil {
		t.Fatal(err)
	}
	want = Config{Data: "/tmp/x", HTTP: ":8443", MediaPort: 7000, PublicIPs: []string{"198.51.100.2"},
		TLSCert: "c.pem", TLSKey: "k.pem", MaxCapacity: 30, LogLevel: slog.LevelWarn, Loopback: ptr(true), Files: DefaultFiles()}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("flags:\n got %+v\nwant %+v", c, want)
	}
}

func TestBareBoolFlag(t *testing.T) {
	c, err := Parse([]string{"--dev", "-self-signed"}, env(nil))
	if err != nil || !c.Dev || !c.SelfSigned {
		t.Errorf("Parse(--dev -self-signed) = %+v, %v", c, err)
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		env     map[string]string
		wantMsg string
	}{
		{[]string{"--media-port", "70000"}, nil, "--media-port"},
		{[]string{"--media-port", "-1"}, nil, "port"},
		{nil, map[string]string{"CONFER_MEDIA_PORT": "abc"}, "CONFER_MEDIA_PORT"},
		{[]string{"--http", "localhost"}, nil, "host:port"},
		{[]string{"--http", "127.0.0.1:99999"}, nil, "port"},
		{[]string{"--public-ip", "1.2.3.4,nope"}, nil, `"nope" is not an IP`},
		{[]string{"--public-ip", "example.com"}, nil, "not an IP"},
		{[]string{"--tls-cert", "c.pem"}, nil, "without --tls-key"},
		{nil, map[string]string{"CONFER_TLS_KEY": "k.pem"}, "CONFER_TLS_KEY given without"},
		{[]string{"--tls-cert", "c", "--tls-key", "k", "--self-signed"}, nil, "exclude"},
		{[]string{"--max-capacity", "0"}, nil, "--max-capacity"},
		{[]string{"--max-capacity", "many"}, nil, "--max-capacity"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"--log-level", "info+2"}, nil, "--log-level"},
		{nil, map[string]string{"CONFER_DEV": "maybe"}, "CONFER_DEV"},
		{[]string{"--db", "mysql://x"}, nil, "--db"},
		{[]string{"--data", ""}, nil, "--data"},
		{[]string{"--nope"}, nil, "not defined"},
		{[]string{"extra"}, nil, "unexpected argument"},
	} {
		_, err := Parse(tc.args, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.wantMsg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q, %v) err = %v, want one line containing %q", tc.args, tc.env, err, tc.wantMsg)
		}
	}
}

func TestPostgresURLAccepted(t *testing.T) {
	c, err := Parse([]string{"--db", "postgres://u@h/confer"}, env(nil))
	if err != nil || c.DB != "postgres://u@h/confer" {
		t.Errorf("Parse(--db postgres) = %+v, %v", c, err)
	}
}

func TestHelp(t *testing.T) {
	if _, err := Parse([]string{"-h"}, env(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Parse(-h) err = %v, want flag.ErrHelp", err)
	}
	u := Usage()
	for _, o := range options {
		if !strings.Contains(u, "--"+o.flag) || !strings.Contains(u, o.env) {
			t.Errorf("Usage lacks --%s / %s", o.flag, o.env)
		}
	}
}

func TestDirectoryOptions(t *testing.T) {
	env := map[string]string{"CONFER_PERSONAL_VALID_UNTIL": "2027-08-31", "CONFER_SIGNUP": "true",
		"CONFER_OPERATOR_CONTACT": " help@example.org "}
	c, err := Parse(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got := c.PersonalValidUntil.Format("2006-01-02 15:04:05"); got != "2027-08-31 23:59:59" || !c.Signup ||
		c.OperatorContact != "help@example.org" {
		t.Errorf("config = %v %v %q", got, c.Signup, c.OperatorContact)
	}
	c, err = Parse([]string{"--signup=false", "--personal-valid-until", ""}, func(k string) string { return env[k] })
	if err != nil || c.Signup || !c.PersonalValidUntil.IsZero() {
		t.Errorf("flags over env: %+v, %v", c, err)
	}
	if _, err := Parse([]string{"--personal-valid-until", "31/08/2027"}, nil); err == nil ||
		!strings.Contains(err.Error(), "--personal-valid-until") {
		t.Errorf("bad date err = %v", err)
	}
	if _, err := Parse(nil, func(k string) string { return map[string]string{"CONFER_SIGNUP": "maybe"}[k] }); err == nil ||
		!strings.Contains(err.Error(), "CONFER_SIGNUP") {
		t.Errorf("bad bool err = %v", err)
	}
}

func TestFileLimits(t *testing.T) {
	c, err := Parse([]string{"--max-upload-mb", "10"}, func(k string) string {
		if k == "CONFER_FILE_RETENTION_DAYS" {
			return "0"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Files.MaxUploadMB != 10 || c.Files.RetentionDays != 0 || c.Files.OrgStorageMB != 2048 {
		t.Fatalf("files %+v", c.Files)
	}
	if _, err := Parse([]string{"--org-storage-mb", "0"}, nil); err == nil || !strings.Contains(err.Error(), "--org-storage-mb") {
		t.Fatalf("zero org storage accepted or unclear: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// Loopback candidates: auto unless said, and auto offers them only where
// they can reach someone.
func TestLoopbackAndMediaIP(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		other bool // the machine has a non-loopback IPv4 address
		want  bool
	}{
		{nil, true, false},
		{nil, false, true}, // a machine with nothing else: the only way in
		{[]string{"--dev"}, true, true},
		{[]string{"--loopback-candidates"}, true, true},
		{[]string{"--loopback-candidates=auto"}, true, false},
		{[]string{"--loopback-candidates=false", "--dev"}, false, false},
		{[]string{"--media-ip", "127.0.0.1"}, true, true},
		{[]string{"--media-ip", "10.1.2.3"}, false, false},
	} {
		c, err := Parse(tc.args, env(nil))
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := c.OfferLoopback(func() bool { return tc.other }); got != tc.want {
			t.Errorf("%v (other address %v): loopback %v, want %v", tc.args, tc.other, got, tc.want)
		}
	}
	c, err := Parse(nil, env(map[string]string{"CONFER_MEDIA_IP": " ::ffff:10.0.0.5 "}))
	if err != nil || c.MediaIP != "10.0.0.5" {
		t.Fatalf("CONFER_MEDIA_IP: %q, %v", c.MediaIP, err)
	}
	for _, bad := range [][]string{{"--media-ip", "2001:db8::1"}, {"--media-ip", "eth0"}, {"--loopback-candidates=maybe"}} {
		if _, err := Parse(bad, env(nil)); err == nil || !strings.Contains(err.Error(), strings.SplitN(bad[0], "=", 2)[0]) {
			t.Errorf("%v: error %v, want one naming the flag", bad, err)
		}
	}
}
