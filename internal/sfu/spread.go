package sfu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Fan-out across cores. The media socket's reader forwards a publisher's
// packet on the spot (srtpin.go): with nothing handed between goroutines
// that is the cheapest way, as long as one core keeps up. When it does
// not, its read batches come back full of datagrams that waited in the
// socket, and for a while it hands packets to workers instead, one per
// core. A layer's packets always go to the same worker, and back to the
// reader only once that worker has handled all of them, so each stream
// stays in order.

const (
	// spreadFor is how long one lagging read batch keeps the workers in use.
	spreadFor = 200 * time.Millisecond
	// spreadLag: a full read batch whose oldest datagram waited longer
	// than this in the socket means the reader is behind. A shorter wait
	// is a burst (a keyframe, many publishers at once) that the reader
	// absorbs on its own; handing it to workers would only add wake-ups.
	spreadLag = 2 * time.Millisecond
	// spreadQueue bounds each worker's queue; a full queue makes the
	// reader wait, and the socket's buffer absorbs the burst meanwhile.
	spreadQueue = 512
)

type spreader struct {
	bn      *batchNet
	n       int           // workers; 0: one core, never spread
	lag     time.Duration // see spreadLag
	until   atomic.Int64  // unix ns until which packets go to workers
	forced  bool          // tests: always spread
	once    sync.Once
	workers []chan spreadJob
	done    chan struct{}
	stop    sync.Once
	spreads atomic.Uint64 // packets handed to workers
}

type spreadJob struct {
	in  *srtpIn
	l   *layer
	buf *[mtu + 64]byte
	n   int
}

var spreadBufs = sync.Pool{New: func() any { return new([mtu + 64]byte) }}

func newSpreader(bn *batchNet) *spreader {
	s := &spreader{bn: bn, lag: spreadLag, done: make(chan struct{})}
	if p := runtime.GOMAXPROCS(0); p > 1 {
		s.n = p
	}
	return s
}

// behind records that the reader read a full batch that waited.
func (s *spreader) behind() {
	if s != nil && s.n > 0 {
		s.until.Store(time.Now().Add(spreadFor).UnixNano())
	}
}

// take hands pkt to l's worker if the reader is behind, or if that worker
// still holds packets of l; false means forward it on the spot.
func (s *spreader) take(in *srtpIn, l *layer, pkt []byte) bool {
	if s == nil || s.n == 0 || len(pkt) > mtu+64 {
		return false
	}
	if l.inflight.Load() == 0 && !s.forced {
		until := s.until.Load()
		if until == 0 || time.Now().UnixNano() > until {
			return false
		}
	}
	s.once.Do(s.start)
	buf := spreadBufs.Get().(*[mtu + 64]byte)
	n := copy(buf[:], pkt)
	l.inflight.Add(1)
	select {
	case s.workers[l.ssrc%uint32(s.n)] <- spreadJob{in: in, l: l, buf: buf, n: n}:
		s.spreads.Add(1)
	case <-s.done:
		l.inflight.Add(-1)
		spreadBufs.Put(buf)
	}
	return true
}

func (s *spreader) start() {
	s.workers = make([]chan spreadJob, s.n)
	for i := range s.workers {
		s.workers[i] = make(chan spreadJob, spreadQueue)
		go s.work(s.workers[i])
	}
}

// work forwards its queue, flushing the sends once per run of queued
// packets as the reader does once per read batch.
func (s *spreader) work(ch chan spreadJob) {
	for {
		var j spreadJob
		select {
		case j = <-ch:
		case <-s.done:
			return
		}
		s.bn.corkStart()
		s.handle(j)
		for k := len(ch); k > 0; k-- {
			s.handle(<-ch)
		}
		s.bn.corkEnd()
	}
}

func (s *spreader) handle(j spreadJob) {
	j.in.forward(j.l, j.buf[:j.n])
	j.l.inflight.Add(-1)
	spreadBufs.Put(j.buf)
}

func (s *spreader) close() {
	if s != nil {
		s.stop.Do(func() { close(s.done) })
	}
}
