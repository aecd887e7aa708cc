package sfu

import (
	"log/slog"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// feedbackHub is the one clock of every publisher's feedback in an
// engine (pubfeedback.go): NACKs and transport-cc feedback every 100 ms,
// receiver reports every second, instead of timers per publisher. Each
// timer tick wakes a thread of an otherwise idle server: at 50
// publishers, three timers each were about 1,050 wake-ups a second and a
// fifth of the server's CPU in the 50 × 50 benchmark (docs/benchmarks.md).
type feedbackHub struct {
	log *slog.Logger

	mu      sync.Mutex
	streams map[*fbStream]struct{}
	twcc    map[*pubFeedback]struct{} // publishers with transport-cc
	ticker  bool                      // the loop runs
	closed  bool
	stop    chan struct{} // closed by close
	wg      sync.WaitGroup
}

const (
	// fbInterval is how often NACKs and transport-cc feedback go out,
	// as Pion's interceptors do.
	fbInterval = 100 * time.Millisecond
	// rrEvery: receiver reports go out every rrEvery ticks (1 s).
	rrEvery = 10
)

func newFeedbackHub(log *slog.Logger) *feedbackHub {
	return &feedbackHub{log: log, streams: map[*fbStream]struct{}{}, twcc: map[*pubFeedback]struct{}{}, stop: make(chan struct{})}
}

// bind adds s to the clock's rounds.
func (h *feedbackHub) bind(s *fbStream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.streams[s] = struct{}{}
	if s.twccID != 0 {
		h.twcc[s.f] = struct{}{}
	}
	if !h.ticker {
		h.ticker = true
		h.wg.Add(1)
		go h.loop()
	}
}

// unbind forgets s; the clock stops when nothing is left.
func (h *feedbackHub) unbind(s *fbStream) {
	h.mu.Lock()
	delete(h.streams, s)
	h.mu.Unlock()
}

// leave stops f's transport-cc feedback.
func (h *feedbackHub) leave(f *pubFeedback) {
	h.mu.Lock()
	delete(h.twcc, f)
	h.mu.Unlock()
}

// loop sends what is due each tick; it ends when no stream is left.
func (h *feedbackHub) loop() {
	defer h.wg.Done()
	t := time.NewTicker(fbInterval)
	defer t.Stop()
	var (
		pubs    []*pubFeedback
		streams []*fbStream
		out     = map[*pubFeedback][]rtcp.Packet{}
		blocks  = map[*pubFeedback][]rtcp.ReceptionReport{}
	)
	for tick := 1; ; tick++ {
		select {
		case <-t.C:
		case <-h.stop:
		}
		h.mu.Lock()
		if h.closed || (len(h.streams) == 0 && len(h.twcc) == 0) {
			h.ticker = false
			h.mu.Unlock()
			return
		}
		pubs, streams = pubs[:0], streams[:0]
		for f := range h.twcc {
			pubs = append(pubs, f)
		}
		for s := range h.streams {
			streams = append(streams, s)
		}
		h.mu.Unlock()
		for _, f := range pubs {
			f.sendTWCC()
		}
		now := time.Now().UnixNano()
		rr := tick%rrEvery == 0
		for _, s := range streams {
			if p := s.nackPacket(now); p != nil {
				out[s.f] = append(out[s.f], p)
			}
			if rr {
				blocks[s.f] = append(blocks[s.f], s.report(now))
			}
		}
		for f, b := range blocks {
			// One report block a stream, at most 31 a packet.
			for len(b) > 0 {
				n := min(len(b), 31)
				out[f] = append(out[f], &rtcp.ReceiverReport{SSRC: f.ssrc, Reports: b[:n]})
				b = b[n:]
			}
		}
		clear(blocks)
		for f, pkts := range out {
			f.send(pkts, "nack and receiver reports")
		}
		clear(out)
		clear(pubs)
		clear(streams)
	}
}

// close stops the clock; nothing binds afterwards.
func (h *feedbackHub) close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.stop)
	}
	clear(h.twcc)
	clear(h.streams)
	h.mu.Unlock()
	h.wg.Wait()
}
