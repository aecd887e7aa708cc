package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// Engine is the process-wide media engine: one webrtc.API whose
// PeerConnections all share one UDP port and one ICE-TCP port.
type Engine struct {
	cfg Config
	log *slog.Logger
	// Publish and subscribe PeerConnections differ in header extensions
	// and interceptors (see api.go), so each side has its own API; both
	// share the one port.
	pubAPI, subAPI *webrtc.API
	oneAPI         *webrtc.API // one connection both ways (PeerOptions.OnePC)
	stats          engineStats
	port           int
	udpMux         ice.UDPMux
	tcpMux         *ice.TCPMuxDefault
	batch          *batchNet // the media sockets (batch.go)
	fb             *feedbackHub

	mu      sync.Mutex
	routers map[*Router]struct{}
	closed  bool
}

// NewEngine opens the media port and builds the webrtc.API.
func NewEngine(cfg Config) (*Engine, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "sfu")

	var listenIP net.IP
	if cfg.ListenIP != "" {
		if listenIP = net.ParseIP(cfg.ListenIP); listenIP == nil || listenIP.To4() == nil {
			return nil, fmt.Errorf("sfu: ListenIP %q is not an IPv4 address", cfg.ListenIP)
		}
	}
	loopback := cfg.Loopback || (listenIP != nil && listenIP.IsLoopback())

	bn, err := newBatchNet()
	if err != nil {
		return nil, fmt.Errorf("sfu: network: %w", err)
	}
	port, udpMux, tcpListener, err := openPorts(cfg.Port, listenIP, loopback, bn)
	if err != nil {
		return nil, err
	}
	tcpMux := ice.NewTCPMuxDefault(ice.TCPMuxParams{
		Listener:        tcpListener,
		ReadBufferSize:  64,
		WriteBufferSize: 4 << 20,
	})

	se := webrtc.SettingEngine{}
	se.SetICEUDPMux(udpMux)
	se.SetICETCPMux(tcpMux)
	// SRTP read buffers: shrink after a burst, drop stale packets
	// (buffers.go); one stale counter for both paths (batchread.go).
	tuneBuffers(&se, bn.stale)
	// Late retransmissions must not count as replays (srtpin.go).
	se.SetSRTPReplayProtectionWindow(srtpReplayWindow)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	// mDNS names are useless to clients and cost a multicast socket.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(loopback)
	if listenIP != nil {
		se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(listenIP) })
	}
	if len(cfg.PublicIPs) > 0 {
		// Replaces the local addresses of host candidates (1:1 NAT).
		// SetNAT1To1IPs is deprecated in favour of rewrite rules.
		err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        cfg.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
		if err != nil {
			_ = udpMux.Close()
			_ = tcpMux.Close()
			return nil, fmt.Errorf("sfu: public IPs: %w", err)
		}
	}

	pubAPI, subAPI, oneAPI, err := newAPIs(se)
	if err != nil {
		_ = udpMux.Close()
		_ = tcpMux.Close()
		return nil, err
	}

	e := &Engine{
		cfg:     cfg,
		log:     log,
		port:    port,
		udpMux:  udpMux,
		tcpMux:  tcpMux,
		batch:   bn,
		fb:      newFeedbackHub(log),
		routers: map[*Router]struct{}{},
		pubAPI:  pubAPI,
		subAPI:  subAPI,
		oneAPI:  oneAPI,
	}
	log.Info("media engine listening", "port", port, "loopback", loopback, "public_ips", cfg.PublicIPs)
	return e, nil
}

// openPorts opens the UDP mux and a TCP listener on the same port number.
// With port 0 it retries until a number free for both protocols is found.
func openPorts(port int, ip net.IP, loopback bool, bn *batchNet) (int, ice.UDPMux, net.Listener, error) {
	opts := []ice.UDPMuxFromPortOption{ice.UDPMuxFromPortWithNetworks(ice.NetworkTypeUDP4), ice.UDPMuxFromPortWithNet(bn)}
	if loopback {
		opts = append(opts, ice.UDPMuxFromPortWithLoopback())
	}
	if ip != nil {
		opts = append(opts, ice.UDPMuxFromPortWithIPFilter(func(a net.IP) bool { return a.Equal(ip) }))
	}
	var lastErr error
	for attempt := 0; attempt < 50; attempt++ {
		p := port
		if p == 0 {
			probe, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip})
			if err != nil {
				return 0, nil, nil, fmt.Errorf("sfu: probe UDP port: %w", err)
			}
			p = probe.LocalAddr().(*net.UDPAddr).Port
			_ = probe.Close()
		}
		tl, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: ip, Port: p})
		if err != nil {
			lastErr = fmt.Errorf("sfu: listen tcp %d: %w", p, err)
			if port != 0 {
				return 0, nil, nil, lastErr
			}
			continue
		}
		mux, err := ice.NewMultiUDPMuxFromPort(p, opts...)
		if err != nil {
			_ = tl.Close()
			lastErr = fmt.Errorf("sfu: listen udp %d: %w", p, err)
			if port != 0 {
				return 0, nil, nil, lastErr
			}
			continue
		}
		return p, mux, tl, nil
	}
	return 0, nil, nil, lastErr
}

// Port returns the UDP (and ICE-TCP) port in use.
func (e *Engine) Port() int { return e.port }

// Close closes every router and the sockets.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	routers := make([]*Router, 0, len(e.routers))
	for r := range e.routers {
		routers = append(routers, r)
	}
	e.mu.Unlock()
	for _, r := range routers {
		r.Close()
	}
	e.batch.spread.close()
	e.fb.close()
	return errors.Join(e.udpMux.Close(), e.tcpMux.Close())
}

func (e *Engine) forgetRouter(r *Router) {
	e.mu.Lock()
	delete(e.routers, r)
	e.mu.Unlock()
}
