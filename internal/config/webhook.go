package config

import (
	"fmt"
	"strconv"
	"strings"
)

func init() {
	options = append(options, option{"webhook-allow-private", "CONFER_WEBHOOK_ALLOW_PRIVATE",
		"let webhook endpoints resolve to loopback, private or link-local addresses (LAN deployments, tests)"})
	boolOptions["webhook-allow-private"] = true
}

// boolOptions are flags of the files beside config.go that, like --dev,
// may be given bare.
var boolOptions = map[string]bool{}

// applyWebhook reads the webhook options; unset means false.
func (c *Config) applyWebhook(raw map[string]*string, src func(string) string) error {
	c.WebhookAllowPrivate = false
	p := raw["webhook-allow-private"]
	if p == nil || strings.TrimSpace(*p) == "" {
		return nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(*p))
	if err != nil {
		return fmt.Errorf("%s: %q is not true or false", src("webhook-allow-private"), *p)
	}
	c.WebhookAllowPrivate = b
	return nil
}
