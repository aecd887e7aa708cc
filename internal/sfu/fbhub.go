package sfu

import (
	"log/slog"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtcp"
)

// feedbackHub runs the clocks of every publisher's feedback in an
// engine: one NACK generator and one receiver-report generator (Pion's
// interceptors, which keep their per-stream state by SSRC) and one
// transport-cc clock, instead of three timers per publisher. Each timer
// tick wakes a thread of an otherwise idle server: at 50 publishers that
// was about 1,050 wake-ups a second and a fifth of the server's CPU in
// the 50 × 50 benchmark (docs/benchmarks.md).
//
// What the interceptors write is handed to the publisher that owns the
// stream's SSRC (pubFeedback.feedback). SSRCs are the publishers' own
// random choices; should two publishers pick the same one, the second
// stream gets no NACKs or receiver reports (its forwarding is unaffected)
// rather than sharing the first one's state.
type feedbackHub struct {
	log *slog.Logger

	owners sync.Map // uint32 SSRC → *pubFeedback

	mu     sync.Mutex
	chain  interceptor.Interceptor // nil while no stream is bound
	rtcpIn interceptor.RTCPReader  // publishers' sender reports
	bound  int                     // streams bound to chain
	twcc   map[*pubFeedback]struct{}
	ticker bool // the transport-cc loop runs
	closed bool
	wg     sync.WaitGroup
}

// twccInterval is how often every publisher gets transport-cc feedback.
const twccInterval = 100 * time.Millisecond

func newFeedbackHub(log *slog.Logger) *feedbackHub {
	return &feedbackHub{log: log, twcc: map[*pubFeedback]struct{}{}}
}

// chainLocked builds the shared chain on first use; h.mu is held.
func (h *feedbackHub) chainLocked() (interceptor.Interceptor, error) {
	if h.chain != nil {
		return h.chain, nil
	}
	reg := &interceptor.Registry{}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(gen)
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(rr)
	chain, err := reg.Build("publishers")
	if err != nil {
		return nil, err
	}
	chain.BindRTCPWriter(interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		h.dispatch(pkts)
		return 0, nil
	}))
	h.rtcpIn = chain.BindRTCPReader(interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return len(b), a, nil // the caller passes the packet itself
	}))
	h.chain = chain
	return chain, nil
}

// dispatch hands each packet the interceptors made to its publisher.
// Both write one packet per stream.
func (h *feedbackHub) dispatch(pkts []rtcp.Packet) {
	for _, p := range pkts {
		var ssrc uint32
		switch p := p.(type) {
		case *rtcp.TransportLayerNack:
			ssrc = p.MediaSSRC
		case *rtcp.ReceiverReport:
			if len(p.Reports) == 0 {
				continue
			}
			ssrc = p.Reports[0].SSRC
		default:
			continue
		}
		if f := h.owner(ssrc); f != nil {
			if err := f.feedback([]rtcp.Packet{p}); err != nil {
				f.log.Debug("send publisher feedback", "err", err)
			}
		}
	}
}

func (h *feedbackHub) owner(ssrc uint32) *pubFeedback {
	if v, ok := h.owners.Load(ssrc); ok {
		return v.(*pubFeedback)
	}
	return nil
}

// bind registers stream s of f; false if the hub is closed or another
// publisher owns the SSRC.
func (h *feedbackHub) bind(f *pubFeedback, s *fbStream) bool {
	if v, loaded := h.owners.LoadOrStore(s.info.SSRC, f); loaded && v.(*pubFeedback) != f {
		f.log.Warn("publisher feedback: SSRC already in use by another publisher", "ssrc", s.info.SSRC)
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	chain, err := h.chainLocked()
	if h.closed || err != nil {
		if err != nil {
			h.log.Warn("publisher feedback", "err", err)
		}
		h.owners.CompareAndDelete(s.info.SSRC, f)
		return false
	}
	h.bound++
	s.rd = chain.BindRemoteStream(&s.info, interceptor.RTPReaderFunc(
		func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
			return len(b), a, nil // the caller passes the packet itself
		}))
	if s.twccID != 0 {
		h.twcc[f] = struct{}{}
		if !h.ticker {
			h.ticker = true
			h.wg.Add(1)
			go h.twccLoop()
		}
	}
	return true
}

// unbind forgets stream s; the last one stops the interceptors' timers.
func (h *feedbackHub) unbind(f *pubFeedback, s *fbStream) {
	h.owners.CompareAndDelete(s.info.SSRC, f)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.chain == nil {
		return
	}
	h.chain.UnbindRemoteStream(&s.info)
	if h.bound--; h.bound == 0 {
		_ = h.chain.Close()
		h.chain, h.rtcpIn = nil, nil
	}
}

// senderReports passes a publisher's sender reports to the
// receiver-report interceptor, which answers them (LSR/DLSR) so the
// browser can measure its round trip. Only reports on the publisher's
// own streams: another's would skew that one's round trip.
func (h *feedbackHub) senderReports(f *pubFeedback, pkts []rtcp.Packet) {
	h.mu.Lock()
	rd := h.rtcpIn
	h.mu.Unlock()
	if rd == nil {
		return
	}
	for _, p := range pkts {
		sr, ok := p.(*rtcp.SenderReport)
		if !ok || h.owner(sr.SSRC) != f {
			continue
		}
		if raw, err := sr.Marshal(); err == nil {
			_, _, _ = rd.Read(raw, nil)
		}
	}
}

// leave stops f's transport-cc feedback.
func (h *feedbackHub) leave(f *pubFeedback) {
	h.mu.Lock()
	delete(h.twcc, f)
	h.mu.Unlock()
}

// twccLoop sends every publisher the transport-cc feedback for the
// packets recorded since the last round; it ends when none is left.
func (h *feedbackHub) twccLoop() {
	defer h.wg.Done()
	t := time.NewTicker(twccInterval)
	defer t.Stop()
	var pubs []*pubFeedback
	for range t.C {
		h.mu.Lock()
		if len(h.twcc) == 0 || h.closed {
			h.ticker = false
			h.mu.Unlock()
			return
		}
		pubs = pubs[:0]
		for f := range h.twcc {
			pubs = append(pubs, f)
		}
		h.mu.Unlock()
		for _, f := range pubs {
			f.sendTWCC()
		}
		clear(pubs)
	}
}

// close stops every timer; nothing binds afterwards.
func (h *feedbackHub) close() {
	h.mu.Lock()
	h.closed = true
	clear(h.twcc)
	chain := h.chain
	h.chain, h.rtcpIn, h.bound = nil, nil, 0
	h.mu.Unlock()
	if chain != nil {
		_ = chain.Close()
	}
	h.wg.Wait()
}
