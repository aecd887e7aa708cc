package config

import (
	"strings"
	"testing"
	"time"
)

func TestTURNOptions(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil || c.TURN.Enabled() {
		t.Fatalf("default: %+v %v", c.TURN, err)
	}
	c, err = Parse([]string{"--ice-servers", " stun:stun.example.org , turn:relay.example.org:3478?transport=udp", "--turn-ttl", "2h"},
		env(map[string]string{"CONFER_TURN_SECRET": "s3cret-from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TURN.URLs) != 2 || c.TURN.URLs[1] != "turn:relay.example.org:3478?transport=udp" || c.TURN.Secret != "s3cret-from-env" || c.TURN.TTL != 2*time.Hour {
		t.Errorf("parsed: %+v", c.TURN)
	}
	c, err = Parse(nil, env(map[string]string{"CONFER_ICE_SERVERS": "turns:relay.example.org:443?transport=tcp",
		"CONFER_TURN_USERNAME": "confer", "CONFER_TURN_PASSWORD": "pw"}))
	if err != nil || c.TURN.Username != "confer" || c.TURN.Password != "pw" {
		t.Errorf("fixed credential: %+v %v", c.TURN, err)
	}
	bad := [][]string{
		{"--ice-servers", "turn:relay.example.org"},                                      // no credential
		{"--ice-servers", "https://relay.example.org", "--turn-secret", "hidden-secret"}, // not an ICE URL
		{"--turn-secret", "hidden-secret"},                                               // no URL
		{"--ice-servers", "turn:relay.example.org", "--turn-secret", "hidden-secret", "--turn-ttl", "1m"},
	}
	for _, args := range bad {
		_, err := Parse(args, env(nil))
		if err == nil {
			t.Errorf("%q accepted", args)
			continue
		}
		if strings.Contains(err.Error(), "hidden-secret") {
			t.Errorf("%q: the error shows the secret: %v", args, err)
		}
	}
	if u := Usage(); !strings.Contains(u, "--ice-servers") || !strings.Contains(u, "CONFER_TURN_SECRET") {
		t.Errorf("usage lacks the TURN options")
	}
}

func TestBuiltInRelayOptions(t *testing.T) {
	c, err := Parse([]string{"--turn-listen", "0.0.0.0:3478", "--public-ip", "203.0.113.5"}, env(nil))
	if err != nil || c.TURNListen != "0.0.0.0:3478" {
		t.Fatalf("%+v %v", c.TURNListen, err)
	}
	if c, err := Parse([]string{"--turn-listen", "198.51.100.2:3478", "--turn-tls-listen", "198.51.100.3:443", "--self-signed"}, env(nil)); err != nil || c.TURNTLSListen != "198.51.100.3:443" {
		t.Errorf("TURN over TLS: %q %v", c.TURNTLSListen, err)
	}
	if _, err := Parse([]string{"--turn-listen", "198.51.100.2:3478", "--turn-secret", "hidden-secret"}, env(nil)); err != nil {
		t.Errorf("a specific address and a secret: %v", err)
	}
	for _, args := range [][]string{
		{"--turn-listen", "0.0.0.0:3478"}, // no address for browsers
		{"--turn-listen", "3478", "--public-ip", "203.0.113.5"},
		{"--turn-listen", "198.51.100.2:3478", "--turn-username", "u", "--turn-password", "hidden-secret"},
		{"--turn-listen", "198.51.100.2:3478", "--turn-tls-listen", "198.51.100.2:443"}, // no certificate
		{"--turn-tls-listen", "198.51.100.2:443", "--self-signed"},                      // no built-in relay
	} {
		_, err := Parse(args, env(nil))
		if err == nil || !strings.Contains(err.Error(), "listen") || strings.Contains(err.Error(), "hidden-secret") {
			t.Errorf("%q: err = %v", args, err)
		}
	}
}
