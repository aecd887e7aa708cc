package sfu

// RTP sequence numbers are 16-bit and wrap around every 65536 packets, so
// "newer" and "distance" must be computed modulo 2^16 (RFC 3550 §A.1). All
// comparisons in the SFU go through these helpers so that a later
// per-subscriber munger (simulcast) can rely on the same semantics.

// seqDiff returns the signed distance a-b in [-32768, 32767]: positive when
// a is newer than b.
func seqDiff(a, b uint16) int {
	return int(int16(a - b))
}

// seqNewer reports whether a comes after b in sequence-number space.
func seqNewer(a, b uint16) bool {
	return seqDiff(a, b) > 0
}

// seqUnwrapper extends 16-bit sequence numbers to a monotonic 64-bit space
// by counting wrap-arounds. Packets that arrive late (reordered) unwrap to
// their original position, not to the next cycle.
type seqUnwrapper struct {
	started bool
	highest uint64 // extended value of the newest sequence number seen
}

func (u *seqUnwrapper) unwrap(seq uint16) uint64 {
	if !u.started {
		u.started = true
		// Start one cycle up so that reordered packets right after the
		// first one do not underflow.
		u.highest = 1<<16 | uint64(seq)
		return u.highest
	}
	ext := uint64(int64(u.highest) + int64(seqDiff(seq, uint16(u.highest))))
	if ext > u.highest {
		u.highest = ext
	}
	return ext
}
