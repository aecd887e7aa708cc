package loadtest

import (
	"net"
	"net/url"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// apis are the participants' Pion APIs: pub for publishing (NACK
// responder, so the server's NACKs are answered, and sender reports);
// sub, lighter, for receiving, with no interceptors unless asked for:
// each costs a lock and bookkeeping per received packet on every one of
// the ~P×S receive streams; one for a publisher's one connection
// (OnePC): pub's sending side and sub's receiving side, so both modes
// load the server alike.
type apis struct{ pub, sub, one *webrtc.API }

// newAPIs builds the APIs. Toward a loopback server they gather only
// loopback candidates, so no traffic leaves the machine.
func newAPIs(loopback bool, cfg Config) (apis, error) {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if loopback {
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	bn, err := newBufNet()
	if err != nil {
		return apis{}, err
	}
	se.SetNet(bn)
	mediaEngine := func() (*webrtc.MediaEngine, error) {
		me := &webrtc.MediaEngine{}
		if err := me.RegisterDefaultCodecs(); err != nil {
			return nil, err
		}
		if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
		if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
			return nil, err
		}
		return me, nil
	}

	me, err := mediaEngine()
	if err != nil {
		return apis{}, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(me, ir); err != nil {
		return apis{}, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return apis{}, err
	}
	var a apis
	a.pub = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir))

	sme, err := mediaEngine()
	if err != nil {
		return apis{}, err
	}
	sir := &interceptor.Registry{}
	if err := receiveInterceptors(sme, sir, cfg); err != nil {
		return apis{}, err
	}
	a.sub = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(sme), webrtc.WithInterceptorRegistry(sir))

	ome, err := mediaEngine()
	if err != nil {
		return apis{}, err
	}
	oir := &interceptor.Registry{}
	if err := sendInterceptors(ome, oir); err != nil {
		return apis{}, err
	}
	if err := receiveInterceptors(ome, oir, cfg); err != nil {
		return apis{}, err
	}
	a.one = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(ome), webrtc.WithInterceptorRegistry(oir))
	return a, nil
}

// sendInterceptors are what webrtc.ConfigureNack and
// ConfigureRTCPReports give a sender: the NACK responder and sender
// reports, without their receiving halves.
func sendInterceptors(me *webrtc.MediaEngine, ir *interceptor.Registry) error {
	resp, err := nack.NewResponderInterceptor()
	if err != nil {
		return err
	}
	sr, err := report.NewSenderInterceptor()
	if err != nil {
		return err
	}
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	ir.Add(resp)
	ir.Add(sr)
	return nil
}

// receiveInterceptors are the receivers' optional NACK generator and
// receiver reports (Config.NACK, Config.Reports).
func receiveInterceptors(me *webrtc.MediaEngine, ir *interceptor.Registry, cfg Config) error {
	if cfg.NACK {
		gen, err := nack.NewGeneratorInterceptor()
		if err != nil {
			return err
		}
		me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
		me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
		ir.Add(gen)
	}
	if cfg.Reports {
		rr, err := report.NewReceiverInterceptor()
		if err != nil {
			return err
		}
		ir.Add(rr)
	}
	return nil
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
