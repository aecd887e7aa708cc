package config

import (
	"fmt"
	"net/url"
	"strings"
)

func init() {
	options = append(options, option{"public-url", "CONFER_PUBLIC_URL",
		"address people reach the service at, e.g. https://meet.example.org: base of reset and confirmation links (default: the host each request came in on) and of `confer admin account reset-link`"})
}

// ParsePublicURL checks a public base URL and returns it without a
// trailing slash; "" stays "" (unset).
func ParsePublicURL(v string) (string, error) {
	v = strings.TrimRight(strings.TrimSpace(v), "/")
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: want an http(s):// address without query, e.g. https://meet.example.org", v)
	}
	return v, nil
}

// applyPublicURL reads the public base URL.
func (c *Config) applyPublicURL(raw map[string]*string, src func(string) string) error {
	c.PublicURL = ""
	p := raw["public-url"]
	if p == nil {
		return nil
	}
	v, err := ParsePublicURL(*p)
	if err != nil {
		return fmt.Errorf("%s %w", src("public-url"), err)
	}
	c.PublicURL = v
	return nil
}
