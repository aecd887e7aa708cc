package config

import (
	"fmt"
	"strings"
	"time"
)

// DefaultUsageHeartbeat is how often open usage records are stamped: a
// crash loses at most this much of each meeting.
const DefaultUsageHeartbeat = 30 * time.Second

func init() {
	options = append(options, option{"usage-heartbeat", "CONFER_USAGE_HEARTBEAT",
		"how often open meeting records are stamped, e.g. 30s (a crash loses at most this much)"})
}

// applyUsage reads the usage options. Unset leaves UsageHeartbeat 0,
// which the app reads as DefaultUsageHeartbeat.
func (c *Config) applyUsage(raw map[string]*string, src func(string) string) error {
	v := ""
	if p := raw["usage-heartbeat"]; p != nil {
		v = strings.TrimSpace(*p)
	}
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 100*time.Millisecond || d > 10*time.Minute {
		return fmt.Errorf("%s %q: want a duration from 100ms to 10m, e.g. 30s", src("usage-heartbeat"), v)
	}
	c.UsageHeartbeat = d
	return nil
}
