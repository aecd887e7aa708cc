package sfu

import "sync"

// packetCache keeps the most recent packets of one incoming track so that
// NACKs from any subscriber can be answered without asking the publisher.
// One cache per incoming track (not per outgoing stream, as Pion's NACK
// responder would do) keeps memory flat in the number of subscribers.
//
// Slots are preallocated and indexed by sequence number modulo the slot
// count, so inserting and looking up allocate nothing.
type packetCache struct {
	mu       sync.RWMutex // insert runs on the track's reader, get on RTCP readers
	slotSize int
	mask     uint16
	slots    []cacheSlot
	data     []byte
	started  bool
	head     uint16 // newest sequence number inserted
}

type cacheSlot struct {
	seq   uint16
	n     int
	valid bool
}

// newPacketCache returns a cache of size packets (rounded up to a power of
// two, at most 32768) of at most slotSize bytes each.
func newPacketCache(size, slotSize int) *packetCache {
	n := 1
	for n < size && n < 1<<15 {
		n <<= 1
	}
	return &packetCache{
		slotSize: slotSize,
		mask:     uint16(n - 1),
		slots:    make([]cacheSlot, n),
		data:     make([]byte, n*slotSize),
	}
}

func (c *packetCache) size() int { return len(c.slots) }

// insert stores a copy of pkt under seq. Packets older than the window or
// larger than a slot are ignored.
func (c *packetCache) insert(seq uint16, pkt []byte) {
	if len(pkt) > c.slotSize {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.started:
		c.started = true
		c.head = seq
	case seqNewer(seq, c.head):
		// A jump of a whole window or more leaves every slot stale: clear
		// them so an old packet can never answer for a new number that
		// happens to be equal modulo 2^16.
		if seqDiff(seq, c.head) >= len(c.slots) {
			clear(c.slots)
		}
		c.head = seq
	case seqDiff(c.head, seq) >= len(c.slots):
		return // too old to keep
	}
	i := int(seq & c.mask)
	off := i * c.slotSize
	c.slots[i] = cacheSlot{seq: seq, n: copy(c.data[off:off+c.slotSize], pkt), valid: true}
}

// get copies the packet with sequence number seq into dst and returns its
// length, or false when it is not (or no longer) cached.
func (c *packetCache) get(seq uint16, dst []byte) (int, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.started || seqNewer(seq, c.head) || seqDiff(c.head, seq) >= len(c.slots) {
		return 0, false
	}
	i := int(seq & c.mask)
	s := c.slots[i]
	if !s.valid || s.seq != seq || len(dst) < s.n {
		return 0, false
	}
	off := i * c.slotSize
	return copy(dst, c.data[off:off+s.n]), true
}
