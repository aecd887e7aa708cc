package sfu

import (
	"sync"
	"time"
)

// packetCache keeps the most recent packets of one incoming track so that
// NACKs from any subscriber can be answered without asking the publisher.
// One cache per incoming track (not per outgoing stream, as Pion's NACK
// responder would do) keeps memory flat in the number of subscribers.
//
// Packets are stored back to back, at their real size, in a byte ring; a
// small index, one entry per sequence number modulo its length, points
// into it. The ring is allocated on the first packet and starts small. It
// doubles, up to a byte limit, each time it is about to overwrite data
// that is younger than cacheWindow, so it settles at one to two windows of
// history at the stream's own bitrate: a 150 kbit/s layer costs a few tens
// of KiB. A layer that stops (a simulcast layer paused by dynacast, an
// ended track) gives its storage back after cacheIdle without packets.
// Growing is the only allocation, a handful of times in a stream's life;
// inserting and looking up allocate nothing.
type packetCache struct {
	mu       sync.RWMutex // insert runs on the track's reader, get on RTCP readers
	maxPkt   int          // larger packets are not cached
	maxBytes int          // the ring never grows past this
	nIndex   int          // index entries, a power of two
	mask     uint16

	index []cacheEntry // nil until the first packet
	ring  []byte       // len is a power of two
	// Logical byte positions: a packet written at logical position p sits
	// at ring[p&(len(ring)-1)...], wrapping. Data from tail to written is
	// intact; a packet that started before tail has been overwritten.
	written uint64
	tail    uint64
	// The current lap of the ring started at lapPos, at time lapAt. When a
	// lap completes in less than cacheWindow the ring is too small.
	lapPos uint64
	lapAt  int64

	started bool
	head    uint16 // newest sequence number inserted
	stray   uint16 // the last packet ignored as too old, see insert
	strayOK bool

	now func() int64 // monotonic nanoseconds; replaced in tests

	// While the ring is allocated, idle fires every idleAfter and frees
	// it if nothing was written since the previous time.
	idleAfter   time.Duration
	idle        *time.Timer
	idleWritten uint64
}

type cacheEntry struct {
	pos   uint64 // logical position in the ring
	n     uint16
	seq   uint16
	valid bool
}

const (
	// cacheWindow is the history the cache tries to hold, limits allowing:
	// a NACK comes one round trip after a loss and is retried every round
	// trip; after a second or two the receiver has given up on the packet.
	cacheWindow = time.Second
	// minRing is the ring's first size (at least two packets fit in it).
	minRing = 4096
	// cacheIdle is how long a cache keeps its storage without packets.
	cacheIdle = 5 * time.Second
)

var clockBase = time.Now()

func monoNow() int64 { return int64(time.Since(clockBase)) }

// newPacketCache returns a cache of the last size sequence numbers (rounded
// up to a power of two, at most 32768) of packets of at most maxPkt bytes,
// whose storage may grow to size*maxPkt bytes (the worst case: every packet
// as large as allowed).
func newPacketCache(size, maxPkt int) *packetCache {
	return newPacketCacheLimit(size, maxPkt, size*maxPkt)
}

// newPacketCacheLimit is newPacketCache with a byte limit for the storage,
// which also bounds the history: at most maxBytes of the newest packets.
func newPacketCacheLimit(size, maxPkt, maxBytes int) *packetCache {
	n := 1
	for n < size && n < 1<<15 {
		n <<= 1
	}
	if maxPkt > 0xffff {
		maxPkt = 0xffff
	}
	// The ring is a power of two at least twice the largest packet.
	limit := minRing
	for limit < 2*maxPkt || limit < maxBytes {
		limit <<= 1
	}
	if limit > maxBytes && limit/2 >= 2*maxPkt && limit/2 >= minRing {
		limit /= 2 // round the limit down, not up, when that is allowed
	}
	return &packetCache{
		maxPkt:    maxPkt,
		maxBytes:  limit,
		nIndex:    n,
		mask:      uint16(n - 1),
		now:       monoNow,
		idleAfter: cacheIdle,
	}
}

// size is the number of sequence numbers the index can hold.
func (c *packetCache) size() int { return c.nIndex }

// storage is the number of bytes the ring uses now.
func (c *packetCache) storage() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.ring)
}

// insert stores a copy of pkt under seq. Packets older than the window or
// larger than maxPkt are ignored.
func (c *packetCache) insert(seq uint16, pkt []byte) {
	if len(pkt) > c.maxPkt || len(pkt) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.started:
		c.started, c.head = true, seq
	case seqNewer(seq, c.head):
		// A jump of a whole window or more leaves every entry stale: clear
		// them so an old packet can never answer for a new number that
		// happens to be equal modulo 2^16. After a smaller jump the
		// entries of the numbers skipped over (lost, or still to come out
		// of order) belong to the previous round of the index: drop them.
		if d := seqDiff(seq, c.head); d >= c.nIndex {
			clear(c.index)
		} else if c.index != nil {
			for s := c.head + 1; s != seq; s++ {
				c.index[s&c.mask].valid = false
			}
		}
		c.head = seq
	case seqDiff(c.head, seq) >= c.nIndex:
		// Too old to keep, or the stream jumped by 2^15 or more (it then
		// looks as if it went backwards). A lone straggler is ignored;
		// two in a row that follow each other mean the stream moved on.
		if c.strayOK && seq == c.stray+1 {
			clear(c.index)
			c.head = seq
			c.strayOK = false
			break
		}
		c.stray, c.strayOK = seq, true
		return
	}
	c.strayOK = false
	if c.index == nil {
		c.index = make([]cacheEntry, c.nIndex)
	}
	c.reserve(len(pkt))
	pos := c.written
	c.put(pos, pkt)
	c.written += uint64(len(pkt))
	if r := uint64(len(c.ring)); c.written-c.tail > r {
		c.tail = c.written - r
	}
	c.index[seq&c.mask] = cacheEntry{pos: pos, n: uint16(len(pkt)), seq: seq, valid: true}
}

// reserve makes room for n more bytes: it grows the ring when the lap that
// is completing took less than cacheWindow, otherwise it starts a new lap
// (and the oldest data gets overwritten).
func (c *packetCache) reserve(n int) {
	if c.ring == nil {
		size := minRing
		for size < 2*c.maxPkt {
			size <<= 1
		}
		c.ring = make([]byte, size)
		c.lapPos, c.lapAt = c.written, c.now()
		c.idleWritten = c.written
		switch {
		case c.idleAfter <= 0: // never freed (tests)
		case c.idle == nil:
			c.idle = time.AfterFunc(c.idleAfter, c.checkIdle)
		default:
			c.idle.Reset(c.idleAfter)
		}
	}
	for c.written+uint64(n)-c.lapPos > uint64(len(c.ring)) {
		t := c.now()
		if t-c.lapAt < int64(cacheWindow) && len(c.ring) < c.maxBytes {
			c.grow()
			continue // the lap goes on in the larger ring
		}
		c.lapPos, c.lapAt = c.written, t
	}
}

// checkIdle frees the storage of a cache that got no packet since the
// previous check, and otherwise checks again later. The timer is not
// re-armed once the storage is freed, so a cache whose track ended is
// not kept alive by it.
func (c *packetCache) checkIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ring == nil {
		return
	}
	if c.written != c.idleWritten {
		c.idleWritten = c.written
		c.idle.Reset(c.idleAfter)
		return
	}
	c.ring, c.index = nil, nil
	c.tail = c.written
}

// grow doubles the ring, keeping every byte from tail to written at its
// logical position.
func (c *packetCache) grow() {
	old := c.ring
	c.ring = make([]byte, 2*len(old))
	for p := c.tail; p < c.written; {
		i := int(p & uint64(len(old)-1))
		chunk := old[i:min(len(old), i+int(c.written-p))]
		c.put(p, chunk)
		p += uint64(len(chunk))
	}
}

// put copies b into the ring at logical position pos, wrapping.
func (c *packetCache) put(pos uint64, b []byte) {
	i := int(pos & uint64(len(c.ring)-1))
	k := copy(c.ring[i:], b)
	copy(c.ring, b[k:])
}

// get copies the packet with sequence number seq into dst and returns its
// length, or false when it is not (or no longer) cached.
func (c *packetCache) get(seq uint16, dst []byte) (int, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.started || c.index == nil || seqNewer(seq, c.head) || seqDiff(c.head, seq) >= c.nIndex {
		return 0, false
	}
	e := c.index[seq&c.mask]
	n := int(e.n)
	if !e.valid || e.seq != seq || e.pos < c.tail || len(dst) < n {
		return 0, false
	}
	i := int(e.pos & uint64(len(c.ring)-1))
	k := copy(dst[:n], c.ring[i:])
	copy(dst[k:n], c.ring)
	return n, true
}
