package sfu

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"
	"time"
)

// fakeClock drives the cache's growth decisions in tests.
type fakeClock struct{ t int64 }

func (f *fakeClock) now() int64           { return f.t }
func (f *fakeClock) add(d time.Duration)  { f.t += int64(d) }
func withClock(c *packetCache) *fakeClock { f := &fakeClock{t: 1}; c.now = f.now; return f }
func sizedPkt(seq uint16, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(int(seq)*7 + i)
	}
	if n >= 2 {
		binary.BigEndian.PutUint16(p, seq)
	}
	return p
}

func TestPacketCacheWraparound(t *testing.T) {
	c := newPacketCache(8, 64)
	if c.size() != 8 {
		t.Fatalf("size %d", c.size())
	}
	dst := make([]byte, 64)
	for s := uint16(65532); s != 4; s++ { // 65532..65535, 0..3
		c.insert(s, pkt(s))
	}
	for s := uint16(65532); s != 4; s++ {
		n, ok := c.get(s, dst)
		if !ok || !bytes.Equal(dst[:n], pkt(s)) {
			t.Fatalf("get(%d) = %v %x", s, ok, dst[:n])
		}
	}
	if _, ok := c.get(4, dst); ok {
		t.Fatal("got a packet newer than the head")
	}
	if _, ok := c.get(65531, dst); ok {
		t.Fatal("got a packet never inserted")
	}
	// Moving on evicts the oldest.
	c.insert(4, pkt(4))
	if _, ok := c.get(65532, dst); ok {
		t.Fatal("65532 should have been evicted by 4")
	}
	if n, ok := c.get(4, dst); !ok || !bytes.Equal(dst[:n], pkt(4)) {
		t.Fatal("get(4)")
	}
}

func TestPacketCacheLossReorderAndJumps(t *testing.T) {
	c := newPacketCache(8, 64)
	dst := make([]byte, 64)
	c.insert(100, pkt(100))
	c.insert(103, pkt(103)) // 101, 102 lost
	c.insert(101, pkt(101)) // late
	for s, want := range map[uint16]bool{100: true, 101: true, 102: false, 103: true} {
		if _, ok := c.get(s, dst); ok != want {
			t.Errorf("get(%d) = %v want %v", s, ok, want)
		}
	}
	c.insert(90, pkt(90)) // older than the window: ignored
	if _, ok := c.get(90, dst); ok {
		t.Error("kept a packet older than the window")
	}
	// 102 was lost; its slot still holds 94-or-nothing and must not answer
	// for 110 (same slot).
	c.insert(110, pkt(110))
	if _, ok := c.get(102, dst); ok {
		t.Error("answered for a lost packet")
	}
	// A jump of more than the window clears everything: a packet 65536
	// back must not answer for the same number.
	c.insert(110+8*100, pkt(110+8*100))
	if _, ok := c.get(110, dst); ok {
		t.Error("stale packet survived a big jump")
	}
	// Oversized packets are not cached.
	big := make([]byte, 65)
	c.insert(911, big)
	if _, ok := c.get(911, dst); ok {
		t.Error("cached an oversized packet")
	}
	// dst too small.
	c.insert(912, pkt(912))
	if _, ok := c.get(912, make([]byte, 4)); ok {
		t.Error("copied into a short buffer")
	}
}

func TestPacketCacheVariableSizes(t *testing.T) {
	c := newPacketCache(64, 1500)
	withClock(c) // the clock never moves: the ring grows to its limit
	dst := make([]byte, 1500)
	sizes := []int{1200, 90, 1500, 1, 700, 1100, 12, 1499}
	for i := 0; i < 64; i++ {
		c.insert(uint16(1000+i), sizedPkt(uint16(1000+i), sizes[i%len(sizes)]))
	}
	for i := 0; i < 64; i++ {
		s := uint16(1000 + i)
		n, ok := c.get(s, dst)
		if !ok || !bytes.Equal(dst[:n], sizedPkt(s, sizes[i%len(sizes)])) {
			t.Fatalf("get(%d) = %v, %d bytes", s, ok, n)
		}
	}
	if c.storage() > 64*1500*2 {
		t.Errorf("storage %d", c.storage())
	}
}

// With a byte limit and a slow clock, the oldest packets are overwritten
// in byte order, and only they are.
func TestPacketCacheByteLimitEvictsOldest(t *testing.T) {
	c := newPacketCacheLimit(512, 1000, 8192)
	clk := withClock(c)
	dst := make([]byte, 1000)
	for i := 0; i < 100; i++ {
		clk.add(cacheWindow) // every lap is "long enough": never grow
		c.insert(uint16(i), sizedPkt(uint16(i), 1000))
	}
	if c.storage() != 4096 {
		t.Fatalf("ring grew to %d", c.storage())
	}
	// 4096 bytes hold the last 4 packets of 1000 bytes (the fifth
	// newest is partly overwritten).
	for i := 0; i < 100; i++ {
		_, ok := c.get(uint16(i), dst)
		if want := i >= 96; ok != want {
			t.Errorf("get(%d) = %v want %v", i, ok, want)
		}
	}
}

// The ring grows until one lap holds cacheWindow of the stream, and no
// further; a layer that never sends costs no storage.
func TestPacketCacheGrowsToWindow(t *testing.T) {
	idle := newPacketCacheLimit(512, mtu, 512<<10)
	if idle.storage() != 0 {
		t.Fatalf("idle cache holds %d bytes", idle.storage())
	}
	for _, tc := range []struct {
		name     string
		pps, sz  int
		limit    int
		wantRing int
	}{
		{"audio 50pps", 50, 100, 32 << 10, 8 << 10},         // 5 KB/s
		{"q 30pps", 30, 1000, 128 << 10, 32 << 10},          // 30 KB/s
		{"f 250pps", 250, 1100, 512 << 10, 512 << 10},       // 275 KB/s
		{"f at the limit", 250, 1100, 256 << 10, 256 << 10}, // capped
	} {
		c := newPacketCacheLimit(1024, mtu, tc.limit)
		clk := withClock(c)
		step := time.Second / time.Duration(tc.pps)
		dst := make([]byte, mtu)
		for i := 0; i < 10*tc.pps; i++ {
			clk.add(step)
			c.insert(uint16(i), sizedPkt(uint16(i), tc.sz))
		}
		if c.storage() != tc.wantRing {
			t.Errorf("%s: ring %d want %d", tc.name, c.storage(), tc.wantRing)
		}
		// The newest packets answer, as many as the ring holds whole.
		last := 10*tc.pps - 1
		keep := min(c.storage()/tc.sz-1, c.size())
		for k := 0; k < keep; k++ {
			s := uint16(last - k)
			if n, ok := c.get(s, dst); !ok || !bytes.Equal(dst[:n], sizedPkt(s, tc.sz)) {
				t.Errorf("%s: get(%d) failed, %d back of %d", tc.name, s, k, keep)
				break
			}
		}
	}
}

// Growing keeps what was stored, at any point of the wrap: a packet that
// could be read before an insert that grows the ring still can after it.
func TestPacketCacheGrowKeepsData(t *testing.T) {
	c := newPacketCacheLimit(256, 1500, 64<<10)
	clk := withClock(c)
	dst := make([]byte, 1500)
	size := func(s uint16) int { return 300 + int(s-65000)*37%1200 }
	grew := 0
	// Slow laps first, so the 4 KiB ring wraps a few times, then fast
	// ones, so it grows with the data wrapped.
	for s := uint16(65000); s != 200; s++ {
		if s < 65030 {
			clk.add(cacheWindow)
		} else {
			clk.add(time.Millisecond)
		}
		var before []uint16
		for k := s - 100; k != s; k++ {
			if _, ok := c.get(k, dst); ok {
				before = append(before, k)
			}
		}
		old := c.storage()
		c.insert(s, sizedPkt(s, size(s)))
		if c.storage() == old {
			continue
		}
		grew++
		for _, k := range before {
			if n, ok := c.get(k, dst); !ok || !bytes.Equal(dst[:n], sizedPkt(k, size(k))) {
				t.Fatalf("get(%d) after growing to %d: %v", k, c.storage(), ok)
			}
		}
	}
	if grew < 3 || c.storage() != 64<<10 {
		t.Fatalf("grew %d times, to %d", grew, c.storage())
	}
}

// A jump of half the sequence space or more looks like going backwards;
// the cache follows the stream once two packets in a row confirm it.
func TestPacketCacheBackwardJump(t *testing.T) {
	c := newPacketCache(8, 64)
	dst := make([]byte, 64)
	for s := uint16(0); s < 10; s++ {
		c.insert(s, pkt(s))
	}
	c.insert(40000, pkt(40000)) // a straggler, or the new stream: ignored
	if _, ok := c.get(40000, dst); ok {
		t.Fatal("kept a lone out-of-window packet")
	}
	if _, ok := c.get(9, dst); !ok {
		t.Fatal("a lone straggler cleared the cache")
	}
	c.insert(40001, pkt(40001))
	c.insert(40002, pkt(40002))
	if n, ok := c.get(40002, dst); !ok || !bytes.Equal(dst[:n], pkt(40002)) {
		t.Fatal("did not follow the jump")
	}
	if _, ok := c.get(9, dst); ok {
		t.Fatal("old packet survived the jump")
	}
}

// Skipping numbers (loss) must not let an entry of the previous round of
// the index answer when the sequence numbers come round again.
func TestPacketCacheNoStaleAfterFullCycle(t *testing.T) {
	c := newPacketCache(8, 64)
	dst := make([]byte, 64)
	c.insert(5, pkt(5))
	// Advance through the whole 16-bit space in steps of 7 (less than
	// the window), never inserting 5 again.
	s := uint16(5)
	for i := 0; i < 65536/7+2; i++ {
		s += 7
		if s == 5 {
			s++
		}
		c.insert(s, pkt(s))
		if i > 2 && seqDiff(s, 5) >= 0 && seqDiff(s, 5) < 8 {
			if _, ok := c.get(5, dst); ok {
				t.Fatalf("stale packet 5 answered with head %d", s)
			}
		}
	}
}

// A cache that gets no packets for a while frees its storage, and works
// again when packets resume.
func TestPacketCacheFreesWhenIdle(t *testing.T) {
	c := newPacketCacheLimit(128, mtu, 64<<10)
	c.idleAfter = 100 * time.Millisecond
	dst := make([]byte, mtu)
	for s := uint16(0); s < 50; s++ {
		c.insert(s, sizedPkt(s, 1000))
	}
	// Packets keep coming: the storage stays.
	for i := 0; i < 100; i++ {
		time.Sleep(3 * time.Millisecond)
		c.insert(uint16(50+i), sizedPkt(uint16(50+i), 1000))
	}
	if c.storage() == 0 {
		t.Fatal("freed while packets were coming")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.storage() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("storage not freed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := c.get(149, dst); ok {
		t.Fatal("answered after freeing")
	}
	c.insert(150, sizedPkt(150, 700))
	if n, ok := c.get(150, dst); !ok || !bytes.Equal(dst[:n], sizedPkt(150, 700)) {
		t.Fatal("no packet after resuming")
	}
	if _, ok := c.get(149, dst); ok {
		t.Fatal("a freed packet answered after resuming")
	}
}

func TestPacketCacheConcurrent(t *testing.T) {
	c := newPacketCacheLimit(512, mtu, 256<<10)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]byte, mtu)
			for s := uint16(0); ; s++ {
				select {
				case <-done:
					return
				default:
				}
				if n, ok := c.get(s, dst); ok && !bytes.Equal(dst[:n], sizedPkt(s, 200+int(s)%1000)) {
					t.Errorf("get(%d): wrong data", s)
					return
				}
			}
		}()
	}
	for s := 0; s < 20000; s++ {
		c.insert(uint16(s), sizedPkt(uint16(s), 200+s%1000))
	}
	close(done)
	wg.Wait()
}

func TestPacketCacheNoAllocs(t *testing.T) {
	c := newPacketCacheLimit(512, mtu, 512<<10)
	p := sizedPkt(0, 1100)
	dst := make([]byte, mtu)
	seq := uint16(0)
	for i := 0; i < 5000; i++ { // reach the ring's final size
		c.insert(seq, p)
		seq++
	}
	allocs := testing.AllocsPerRun(1000, func() {
		c.insert(seq, p)
		c.get(seq-10, dst)
		seq++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per insert+get", allocs)
	}
}

func BenchmarkPacketCache(b *testing.B) {
	c := newPacketCacheLimit(512, mtu, 512<<10)
	p := sizedPkt(0, 1100)
	dst := make([]byte, mtu)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	seq := uint16(0)
	for b.Loop() {
		c.insert(seq, p)
		if _, ok := c.get(seq-5, dst); !ok && seq > 5 {
			b.Fatal("miss")
		}
		seq++
	}
}

// FuzzPacketCache plays random inserts (sizes, loss, reordering, jumps,
// wrap-around), lookups and clock steps against a tiny cache and checks
// that a hit always returns the newest packet inserted under that number
// and that the newest packet is always found.
func FuzzPacketCache(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0xff, 0xfe, 0x80, 0x01, 0x7f, 0x40, 0x33, 0x90, 0x10, 0x00, 0x11, 0xf0})
	f.Add(bytes.Repeat([]byte{0x21, 0x05, 0x62}, 40))
	f.Add(bytes.Repeat([]byte{0xe1, 0x93, 0x07, 0x55}, 30))
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, ops []byte) {
	c := newPacketCacheLimit(16, 200, 8192)
	c.idleAfter = 0
	clk := withClock(c)
	last := map[uint16][]byte{} // newest packet inserted per number
	seq := uint16(65530)
	dst := make([]byte, 200)
	for i := 0; i+1 < len(ops); i += 2 {
		op, arg := ops[i], ops[i+1]
		switch op % 4 {
		case 0, 1: // insert near the head, or jump
			var s uint16
			switch {
			case op&0x80 != 0:
				s = seq + uint16(arg)<<8 // big jump either way
			case op&0x40 != 0:
				s = seq - uint16(arg%24) // late
			default:
				s = seq + 1 + uint16(arg%5) // next, maybe with loss
			}
			p := sizedPkt(s, 1+int(arg)*int(op|1)%200)
			wasNewer := !c.started || seqNewer(s, c.head)
			c.insert(s, p)
			last[s] = p
			if seqNewer(s, seq) || op&0x80 != 0 {
				seq = s
			}
			if wasNewer {
				if n, ok := c.get(s, dst); !ok || !bytes.Equal(dst[:n], p) {
					t.Fatalf("newest packet %d not found", s)
				}
			}
		case 2: // lookup
			s := seq - uint16(arg%40)
			if n, ok := c.get(s, dst); ok && !bytes.Equal(dst[:n], last[s]) {
				t.Fatalf("get(%d) returned another packet", s)
			}
		case 3:
			clk.add(time.Duration(arg) * 10 * time.Millisecond)
		}
	}
}
