package sfu

import "github.com/pion/rtcp"

// What the server knows of one publisher stream it receives, for the
// feedback it sends back (pubfeedback.go): the receiver report's
// statistics (RFC 3550 §6.4.1, A.3, A.8) and the NACK log. They follow
// Pion's report and nack interceptors, step for step, which a
// differential test checks (recvstats_test.go); run here, inline with the
// layer's own parsing, they cost one lock a packet instead of two
// interceptors' locks, attribute maps and clock reads (≈ 5 % of the
// server's CPU at 50 × 50, docs/benchmarks.md).

// rrWindow is how many sequence numbers the report statistics remember,
// as Pion's receiver interceptor: 128 words of 64.
const rrWindow = 128 * 64

// recvStats are one stream's receiver-report statistics.
type recvStats struct {
	clockRate  float64
	started    bool
	cycles     uint16 // sequence number wraps
	last       uint16 // the highest sequence number
	lastReport uint16 // last at the previous report
	seen       [rrWindow / 64]uint64
	lastTS     uint32 // RTP timestamp of the previous packet
	lastAt     int64  // its arrival, unix ns
	jitter     float64
	totalLost  uint32
	lsr        uint32 // middle 32 bits of the last sender report's NTP time
	lsrAt      int64  // when it came, unix ns; 0: none yet
}

func (s *recvStats) mark(seq uint16, on bool) { markSeq(s.seen[:], seq, on) }
func (s *recvStats) got(seq uint16) bool      { return gotSeq(s.seen[:], seq) }

// markSeq and gotSeq keep one bit a sequence number in words, a ring of
// len(words)*64 numbers (a power of two that divides 65,536).
func markSeq(words []uint64, seq uint16, on bool) {
	pos := uint(seq) & uint(len(words)*64-1)
	if on {
		words[pos/64] |= 1 << (pos % 64)
	} else {
		words[pos/64] &^= 1 << (pos % 64)
	}
}

func gotSeq(words []uint64, seq uint16) bool {
	pos := uint(seq) & uint(len(words)*64-1)
	return words[pos/64]&(1<<(pos%64)) != 0
}

// add records a packet that arrived at now (unix ns).
func (s *recvStats) add(seq uint16, ts uint32, now int64) {
	s.mark(seq, true)
	if !s.started {
		s.started = true
		s.last, s.lastReport = seq, seq-1
		s.lastTS, s.lastAt = ts, now
		return
	}
	if diff := seq - s.last; diff > 0 && diff < 1<<15 {
		if seq < s.last {
			s.cycles++
		}
		for i := s.last + 1; i != seq; i++ {
			s.mark(i, false) // not yet received; may hold a number from a window ago
		}
		s.last = seq
	}
	// Interarrival jitter (A.8), in RTP timestamp units. The timestamp
	// difference is taken modulo 2^32, so a wrap is not a jump.
	d := float64(now-s.lastAt)*s.clockRate/1e9 - float64(int32(ts-s.lastTS))
	if d < 0 {
		d = -d
	}
	s.jitter += (d - s.jitter) / 16
	s.lastTS, s.lastAt = ts, now
}

// senderReport records a sender report (its NTP time) received at now.
func (s *recvStats) senderReport(ntp uint64, now int64) {
	s.lsr = uint32(ntp >> 16)
	s.lsrAt = now
}

// report is the stream's reception report at now, and starts the next
// interval.
func (s *recvStats) report(ssrc uint32, now int64) rtcp.ReceptionReport {
	total := s.last - s.lastReport
	var lost uint32
	// Nothing new (a paused layer, a stream not started yet): the loop
	// would otherwise run round the whole sequence space.
	for i := s.lastReport + 1; total != 0 && i != s.last; i++ {
		if !s.got(i) {
			lost++
		}
	}
	s.totalLost = min(s.totalLost+lost, 0xffffff) // 24 bits
	lost = min(lost, 0xffffff)
	var fraction uint8
	if total != 0 {
		fraction = uint8(float64(lost*256) / float64(total))
	}
	var delay uint32
	if s.lsrAt != 0 {
		delay = uint32(float64(now-s.lsrAt) / 1e9 * 65536)
	}
	s.lastReport = s.last
	return rtcp.ReceptionReport{
		SSRC:               ssrc,
		LastSequenceNumber: uint32(s.cycles)<<16 | uint32(s.last),
		LastSenderReport:   s.lsr,
		FractionLost:       fraction,
		TotalLost:          s.totalLost,
		Delay:              delay,
		Jitter:             uint32(s.jitter),
	}
}

// nackWindow is how many sequence numbers the NACK log remembers, as
// Pion's NACK generator.
const nackWindow = 512

// nackLog tells which recent packets of a stream are missing.
type nackLog struct {
	seen        [nackWindow / 64]uint64
	started     bool
	end         uint16 // the highest sequence number
	consecutive uint16 // every number up to this one has arrived
}

func (n *nackLog) mark(seq uint16, on bool) { markSeq(n.seen[:], seq, on) }
func (n *nackLog) got(seq uint16) bool      { return gotSeq(n.seen[:], seq) }

func (n *nackLog) add(seq uint16) {
	if !n.started {
		n.mark(seq, true)
		n.end, n.consecutive, n.started = seq, seq, true
		return
	}
	diff := seq - n.end
	switch {
	case diff == 0:
		return
	case diff < 1<<15: // newer than end
		for i := n.end + 1; i != seq; i++ {
			n.mark(i, false)
		}
		n.end = seq
		if n.consecutive+1 == seq {
			n.consecutive = seq
		} else if seq-n.consecutive > nackWindow {
			n.consecutive = seq - nackWindow
			n.advance() // numbers at the window's start may have arrived
		}
	case n.consecutive+1 == seq: // a late one that fills the first gap
		n.consecutive = seq
		n.advance()
	}
	n.mark(seq, true)
}

// advance moves consecutive past every number that has arrived.
func (n *nackLog) advance() {
	i := n.consecutive + 1
	for i != n.end+1 && n.got(i) {
		i++
	}
	n.consecutive = i - 1
}

// missing appends the numbers between the first gap and end that have
// not arrived.
func (n *nackLog) missing(out []uint16) []uint16 {
	if !n.started || n.end-n.consecutive >= 1<<15 {
		return out
	}
	for i := n.consecutive + 1; i != n.end+1; i++ {
		if !n.got(i) {
			out = append(out, i)
		}
	}
	return out
}
