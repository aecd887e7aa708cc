package sfu

import (
	"log/slog"
	"strings"
	"testing"
)

// An operator can pin media to one local address (--media-ip, for hosts
// with docker, VPN or several networks): the server then offers
// candidates on that address only, and media flows through it.
func TestListenIPOffersOnlyThatAddress(t *testing.T) {
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := NewEngine(Config{Port: 0, ListenIP: "127.0.0.1", Logger: log})
	must(t, err)
	t.Cleanup(func() { _ = e.Close() })
	r := e.NewRouter("room", &recordingRouterHandler{})
	t.Cleanup(r.Close)
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	waitForwarding(t, r, a, b)
	n := 0
	for _, sdp := range a.offersSoFar() {
		for _, line := range strings.Split(sdp, "\n") {
			if !strings.HasPrefix(line, "a=candidate:") {
				continue
			}
			n++
			if f := strings.Fields(line); len(f) < 5 || f[4] != "127.0.0.1" {
				t.Errorf("candidate on another address: %s", line)
			}
		}
	}
	if n == 0 {
		t.Fatal("no candidate in the subscriber offers: the test proves nothing")
	}
}

func TestNewEngineRejectsBadListenIP(t *testing.T) {
	for _, ip := range []string{"nonsense", "::1"} {
		if _, err := NewEngine(Config{Port: 0, ListenIP: ip}); err == nil {
			t.Errorf("ListenIP %q accepted", ip)
		}
	}
}
