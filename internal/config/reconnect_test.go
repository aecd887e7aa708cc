package config

import (
	"strings"
	"testing"
	"time"
)

func TestReconnectGraceOption(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil || c.ReconnectGrace != 0 {
		t.Fatalf("default: %v %v (want 0, read as %v)", c.ReconnectGrace, err, DefaultReconnectGrace)
	}
	c, err = Parse(nil, env(map[string]string{"CONFER_RECONNECT_GRACE": " 45s "}))
	if err != nil || c.ReconnectGrace != 45*time.Second {
		t.Fatalf("env: %v %v", c.ReconnectGrace, err)
	}
	c, err = Parse([]string{"--reconnect-grace", "2m"}, env(map[string]string{"CONFER_RECONNECT_GRACE": "45s"}))
	if err != nil || c.ReconnectGrace != 2*time.Minute {
		t.Fatalf("flag over env: %v %v", c.ReconnectGrace, err)
	}
	for _, ok := range []string{"1s", "10m"} {
		if _, err := Parse([]string{"--reconnect-grace", ok}, env(nil)); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"999ms", "10m1s", "0", "-5s", "20", "soon"} {
		_, err := Parse([]string{"--reconnect-grace", bad}, env(nil))
		if err == nil || !strings.Contains(err.Error(), "--reconnect-grace") {
			t.Errorf("--reconnect-grace %s: %v", bad, err)
		}
	}
	_, err = Parse(nil, env(map[string]string{"CONFER_RECONNECT_GRACE": "11m"}))
	if err == nil || !strings.Contains(err.Error(), "CONFER_RECONNECT_GRACE") {
		t.Errorf("env 11m: %v", err)
	}
	if u := Usage(); !strings.Contains(u, "--reconnect-grace") || !strings.Contains(u, "CONFER_RECONNECT_GRACE") {
		t.Errorf("usage lacks the option:\n%s", u)
	}
}
