package config

import (
	"fmt"
	"strings"
)

// minMetricsToken keeps a guessable token from passing for protection.
const minMetricsToken = 16

func init() {
	options = append(options, option{"metrics-token", "CONFER_METRICS_TOKEN",
		"if set, /metrics requires Authorization: Bearer <token> (at least 16 characters)"})
}

// applyMetrics reads the /metrics bearer token; empty leaves /metrics open
// (for a reverse proxy or a private network to restrict).
func (c *Config) applyMetrics(raw map[string]*string, src func(string) string) error {
	c.MetricsToken = ""
	p := raw["metrics-token"]
	if p == nil {
		return nil
	}
	v := strings.TrimSpace(*p)
	if v == "" {
		return nil
	}
	if len(v) < minMetricsToken || strings.ContainsAny(v, " \t\r\n") {
		// The value is a secret: not echoed in the error.
		return fmt.Errorf("%s: want at least %d characters without spaces", src("metrics-token"), minMetricsToken)
	}
	c.MetricsToken = v
	return nil
}
