package sfu

import (
	"crypto/rand"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"golang.org/x/sys/unix"
)

// The send path measured against the kernel's own cost. Both benchmarks
// fan one packet out to n subscribers on loopback sockets, each drained by
// its own goroutine (the way the load tester's receivers run), with one
// sendmmsg per fan-out:
//
//   - BenchmarkSendFloor queues ready-made 1,200-byte datagrams: what the
//     kernel alone costs per packet on this machine (on loopback that
//     includes the receivers' side of the kernel).
//   - BenchmarkSendForward runs confer's whole forwarding path on top:
//     layer and header rewrite, SRTP (AES-128-GCM) per subscriber, the
//     batch queue.
//
// The difference is what confer adds per forwarded packet. ns/pkt is
// wall time per packet of the sending goroutine, which is busy all along.

const benchSubs = 50

func loopbackSinks(tb testing.TB, n int) ([]netip.AddrPort, *atomic.Int64) {
	tb.Helper()
	var got atomic.Int64
	addrs := make([]netip.AddrPort, n)
	for i := range addrs {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			tb.Fatal(err)
		}
		_ = c.SetReadBuffer(socketBuffer)
		tb.Cleanup(func() { _ = c.Close() })
		addrs[i] = c.LocalAddr().(*net.UDPAddr).AddrPort()
		go func() {
			buf := make([]byte, 2048)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
				got.Add(1)
			}
		}()
	}
	return addrs, &got
}

func benchSocket(tb testing.TB) (*batchNet, *batchConn) {
	tb.Helper()
	bn, err := newBatchNet()
	if err != nil {
		tb.Fatal(err)
	}
	uc, err := bn.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = uc.Close() })
	return bn, uc.(*batchConn)
}

func reportPerPacket(b *testing.B, start time.Time, n int, got *atomic.Int64) {
	el := time.Since(start)
	pkts := float64(b.N) * float64(n)
	b.ReportMetric(float64(el.Nanoseconds())/pkts, "ns/pkt")
	time.Sleep(50 * time.Millisecond)
	b.ReportMetric(100*(1-float64(got.Load())/pkts), "%lost")
}

func BenchmarkSendFloor(b *testing.B) {
	addrs, got := loopbackSinks(b, benchSubs)
	bn, c := benchSocket(b)
	pkt := make([]byte, 1200)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		bn.corkStart()
		for _, a := range addrs {
			_, _ = c.WriteToAddrPort(pkt, a)
		}
		bn.corkEnd()
	}
	reportPerPacket(b, start, benchSubs, got)
}

func BenchmarkSendForward(b *testing.B) {
	addrs, got := loopbackSinks(b, benchSubs)
	bn, c := benchSocket(b)
	l, _ := newBenchReceiver(0)
	for i, a := range addrs {
		key, salt := make([]byte, 16), make([]byte, 12)
		_, _ = rand.Read(key)
		_, _ = rand.Read(salt)
		ctx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
		if err != nil {
			b.Fatal(err)
		}
		out := &srtpOut{ctx: ctx, conn: c, dst: a}
		out.ready.Store(true)
		d := newDownTrack(l.r, nil)
		d.w, d.fast, d.ssrc, d.pt = &discardWriter{}, out, uint32(1000+i), 96
		l.r.addDownTrack(d)
	}
	// 1,200 bytes on the wire: a VP8 keyframe start with a 15-bit
	// PictureID, as browsers send, plus the 16-byte GCM tag.
	payload := make([]byte, 1200-12-16)
	copy(payload, []byte{0x90, 0x80, 0x80, 0x01, 0x00})
	raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1, Marker: true}, Payload: payload}).Marshal()
	b.ReportAllocs()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		raw[2], raw[3] = byte(i>>8), byte(i)
		bn.corkStart()
		l.handle(raw, false)
		bn.corkEnd()
	}
	reportPerPacket(b, start, benchSubs, got)
}

// Media leaves through the send socket (sendsock.go) with the media
// socket's own address, so peers see one address; and every datagram
// that comes back reaches the media socket the mux reads, whatever its
// source (the BPF program steers them all; without it SO_REUSEPORT would
// hash some of them to the send socket, where nobody reads).
func TestSendSocketSharesAddressAndNeverReads(t *testing.T) {
	_, c := benchSocket(t)
	if c.out == nil {
		t.Fatal("no send socket: SO_REUSEPORT or BPF steering unavailable")
	}
	local := c.LocalAddr().(*net.UDPAddr).AddrPort()
	if got := c.out.addrPort(); got != local {
		t.Fatalf("send socket bound to %v, media socket %v", got, local)
	}
	if v, err := unix.GetsockoptInt(c.out.fd, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER); err != nil || v != unix.IP_PMTUDISC_PROBE {
		t.Fatalf("send socket path MTU mode %d (%v), want probe: DF set, no IP ID drawn", v, err)
	}
	const peers, each = 16, 8
	for i := 0; i < peers; i++ {
		p, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if _, err := c.WriteToAddrPort([]byte("hello"), p.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
			t.Fatal(err)
		}
		_ = p.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 64)
		n, from, err := p.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != "hello" {
			t.Fatalf("peer %d: %q %v", i, buf[:n], err)
		}
		if from != local {
			t.Fatalf("peer %d: datagram from %v, want the media socket's %v", i, from, local)
		}
		for j := 0; j < each; j++ {
			if _, err := p.WriteToUDPAddrPort([]byte{byte(i), byte(j)}, local); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	for k := 0; k < peers*each; k++ {
		if _, _, err := c.ReadFromAddrPort(buf); err != nil {
			t.Fatalf("media socket got %d of %d datagrams: %v", k, peers*each, err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.out.fd != -1 {
		t.Fatal("send socket still open after Close")
	}
}

// The direct path must send from the socket the client's packets arrive
// on. A candidate bound to its own address is found by that address; one
// rewritten to a public address (--public-ip), with several sockets on
// the port (one per interface), by the address the kernel routes the
// client from.
func TestConnForRewrittenCandidate(t *testing.T) {
	bn, err := newBatchNet()
	if err != nil {
		t.Fatal(err)
	}
	a, err := bn.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	port := a.LocalAddr().(*net.UDPAddr).Port
	b, err := bn.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	client := netip.MustParseAddrPort("127.0.0.1:9")
	if got := bn.connFor("127.0.0.2", uint16(port), client); got != b {
		t.Fatal("candidate on 127.0.0.2: not its own socket")
	}
	if got := bn.connFor("203.0.113.7", uint16(port), client); got != a {
		t.Fatal("rewritten candidate: not the socket the route to the client leaves from")
	}
	if got := bn.connFor("203.0.113.7", uint16(port+1), client); got != nil {
		t.Fatal("a socket on another port")
	}
}

// addrPort is the socket's bound address (tests).
func (s *sendSocket) addrPort() netip.AddrPort {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sa, err := unix.Getsockname(s.fd)
	if err != nil {
		return netip.AddrPort{}
	}
	a, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
}
