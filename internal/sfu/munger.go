package sfu

import "github.com/pion/rtp"

// munger rewrites one subscriber's view of a track so that it looks like a
// single continuous stream although the SFU switches between simulcast
// layers, pauses and resumes it: sequence numbers, timestamps and the VP8
// PictureID/TL0PICIDX continue where the last forwarded packet left off.
// Without this the browser's jitter buffer sees jumps and the picture
// freezes for seconds after a switch.
//
// A switch opens a new epoch (layer + offsets). A few recent epochs are
// kept so that a NACK for an older outgoing number is mapped back to the
// layer and sequence number it came from.
type munger struct {
	started bool
	last    outPos
	cur     epoch
	history [8]epoch // ring of recent epochs, cur included
	nHist   int
}

// outPos is where the outgoing stream stands: the numbers of the newest
// packet sent. A receive slot (slot.go) hands it from one source to the
// next.
type outPos struct {
	seq uint16
	ts  uint32
	pic uint16
	tl0 uint8
	at  int64 // unix nanoseconds of the newest packet sent
}

type epoch struct {
	startOut uint16 // first outgoing sequence number of the epoch
	layer    int8
	seqOff   uint16
	tsOff    uint32
	picOff   uint16
	tl0Off   uint8
}

// rebase starts a new epoch at packet h (a keyframe, or any audio packet)
// of layer. now is in unix nanoseconds; clock is the RTP clock rate.
func (m *munger) rebase(layer int, h *rtp.Header, pi *pktInfo, now int64, clock uint32) {
	e := epoch{layer: int8(layer)}
	if m.started {
		e.seqOff = m.last.seq + 1 - h.SequenceNumber
		// The timestamp advances by the wall-clock time since the last
		// packet sent (at least one tick), so playout stays smooth.
		elapsed := now - m.last.at
		if elapsed < 0 {
			elapsed = 0
		}
		delta := uint32(uint64(elapsed) * uint64(clock) / 1e9)
		if delta == 0 {
			delta = 1
		}
		e.tsOff = m.last.ts + delta - h.Timestamp
		if pi.picOff >= 0 {
			e.picOff = m.last.pic + 1 - pi.picID
		}
		if pi.tl0Off >= 0 {
			e.tl0Off = m.last.tl0 + 1 - pi.tl0
		}
	}
	e.startOut = h.SequenceNumber + e.seqOff
	m.cur = e
	m.history[m.nHist%len(m.history)] = e
	m.nHist++
}

// apply writes the rewritten header into out. payload is returned as is,
// or, when the VP8 descriptor must change, copied into scratch and
// rewritten there (the original is shared by every subscriber).
func (m *munger) apply(e *epoch, out *rtp.Header, pi *pktInfo, payload, scratch []byte, now int64, advance bool) []byte {
	out.SequenceNumber += e.seqOff
	out.Timestamp += e.tsOff
	pic := pi.picID + e.picOff
	tl0 := pi.tl0 + e.tl0Off
	if (pi.picOff >= 0 && e.picOff != 0) || (pi.tl0Off >= 0 && e.tl0Off != 0) {
		if len(payload) <= len(scratch) {
			n := copy(scratch, payload)
			payload = scratch[:n]
			if pi.picOff >= 0 {
				if pi.pic16 {
					payload[pi.picOff] = 0x80 | byte(pic>>8)&0x7f
					payload[pi.picOff+1] = byte(pic)
				} else {
					payload[pi.picOff] = byte(pic) & 0x7f
				}
			}
			if pi.tl0Off >= 0 {
				payload[pi.tl0Off] = tl0
			}
		}
	}
	if advance && (!m.started || seqNewer(out.SequenceNumber, m.last.seq)) {
		m.started = true
		m.last.seq = out.SequenceNumber
		m.last.ts = out.Timestamp
		m.last.at = now
		if pi.picOff >= 0 {
			if pi.pic16 {
				m.last.pic = pic & 0x7fff
			} else {
				m.last.pic = pic & 0x7f
			}
		}
		if pi.tl0Off >= 0 {
			m.last.tl0 = tl0
		}
	}
	return payload
}

// lookup maps an outgoing sequence number back to the epoch it was sent in,
// for retransmissions. Numbers newer than the last sent are refused.
func (m *munger) lookup(outSeq uint16) (epoch, bool) {
	if !m.started || seqNewer(outSeq, m.last.seq) {
		return epoch{}, false
	}
	n := m.nHist
	if n > len(m.history) {
		n = len(m.history)
	}
	// Newest first: the first epoch that started at or before outSeq.
	for i := 0; i < n; i++ {
		e := m.history[(m.nHist-1-i)%len(m.history)]
		if seqDiff(outSeq, e.startOut) >= 0 {
			return e, true
		}
	}
	return epoch{}, false
}
