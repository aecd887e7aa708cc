package app

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"net"
	"net/url"
	"strconv"

	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/turnserver"
)

// startRelay runs the built-in TURN relay when --turn-listen is set and
// adds it to the ICE servers every welcome names (cfg.TURN), with
// credentials minted from --turn-secret or, without one, a secret of this
// process's own.
func (a *App) startRelay(cfg *config.Config, loopback bool) error {
	if cfg.TURNListen == "" {
		return nil
	}
	secret := cfg.TURN.Secret
	if secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		secret = hex.EncodeToString(b)
	}
	// The relay talks to the media engine on this host: it relays from one
	// of the host's addresses, and only to the engine's.
	engine := map[string]bool{}
	for _, ip := range append(append([]string{cfg.MediaIP}, cfg.PublicIPs...), localIPs()...) {
		if ip != "" {
			engine[ip] = true
		}
	}
	relayIP := cfg.MediaIP
	if ips := localIPs(); relayIP == "" && len(ips) > 0 {
		relayIP = ips[0]
	}
	if loopback {
		engine["127.0.0.1"] = true
		if relayIP == "" {
			relayIP = "127.0.0.1"
		}
	}
	if relayIP == "" {
		relayIP = "127.0.0.1"
	}
	var tlsCfg *tls.Config
	if cfg.TURNTLSListen != "" {
		var err error
		if tlsCfg, err = a.TLSConfig(); err != nil {
			return err
		}
	}
	s, err := turnserver.Start(turnserver.Config{
		Listen: cfg.TURNListen, TLSListen: cfg.TURNTLSListen, TLS: tlsCfg, RelayIP: net.ParseIP(relayIP), Secret: secret,
		AllowPeer: func(ip net.IP) bool {
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			return engine[ip.String()]
		},
		Logger: a.log.With("part", "turn"),
	})
	if err != nil {
		return err
	}
	a.Relay = s
	host, _, _ := net.SplitHostPort(cfg.TURNListen)
	if len(cfg.PublicIPs) > 0 {
		host = cfg.PublicIPs[0]
	}
	addr := net.JoinHostPort(host, strconv.Itoa(s.UDP.(*net.UDPAddr).Port))
	cfg.TURN.URLs = append(cfg.TURN.URLs, "turn:"+addr+"?transport=udp", "turn:"+addr+"?transport=tcp")
	if s.TLS != nil {
		// Browsers check the certificate against this name.
		if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		cfg.TURN.URLs = append(cfg.TURN.URLs, "turns:"+net.JoinHostPort(host, strconv.Itoa(s.TLS.(*net.TCPAddr).Port))+"?transport=tcp")
	}
	cfg.TURN.Secret = secret
	return nil
}
