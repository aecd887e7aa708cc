package sfu

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// queue puts datagrams of the given sizes to the given destinations in
// c's batch without sending.
func queue(c *batchConn, dsts []netip.AddrPort, sizes []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = 0
	for i, d := range dsts {
		for j := 0; j < sizes[i]; j++ {
			c.bufs[i][j] = byte(i)
		}
		c.iov[i].SetLen(sizes[i])
		c.sa[i].Addr = d.Addr().As4()
		p := d.Port()
		c.sa[i].Port = p<<8 | p>>8
		c.n++
	}
}

// Regrouping keeps each destination's datagrams in order, joins runs of
// one size (the last may be shorter) and nothing else.
func TestGSOGrouping(t *testing.T) {
	_, c := benchSocket(t)
	a := netip.MustParseAddrPort("127.0.0.1:1000")
	b := netip.MustParseAddrPort("127.0.0.1:2000")
	d := netip.MustParseAddrPort("127.0.0.2:1000") // same port, other address
	dsts := []netip.AddrPort{a, b, a, d, a, b, a, a, b}
	sizes := []int{1100, 1100, 1100, 1100, 700, 1100, 1100, 100, 1200}
	queue(c, dsts, sizes)
	g := &gsoState{}
	m := c.group(g, c.n)
	// a: [1100 1100 700] then [1100 100]; b: [1100 1100] then [1200]; d: [1100]
	want := []string{"a:0,2,4", "b:1,5", "d:3", "a:6,7", "b:8"}
	name := map[netip.AddrPort]string{a: "a", b: "b", d: "d"}
	var got []string
	for k := 0; k < m; k++ {
		s := name[dsts[g.first[k]]] + ":"
		for j := 0; j < g.count[k]; j++ {
			if j > 0 {
				s += ","
			}
			s += fmt.Sprint(g.ent[g.start[k]+j])
		}
		got = append(got, s)
		h := &g.hdrs[k].hdr
		if g.count[k] > 1 {
			if int(h.Controllen) != gsoControlLen {
				t.Fatalf("message %d: no UDP_SEGMENT", k)
			}
			seg := *(*uint16)(unsafe.Pointer(&g.ctl[k][unix.CmsgLen(0)]))
			if int(seg) != sizes[g.first[k]] {
				t.Fatalf("message %d: segment size %d", k, seg)
			}
		} else if h.Controllen != 0 {
			t.Fatalf("message %d: a control message on a single datagram", k)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("messages %v, want %v", got, want)
	}
}

// Regrouping any queue, up to a full one with many destinations: every
// datagram goes out once, a message has one destination and one segment
// size (its last datagram may be shorter), and each destination's
// datagrams keep their order.
func TestGSOGroupingRandomQueues(t *testing.T) {
	_, c := benchSocket(t)
	g := &gsoState{}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		n := 2 + rng.IntN(len(c.bufs)-1)
		ndst := 1 + rng.IntN(80)
		dsts := make([]netip.AddrPort, n)
		sizes := make([]int, n)
		for i := range dsts {
			dsts[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + rng.IntN(2))}), uint16(1000+rng.IntN(ndst)))
			sizes[i] = []int{1100, 1100, 1100, 700, 120}[rng.IntN(5)]
		}
		queue(c, dsts, sizes)
		m := c.group(g, c.n)
		seen := make([]bool, n)
		last := map[netip.AddrPort]int{}
		for k := 0; k < m; k++ {
			for j := 0; j < g.count[k]; j++ {
				i := g.ent[g.start[k]+j]
				if seen[i] {
					t.Fatalf("round %d: datagram %d twice", round, i)
				}
				seen[i] = true
				if dsts[i] != dsts[g.first[k]] {
					t.Fatalf("round %d: message %d mixes destinations", round, k)
				}
				if l := sizes[i]; l > g.seg[k] || (l < g.seg[k] && j != g.count[k]-1) {
					t.Fatalf("round %d: message %d: datagram of %d in segments of %d", round, k, l, g.seg[k])
				}
				if p, ok := last[dsts[i]]; ok && p > i {
					t.Fatalf("round %d: %v gets datagram %d after %d", round, dsts[i], p, i)
				}
				last[dsts[i]] = i
			}
		}
		if slices.Contains(seen, false) {
			t.Fatalf("round %d: a datagram was not sent", round)
		}
	}
}

// Sent through the kernel, a regrouped batch arrives as the datagrams it
// was made of, in order.
func TestGSODelivers(t *testing.T) {
	bn, c := benchSocket(t)
	if !bn.gso.Load() {
		t.Skip("no UDP_SEGMENT on this kernel")
	}
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	dst := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	before := bn.gsoSegments.Load()
	bn.corkStart()
	for i := 0; i < 5; i++ {
		n := 1100
		if i == 4 {
			n = 300
		}
		pkt := make([]byte, n)
		pkt[0] = byte(i)
		_, _ = c.WriteToAddrPort(pkt, dst)
	}
	bn.corkEnd()
	buf := make([]byte, 65536)
	_ = sink.SetReadDeadline(time.Now().Add(2 * time.Second))
	for i := 0; i < 5; i++ {
		n, err := sink.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		want := 1100
		if i == 4 {
			want = 300
		}
		if n != want || buf[0] != byte(i) {
			t.Fatalf("datagram %d: %d bytes starting %d", i, n, buf[0])
		}
	}
	if got := bn.gsoSegments.Load() - before; got != 5 {
		t.Fatalf("%d datagrams left in a segmented message, want 5", got)
	}
}

// One video frame (five 1,200-byte packets) fanned out to 50 loopback
// subscribers, packet by packet as the reader forwards them, with and
// without UDP segmentation offload.
func BenchmarkSendFrame(b *testing.B) {
	for _, gso := range []bool{false, true} {
		b.Run(fmt.Sprintf("gso=%v", gso), func(b *testing.B) {
			addrs, got := loopbackSinks(b, benchSubs)
			bn, c := benchSocket(b)
			if gso && !bn.gso.Load() {
				b.Skip("no UDP_SEGMENT on this kernel")
			}
			bn.gso.Store(gso)
			pkt := make([]byte, 1200)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				bn.corkStart()
				for range 5 {
					for _, a := range addrs {
						_, _ = c.WriteToAddrPort(pkt, a)
					}
				}
				bn.corkEnd()
			}
			reportPerPacket(b, start, 5*benchSubs, got)
		})
	}
}
