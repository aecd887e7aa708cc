package sfu

import (
	"fmt"
	"slices"

	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Payload types offered by the server. VP8 comes first so that it is the
// preferred video codec.
const (
	ptOpus = 111
	ptVP8  = 96
	ptH264 = 102
)

// videoFeedback is what subscribers may send: NACK, PLI, FIR and REMB (the
// receiver-side estimate the allocator budgets with).
var videoFeedback = []webrtc.RTCPFeedback{
	{Type: webrtc.TypeRTCPFBNACK},
	{Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
	{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
	{Type: webrtc.TypeRTCPFBGoogREMB},
}

// publishFeedback adds transport-cc: the SFU answers publishers with TWCC
// feedback so that the browser's own congestion control can ramp its
// uplink up to all three simulcast layers.
var publishFeedback = []webrtc.RTCPFeedback{
	{Type: webrtc.TypeRTCPFBNACK},
	{Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
	{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
	{Type: webrtc.TypeRTCPFBTransportCC},
}

// opusFmtp turns on Opus in-band FEC: a lost packet is rebuilt from the
// redundancy carried in the next one, without a round trip.
const opusFmtp = "minptime=10;useinbandfec=1"

// newAPIs builds the publish, the subscribe and the one-connection API.
//
// Publish side: MID/RID extensions (simulcast demux), audio level (active
// speaker, top-N audio) and transport-cc; the feedback publishers need
// (NACKs, receiver reports, TWCC) comes from pubfeedback.go.
//
// Subscribe side: no header extensions (forwarded packets carry none) and
// no interceptors (sender reports: reports.go). Pion's NACK responder is left out on purpose: it keeps a
// copy of every packet per outgoing stream; retransmissions come from the
// one packetCache per incoming layer instead, through the munger.
//
// One-connection side (PeerOptions.OnePC): the publish side's codecs and
// extensions, plus goog-remb for the slots it sends on. Forwarded packets
// carry no transport-wide sequence number, so the browser estimates
// what it receives on them with REMB, as on a subscribe connection.
func newAPIs(se webrtc.SettingEngine) (pub, sub, one *webrtc.API, err error) {
	pme, err := publishEngine(publishFeedback)
	if err != nil {
		return nil, nil, nil, err
	}
	ome, err := publishEngine(append(slices.Clip(publishFeedback), webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBGoogREMB}))
	if err != nil {
		return nil, nil, nil, err
	}
	// No interceptors either: the publish side's NACKs, receiver reports
	// and transport-cc feedback are made by pubFeedback, which also sees
	// the packets that never pass through Pion (srtpin.go).
	pir := &interceptor.Registry{}

	sme, err := mediaEngine(videoFeedback)
	if err != nil {
		return nil, nil, nil, err
	}
	// No interceptors: forwarded RTP mostly bypasses them (srtpout.go)
	// and sender reports are made in reports.go.
	sir := &interceptor.Registry{}

	pub = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(pme), webrtc.WithInterceptorRegistry(pir))
	sub = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(sme), webrtc.WithInterceptorRegistry(sir))
	one = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(ome), webrtc.WithInterceptorRegistry(&interceptor.Registry{}))
	return pub, sub, one, nil
}

// publishEngine is the media engine of a connection that receives
// browsers' media: the codecs with feedback fb, and the header extensions
// simulcast, speaker detection and transport-cc need.
func publishEngine(fb []webrtc.RTCPFeedback) (*webrtc.MediaEngine, error) {
	pme, err := mediaEngine(fb)
	if err != nil {
		return nil, err
	}
	for _, ext := range []struct {
		uri   string
		kinds []webrtc.RTPCodecType
	}{
		{sdp.SDESMidURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio}},
		{sdp.SDESRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{sdp.SDESRepairRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{sdp.AudioLevelURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio}},
		{sdp.TransportCCURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
	} {
		for _, k := range ext.kinds {
			if err := pme.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: ext.uri}, k); err != nil {
				return nil, fmt.Errorf("sfu: header extension %s: %w", ext.uri, err)
			}
		}
	}
	return pme, nil
}

func mediaEngine(fb []webrtc.RTCPFeedback) (*webrtc.MediaEngine, error) {
	me := &webrtc.MediaEngine{}
	codecs := []struct {
		c    webrtc.RTPCodecParameters
		kind webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: opusFmtp,
			},
			PayloadType: ptOpus,
		}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb,
			},
			PayloadType: ptVP8,
		}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeH264, ClockRate: 90000, RTCPFeedback: fb,
				SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
			},
			PayloadType: ptH264,
		}, webrtc.RTPCodecTypeVideo},
	}
	for _, c := range codecs {
		if err := me.RegisterCodec(c.c, c.kind); err != nil {
			return nil, fmt.Errorf("sfu: register %s: %w", c.c.MimeType, err)
		}
	}
	return me, nil
}
