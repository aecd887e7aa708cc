package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrPrivateAddress refuses an endpoint that is, or resolves to, an
// address of this machine or its networks: a webhook must not become a
// way to reach internal services (SSRF). --webhook-allow-private lifts it.
var ErrPrivateAddress = errors.New("url: resolves to a loopback, private or link-local address (see --webhook-allow-private)")

// blocked reports whether ip is no public unicast address.
func blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() ||
		cgnat.Contains(ip)
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598),
// private in practice.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// CheckPublic resolves the URL's host and refuses it if any address is
// not public. A host that does not resolve (yet) passes: delivery checks
// the address it actually connects to anyway (DNS may change).
func CheckPublic(ctx context.Context, rawURL string, resolver *net.Resolver) error {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if blocked(ip) {
			return ErrPrivateAddress
		}
		return nil
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ips, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil // see above: guardControl refuses it at delivery if need be
	}
	for _, ip := range ips {
		if blocked(ip) {
			return ErrPrivateAddress
		}
	}
	return nil
}

// guardControl refuses, at connect time, any connection to a non-public
// address: this checks the address actually dialled, after DNS, for the
// endpoint and every redirect, so DNS rebinding cannot get around it.
func guardControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %q: %w", address, err)
	}
	if blocked(ap.Addr()) {
		return fmt.Errorf("webhook dial %s: %w", ap.Addr(), ErrPrivateAddress)
	}
	return nil
}

// newClient is the delivery client. Unless private addresses are allowed
// it dials only public ones and uses no proxy (a proxy would hide the
// real destination from the check).
func newClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if !allowPrivate {
		d.Control = guardControl
		tr.Proxy = nil
	}
	tr.DialContext = d.DialContext
	return &http.Client{Timeout: 10 * time.Second, Transport: tr}
}
