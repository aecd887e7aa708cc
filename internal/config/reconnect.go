package config

import (
	"fmt"
	"strings"
	"time"
)

// DefaultReconnectGrace is how long a participant whose connection
// dropped is kept before the others are told it left.
const DefaultReconnectGrace = 20 * time.Second

func init() {
	options = append(options, option{"reconnect-grace", "CONFER_RECONNECT_GRACE",
		"how long a participant whose connection dropped is kept, e.g. 20s (1s to 10m)"})
}

// applyReconnect reads the reconnection options. Unset leaves
// ReconnectGrace 0, which the room manager reads as DefaultReconnectGrace.
func (c *Config) applyReconnect(raw map[string]*string, src func(string) string) error {
	v := ""
	if p := raw["reconnect-grace"]; p != nil {
		v = strings.TrimSpace(*p)
	}
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > 10*time.Minute {
		return fmt.Errorf("%s %q: want a duration from 1s to 10m, e.g. 20s", src("reconnect-grace"), v)
	}
	c.ReconnectGrace = d
	return nil
}
