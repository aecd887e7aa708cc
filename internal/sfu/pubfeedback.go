package sfu

import (
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// pubFeedback makes the RTCP a publisher needs from the server: NACKs
// for lost packets and receiver reports (Pion's interceptors) and
// transport-wide congestion control feedback, which the browser's
// congestion control needs to raise its uplink to all simulcast layers.
//
// The interceptors run here rather than inside the publish
// PeerConnection because most packets never pass through Pion: the media
// socket's reader decrypts them itself (srtpin.go). Their clocks are the
// engine's, shared by all publishers (fbhub.go). Pion's own TWCC
// interceptor is not used: it hands every packet to its goroutine over a
// channel, a thread wake-up per packet; a twcc.Recorder under a lock
// does the same work on the reading goroutine.
type pubFeedback struct {
	hub   *feedbackHub
	id    string
	write func([]rtcp.Packet) error
	log   *slog.Logger

	twccMu sync.Mutex
	twcc   *twcc.Recorder
	start  time.Time

	// refsMu guards refs: by SSRC, what the feedback of each bound
	// stream depends on. Its own lock: the interceptors write from their
	// goroutines.
	refsMu sync.Mutex
	refs   map[uint32]fbRefs

	closed atomic.Bool
}

func newPubFeedback(hub *feedbackHub, id string, write func([]rtcp.Packet) error, log *slog.Logger) *pubFeedback {
	var ssrc [4]byte
	_, _ = rand.Read(ssrc[:])
	return &pubFeedback{
		hub:   hub,
		id:    id,
		write: write,
		log:   log,
		twcc:  twcc.NewRecorder(binary.BigEndian.Uint32(ssrc[:])),
		start: time.Now(),
		refs:  map[uint32]fbRefs{},
	}
}

// nackWatch: a stream that went out to nobody for this long is not
// NACKed. Retransmissions of a simulcast layer no one receives (in the
// seconds before dynacast pauses it, or one no tile needs) would only
// cost the publisher's uplink, often the weakest link.
const nackWatch = 2 * time.Second

// fbRefs is what one stream's feedback depends on.
type fbRefs struct {
	// sentAt: when the stream last went out to a subscriber (unix ns,
	// layer.sentAt); nil NACKs it whatever happens to it.
	sentAt *atomic.Int64
	// downLoss: for audio, the worst loss its subscribers reported; the
	// receiver reports carry it when it is worse than the uplink's.
	downLoss *lossMax
}

// feedback writes what the interceptors made, minus NACKs for streams
// nobody receives, with audio loss raised to what listeners see.
func (f *pubFeedback) feedback(pkts []rtcp.Packet) error {
	if f.closed.Load() {
		return nil
	}
	now := time.Now().UnixNano()
	out := pkts[:0]
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.TransportLayerNack:
			if !f.watched(p.MediaSSRC, now) {
				continue
			}
		case *rtcp.ReceiverReport:
			// Only the fraction is raised, not the cumulative count:
			// WebRTC's congestion control works from the counts, its
			// Opus encoder's expected loss (and so FEC) from the fraction.
			for i := range p.Reports {
				r := &p.Reports[i]
				if dl := f.ref(r.SSRC).downLoss; dl != nil {
					r.FractionLost = max(r.FractionLost, dl.get(now))
				}
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil
	}
	return f.write(out)
}

func (f *pubFeedback) ref(ssrc uint32) fbRefs {
	f.refsMu.Lock()
	defer f.refsMu.Unlock()
	return f.refs[ssrc]
}

// watched tells whether a stream went out to a subscriber lately; a
// stream bound without a sentAt (unknown) counts as watched.
func (f *pubFeedback) watched(ssrc uint32, now int64) bool {
	at := f.ref(ssrc).sentAt
	return at == nil || now-at.Load() < int64(nackWatch)
}

// sendTWCC sends transport-cc feedback for the packets recorded since
// the last call (the hub's clock calls it).
func (f *pubFeedback) sendTWCC() {
	if f.closed.Load() {
		return
	}
	f.twccMu.Lock()
	pkts := f.twcc.BuildFeedbackPacket()
	f.twccMu.Unlock()
	if len(pkts) == 0 {
		return
	}
	if err := f.write(pkts); err != nil {
		f.log.Debug("send transport-cc feedback", "err", err)
	}
}

// senderReports passes the publisher's sender reports on to the
// receiver-report interceptor (feedbackHub.senderReports).
func (f *pubFeedback) senderReports(pkts []rtcp.Packet) {
	f.hub.senderReports(f, pkts)
}

// close stops the publisher's feedback; its streams unbind as they end.
func (f *pubFeedback) close() {
	if f.closed.CompareAndSwap(false, true) {
		f.hub.leave(f)
	}
}

// fbStream is one incoming stream's binding to the feedback chain.
// Guarded by its layer's mu.
type fbStream struct {
	f      *pubFeedback
	info   interceptor.StreamInfo
	rd     interceptor.RTPReader
	attrs  interceptor.Attributes
	hdr    *rtp.Header // the header attrs carries (the layer's, parsed in place)
	twccID uint8
}

// rtpHeaderKey is the key under which interceptors cache a packet's parsed
// header in its Attributes. It is unexported; reading it back once lets
// the layer hand over the header it already parsed, so the chain neither
// parses again nor allocates per packet. nil if Pion changed the scheme
// (then each packet gets fresh Attributes: correct, just slower).
var rtpHeaderKey = func() any {
	a := interceptor.Attributes{}
	if _, err := a.GetRTPHeader([]byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}); err != nil {
		return nil
	}
	for k := range a {
		return k
	}
	return nil
}()

// bind registers one incoming stream (a layer) with the chain; nil if
// the chain cannot be built or the feedback has closed.
func (f *pubFeedback) bind(ssrc uint32, codec webrtc.RTPCodecParameters, exts []webrtc.RTPHeaderExtensionParameter, refs fbRefs) *fbStream {
	s := &fbStream{f: f, attrs: interceptor.Attributes{}}
	s.info = interceptor.StreamInfo{
		SSRC:        ssrc,
		PayloadType: uint8(codec.PayloadType),
		MimeType:    codec.MimeType,
		ClockRate:   codec.ClockRate,
		Channels:    codec.Channels,
		SDPFmtpLine: codec.SDPFmtpLine,
	}
	for _, fb := range codec.RTCPFeedback {
		s.info.RTCPFeedback = append(s.info.RTCPFeedback, interceptor.RTCPFeedback{Type: fb.Type, Parameter: fb.Parameter})
	}
	for _, e := range exts {
		s.info.RTPHeaderExtensions = append(s.info.RTPHeaderExtensions, interceptor.RTPHeaderExtension{URI: e.URI, ID: e.ID})
		if e.URI == sdp.TransportCCURI {
			s.twccID = uint8(e.ID)
		}
	}
	if f.closed.Load() {
		return nil
	}
	if !f.hub.bind(f, s) {
		return nil
	}
	// Only now: nothing is generated for the stream before it sees a
	// packet, which comes after bind returns.
	f.refsMu.Lock()
	f.refs[ssrc] = refs
	f.refsMu.Unlock()
	return s
}

// observe records one packet whose header h the caller parsed.
func (s *fbStream) observe(pkt []byte, h *rtp.Header, now time.Time) {
	attrs := s.attrs
	if rtpHeaderKey != nil {
		if s.hdr != h { // once: the layer parses every packet into the same header
			attrs[rtpHeaderKey] = h
			s.hdr = h
		}
	} else {
		attrs = interceptor.Attributes{}
	}
	_, _, _ = s.rd.Read(pkt, attrs)
	if s.twccID == 0 {
		return
	}
	if ext := h.GetExtension(s.twccID); len(ext) >= 2 {
		seq := binary.BigEndian.Uint16(ext)
		s.f.twccMu.Lock()
		s.f.twcc.Record(h.SSRC, seq, now.Sub(s.f.start).Microseconds())
		s.f.twccMu.Unlock()
	}
}

func (s *fbStream) unbind() {
	s.f.refsMu.Lock()
	delete(s.f.refs, s.info.SSRC)
	s.f.refsMu.Unlock()
	s.f.hub.unbind(s.f, s)
}
