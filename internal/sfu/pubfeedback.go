package sfu

import (
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// pubFeedback makes the RTCP a publisher needs from the server: NACKs
// for lost packets, receiver reports, and transport-wide congestion
// control feedback, which the browser's congestion control needs to raise
// its uplink to all simulcast layers.
//
// Most packets never pass through Pion (the media socket's reader
// decrypts them itself, srtpin.go), so this is done here rather than by
// interceptors inside the publish PeerConnection: each packet is
// recorded as its layer handles it (fbStream.observe), and the engine's
// one clock (fbhub.go) sends what is due. Pion's TWCC interceptor is not
// used either: it hands every packet to its goroutine over a channel, a
// thread wake-up per packet; a twcc.Recorder under a lock does the same
// work on the reading goroutine.
type pubFeedback struct {
	hub   *feedbackHub
	id    string
	ssrc  uint32 // the sender SSRC of the RTCP we send
	write func([]rtcp.Packet) error
	log   *slog.Logger

	twccMu sync.Mutex
	twcc   *twcc.Recorder
	start  time.Time

	mu      sync.Mutex
	streams map[uint32]*fbStream // by the publisher's SSRC

	closed atomic.Bool
	// upLoss: the worst uplink loss of any of the publisher's streams
	// lately (connquality.go).
	upLoss lossPeak
}

func newPubFeedback(hub *feedbackHub, id string, write func([]rtcp.Packet) error, log *slog.Logger) *pubFeedback {
	var b [4]byte
	_, _ = rand.Read(b[:])
	ssrc := binary.BigEndian.Uint32(b[:])
	return &pubFeedback{
		hub:     hub,
		id:      id,
		ssrc:    ssrc,
		write:   write,
		log:     log,
		twcc:    twcc.NewRecorder(ssrc),
		start:   time.Now(),
		streams: map[uint32]*fbStream{},
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
	downLoss *lossPeak
	// upLoss, if set, notes the stream's uplink loss at each report.
	upLoss *lossPeak
}

// fbStream is one incoming stream's feedback state.
type fbStream struct {
	f      *pubFeedback
	ssrc   uint32
	refs   fbRefs
	twccID uint8

	mu      sync.Mutex // the layer's packets against the hub's clock
	stats   recvStats
	nack    *nackLog // nil: the stream takes no NACKs (audio)
	missing []uint16 // nacks' scratch
}

// bind registers one incoming stream (a layer); nil once the feedback
// has closed.
func (f *pubFeedback) bind(ssrc uint32, codec webrtc.RTPCodecParameters, exts []webrtc.RTPHeaderExtensionParameter, refs fbRefs) *fbStream {
	s := &fbStream{f: f, ssrc: ssrc, refs: refs}
	s.stats.clockRate = float64(codec.ClockRate)
	for _, fb := range codec.RTCPFeedback {
		if fb.Type == "nack" && fb.Parameter == "" {
			s.nack = &nackLog{}
		}
	}
	for _, e := range exts {
		if e.URI == sdp.TransportCCURI {
			s.twccID = uint8(e.ID)
		}
	}
	f.mu.Lock()
	if f.closed.Load() {
		f.mu.Unlock()
		return nil
	}
	f.streams[ssrc] = s
	f.mu.Unlock()
	f.hub.bind(s)
	return s
}

// observe records one packet whose header h the caller parsed.
func (s *fbStream) observe(pkt []byte, h *rtp.Header, now time.Time) {
	ns := now.UnixNano()
	s.mu.Lock()
	if s.nack != nil {
		s.nack.add(h.SequenceNumber)
	}
	s.stats.add(h.SequenceNumber, h.Timestamp, ns)
	s.mu.Unlock()
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
	s.f.mu.Lock()
	if s.f.streams[s.ssrc] == s {
		delete(s.f.streams, s.ssrc)
	}
	s.f.mu.Unlock()
	s.f.hub.unbind(s)
}

// nackPacket is the NACK for the stream's missing packets, or nil: none
// are missing, or the stream goes out to nobody.
func (s *fbStream) nackPacket(now int64) rtcp.Packet {
	if s.nack == nil {
		return nil
	}
	if at := s.refs.sentAt; at != nil && now-at.Load() >= int64(nackWatch) {
		return nil
	}
	s.mu.Lock()
	s.missing = s.nack.missing(s.missing[:0])
	var p rtcp.Packet
	if len(s.missing) > 0 {
		p = &rtcp.TransportLayerNack{SenderSSRC: s.f.ssrc, MediaSSRC: s.ssrc, Nacks: rtcp.NackPairsFromSequenceNumbers(s.missing)}
	}
	s.mu.Unlock()
	return p
}

// report is the stream's reception report, its audio loss raised to
// what its listeners see. Only the fraction is raised, not the
// cumulative count: WebRTC's congestion control works from the counts,
// its Opus encoder's expected loss (and so FEC) from the fraction.
func (s *fbStream) report(now int64) rtcp.ReceptionReport {
	s.mu.Lock()
	r := s.stats.report(s.ssrc, now)
	s.mu.Unlock()
	s.f.upLoss.note(r.FractionLost, now)
	if ul := s.refs.upLoss; ul != nil {
		ul.note(r.FractionLost, now)
	}
	if dl := s.refs.downLoss; dl != nil {
		r.FractionLost = max(r.FractionLost, dl.get(now))
	}
	return r
}

// send writes pkts to the publisher unless the feedback has closed.
func (f *pubFeedback) send(pkts []rtcp.Packet, what string) {
	if len(pkts) == 0 || f.closed.Load() {
		return
	}
	if err := f.write(pkts); err != nil {
		f.log.Debug("send publisher feedback", "what", what, "err", err)
	}
}

// sendTWCC sends transport-cc feedback for the packets recorded since
// the last call (the hub's clock calls it).
func (f *pubFeedback) sendTWCC() {
	f.twccMu.Lock()
	pkts := f.twcc.BuildFeedbackPacket()
	f.twccMu.Unlock()
	f.send(pkts, "transport-cc")
}

// senderReports records the publisher's sender reports on its own
// streams, which the receiver reports answer (LSR/DLSR) so the browser
// can measure its round trip.
func (f *pubFeedback) senderReports(pkts []rtcp.Packet) {
	now := time.Now().UnixNano()
	for _, p := range pkts {
		sr, ok := p.(*rtcp.SenderReport)
		if !ok {
			continue
		}
		f.mu.Lock()
		s := f.streams[sr.SSRC]
		f.mu.Unlock()
		if s != nil {
			s.mu.Lock()
			s.stats.senderReport(sr.NTPTime, now)
			s.mu.Unlock()
		}
	}
}

// close stops the publisher's feedback; its streams unbind as they end.
func (f *pubFeedback) close() {
	f.mu.Lock()
	f.closed.Store(true)
	f.mu.Unlock()
	f.hub.leave(f)
}
