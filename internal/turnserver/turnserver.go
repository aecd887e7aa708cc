// Package turnserver is confer's built-in TURN relay (pion/turn), for
// deployments without one of their own: browsers on networks that let
// only a TCP connection or one UDP port out reach the media through it.
// It accepts the per-participant TURN REST credentials internal/turncred
// mints, and relays only to the media engine's own addresses, so it cannot
// be used to reach anything else (an open relay into the operator's
// network would be).
package turnserver

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
)

// Config says where the relay listens and what it may relay to.
type Config struct {
	Listen string // host:port, on UDP and TCP
	// TLSListen, with TLS, also serves TURN over TLS there (turns:), for
	// networks that let only TLS out (often port 443).
	TLSListen string
	TLS       *tls.Config
	RelayIP   net.IP // the address of its relayed sockets (one of this host's)
	Secret    string // the TURN REST shared secret credentials are minted with
	// AllowPeer says whether a client may send to (and hear from) ip:
	// the media engine's addresses only.
	AllowPeer func(ip net.IP) bool
	Logger    *slog.Logger
}

// Server is a running relay.
type Server struct {
	UDP, TCP net.Addr
	TLS      net.Addr // nil without TLSListen
	srv      *turn.Server
}

// Start listens and serves until Close.
func Start(c Config) (*Server, error) {
	if c.Secret == "" || c.RelayIP == nil || c.AllowPeer == nil {
		return nil, fmt.Errorf("turn relay: needs a secret, a relay address and a peer filter")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	pc, ln, err := listenBoth(c.Listen)
	if err != nil {
		return nil, fmt.Errorf("turn relay: %w", err)
	}
	relay := &turn.RelayAddressGeneratorStatic{RelayAddress: c.RelayIP, Address: c.RelayIP.String()}
	allow := func(_ net.Addr, peer net.IP) bool {
		ok := c.AllowPeer(peer)
		if !ok {
			c.Logger.Warn("turn relay: refused a peer that is not this media server", "peer", peer)
		}
		return ok
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	listeners := []turn.ListenerConfig{{Listener: ln, RelayAddressGenerator: relay, PermissionHandler: allow}}
	var tlsAddr net.Addr
	if c.TLSListen != "" {
		if c.TLS == nil {
			pc.Close()
			ln.Close()
			return nil, fmt.Errorf("turn relay: TURN over TLS needs a certificate")
		}
		tl, err := tls.Listen("tcp", c.TLSListen, c.TLS)
		if err != nil {
			pc.Close()
			ln.Close()
			return nil, fmt.Errorf("turn relay: %w", err)
		}
		tlsAddr = tl.Addr()
		listeners = append(listeners, turn.ListenerConfig{Listener: tl, RelayAddressGenerator: relay, PermissionHandler: allow})
	}
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:             "confer",
		AuthHandler:       turn.LongTermTURNRESTAuthHandler(c.Secret, lf.NewLogger("turn")),
		LoggerFactory:     lf,
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: pc, RelayAddressGenerator: relay, PermissionHandler: allow}},
		ListenerConfigs:   listeners,
	})
	if err != nil {
		pc.Close()
		for _, l := range listeners {
			l.Listener.Close()
		}
		return nil, fmt.Errorf("turn relay: %w", err)
	}
	return &Server{UDP: pc.LocalAddr(), TCP: ln.Addr(), TLS: tlsAddr, srv: srv}, nil
}

// Close stops the relay and every allocation.
func (s *Server) Close() error { return s.srv.Close() }

// listenBoth listens on UDP and on TCP with the same port number
// (turn:host:port?transport=udp|tcp). With port 0 the system picks a UDP
// port, which may be taken on TCP: then it tries another.
func listenBoth(addr string) (net.PacketConn, net.Listener, error) {
	for attempt := 0; ; attempt++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", net.JoinHostPort(hostOf(addr), fmt.Sprint(port)))
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if _, p, _ := net.SplitHostPort(addr); p != "0" || attempt == 20 {
			return nil, nil, err
		}
	}
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return h
}
