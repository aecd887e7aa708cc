package config

import (
	"fmt"
	"net/netip"
	"strings"
)

func init() {
	options = append(options, option{"trusted-proxies", "CONFER_TRUSTED_PROXIES",
		"reverse proxies or load balancers in front of confer (IP addresses or CIDR ranges, comma-separated, e.g. 127.0.0.1,10.0.0.0/8): behind them the client's address is read from X-Forwarded-For, so rate limits apply per person and not to everyone at once"})
}

// applyTrustedProxies reads the addresses whose X-Forwarded-For is
// believed.
func (c *Config) applyTrustedProxies(raw map[string]*string, src func(string) string) error {
	c.TrustedProxies = nil
	p := raw["trusted-proxies"]
	if p == nil {
		return nil
	}
	for _, v := range strings.Split(*p, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(v)
		if err != nil {
			ip, err2 := netip.ParseAddr(v)
			if err2 != nil || ip.Zone() != "" {
				return fmt.Errorf("%s: %q is not an IP address or CIDR range", src("trusted-proxies"), v)
			}
			pfx = netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
	}
	return nil
}
