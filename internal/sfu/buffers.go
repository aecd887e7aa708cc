package sfu

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v5/packetio"
	"github.com/pion/webrtc/v4"
)

// Pion gives every SRTP and SRTCP read stream (one per SSRC and direction
// on each PeerConnection) a packetio.Buffer that starts empty, doubles
// (then grows by a quarter) whenever its reader falls behind, up to 1 MB
// for RTP and 100 kB for RTCP, and never shrinks. A publisher's keyframe
// burst arrives faster than its layer's reader forwards it to every
// subscriber, so in a 50×50 meeting most publishers' RTP buffers had grown
// to 64–400 kB (23 MiB in all, 30 MiB on a busier machine) and stayed so.
// The backlog itself is needed: a lower limit turned into packet loss
// (limits of 256 kB were hit by a fifth of the streams). So the limits stay
// Pion's, but a buffer that grew past bigBuffer is replaced by a fresh one
// once it is empty and has not been that full for bufferCalm. A timer does
// it when no packet comes to do it: once the direct receive path
// (srtpin.go) takes a stream over, Pion's buffer for it gets nothing more.
//
// Under CPU starvation (the server's cores shared with other work) the
// readers fall behind and these buffers fill up with packets that are
// seconds old; forwarding them late only makes freezes, keyframe requests
// and more load. So an RTP packet that waited longer than staleAfter is
// dropped on reading instead (it then counts as lost: NACK, FEC or a
// keyframe repair it, as for loss on the network).
const (
	staleAfter = 500 * time.Millisecond

	rtpBufferLimit  = 1000 * 1000 // Pion's own limits
	rtcpBufferLimit = 100 * 1000
	bigBuffer       = 32 << 10
	bufferCalm      = 2 * time.Second
)

// tuneBuffers makes the PeerConnections built from se use read buffers
// that give their memory back after a burst (see bigBuffer). Setting a
// BufferFactory also makes Pion start an RTX repair stream's reader only
// when it is read, not as soon as the stream appears; confer negotiates
// no RTX.
// stale counts the RTP packets dropped for waiting too long.
func tuneBuffers(se *webrtc.SettingEngine, stale *atomic.Uint64) {
	se.BufferFactory = func(t packetio.BufferPacketType, ssrc uint32) io.ReadWriteCloser {
		return newStreamBuffer(t, ssrc, stale)
	}
}

func newStreamBuffer(t packetio.BufferPacketType, _ uint32, stale *atomic.Uint64) io.ReadWriteCloser {
	limit, maxAge := rtpBufferLimit, int64(staleAfter)
	if t == packetio.RTCPBufferPacket {
		limit, maxAge = rtcpBufferLimit, 0
	}
	s := &streamBuffer{limit: limit, calm: bufferCalm, maxAge: maxAge, stale: stale}
	s.b = s.fresh()
	return s
}

// streamBuffer is a packetio.Buffer (what srtp makes when no factory is
// set) with the io.ReadWriteCloser and attribute-carrying methods srtp
// uses, that swaps its buffer for a new, small one when the old one has
// grown and drained. It assumes one reader at a time, which srtp
// guarantees: the swap happens in Read, so the reader is never left
// waiting on a buffer that was swapped out.
type streamBuffer struct {
	mu       sync.Mutex
	b        *packetio.Buffer
	limit    int
	calm     time.Duration
	closed   bool
	big      bool        // b held more than bigBuffer at some point
	bigAt    time.Time   // the last time it did
	trimmer  *time.Timer // while big: swaps b out once drained and calm
	deadline time.Time

	// Arrival of the packets in b, oldest first (a FIFO beside b's own):
	// pushed on every accepted write, popped on every read.
	maxAge  int64 // ns; 0: never stale (RTCP)
	arrived []int64
	first   int
	stale   *atomic.Uint64 // may be nil
}

func (s *streamBuffer) pushArrival(t int64) { s.arrived = append(s.arrived, t) }

func (s *streamBuffer) popArrival() int64 {
	if s.first >= len(s.arrived) {
		return 0
	}
	t := s.arrived[s.first]
	s.first++
	if s.first == len(s.arrived) {
		s.arrived, s.first = s.arrived[:0], 0
	} else if s.first > 1024 && s.first*2 > len(s.arrived) {
		s.arrived = s.arrived[:copy(s.arrived, s.arrived[s.first:])]
		s.first = 0
	}
	return t
}

func (s *streamBuffer) fresh() *packetio.Buffer {
	b := packetio.NewBuffer()
	b.SetLimitSize(s.limit)
	if !s.deadline.IsZero() {
		_ = b.SetReadDeadline(s.deadline)
	}
	return b
}

func (s *streamBuffer) Read(p []byte) (int, error) {
	n, _, err := s.ReadWithAttributes(p, nil)
	return n, err
}

func (s *streamBuffer) Write(p []byte) (int, error) { return s.WriteWithAttributes(p, nil) }

func (s *streamBuffer) WriteWithAttributes(p []byte, a packetio.Attributes) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p, a)
	if err == nil && s.maxAge > 0 {
		s.pushArrival(monoNow())
	}
	if err == nil && s.b.Size() > bigBuffer {
		s.big, s.bigAt = true, time.Now()
		if s.trimmer == nil && !s.closed {
			s.trimmer = time.AfterFunc(s.calm, s.trim)
		}
	}
	return n, err
}

// trim swaps a big buffer that drained and stayed calm for a fresh one
// when no read did it. Closing the old buffer wakes a reader blocked on it,
// which then goes on reading from the new one.
func (s *streamBuffer) trim() {
	s.mu.Lock()
	if s.closed || !s.big {
		s.trimmer = nil
		s.mu.Unlock()
		return
	}
	if wait := s.calm - time.Since(s.bigAt); s.b.Size() != 0 || wait > 0 {
		s.trimmer.Reset(max(wait, s.calm/4))
		s.mu.Unlock()
		return
	}
	old := s.swapLocked()
	s.mu.Unlock()
	_ = old.Close()
}

// swapLocked puts a fresh buffer in place of b and returns the old one,
// for the caller to close. s.mu is held.
func (s *streamBuffer) swapLocked() *packetio.Buffer {
	old := s.b
	s.b, s.big = s.fresh(), false
	s.arrived, s.first = nil, 0
	if s.trimmer != nil {
		s.trimmer.Stop()
		s.trimmer = nil
	}
	return old
}

func (s *streamBuffer) ReadWithAttributes(p []byte, a packetio.Attributes) (int, packetio.Attributes, error) {
	for {
		s.mu.Lock()
		b := s.b
		s.mu.Unlock()
		n, attrs, err := b.Read(p, a)
		s.mu.Lock()
		old := false
		// A short buffer still consumed the packet (packetio.Buffer.Read).
		consumed := err == nil || errors.Is(err, io.ErrShortBuffer)
		if consumed && s.maxAge > 0 && s.b == b {
			at := s.popArrival()
			old = at != 0 && monoNow()-at > s.maxAge
		}
		if err != nil && !consumed && s.b != b && !s.closed {
			s.mu.Unlock()
			continue // trim swapped b out while this read waited on it
		}
		if s.big && !s.closed && s.b == b && b.Size() == 0 && time.Since(s.bigAt) >= s.calm {
			_ = s.swapLocked().Close()
		}
		s.mu.Unlock()
		if old && err == nil {
			if s.stale != nil {
				s.stale.Add(1)
			}
			continue
		}
		return n, attrs, err
	}
}

func (s *streamBuffer) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deadline = t
	return s.b.SetReadDeadline(t)
}

func (s *streamBuffer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.trimmer != nil {
		s.trimmer.Stop()
		s.trimmer = nil
	}
	return s.b.Close()
}
