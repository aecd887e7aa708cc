package sfu

import (
	"net/netip"
	"testing"
)

func TestAddrTable(t *testing.T) {
	var tab addrTable[*srtpIn]
	a := netip.MustParseAddrPort("192.0.2.1:5000")
	b := netip.MustParseAddrPort("192.0.2.1:5001") // same address, other port
	mapped := netip.MustParseAddrPort("[::ffff:192.0.2.1]:5000")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:5000")
	x, y := &srtpIn{}, &srtpIn{}

	if tab.load(a) != nil {
		t.Fatal("an empty table found something")
	}
	tab.store(a, x)
	tab.store(b, y)
	if tab.load(a) != x || tab.load(b) != y {
		t.Fatal("lookup by address and port")
	}
	if tab.load(mapped) != x {
		t.Fatal("an IPv4-mapped address is the IPv4 address")
	}
	if tab.get(rawAddrKey([4]byte{192, 0, 2, 1}, 5001)) != y {
		t.Fatal("the raw key of a socket address differs from the address's")
	}
	tab.store(v6, x) // not an address of the IPv4 media socket: ignored
	if tab.load(v6) != nil {
		t.Fatal("an IPv6 address was stored")
	}
	// A path that moved on must not remove its successor's registration.
	tab.store(a, y)
	tab.compareAndDelete(a, x)
	if tab.load(a) != y {
		t.Fatal("compareAndDelete removed another handler's registration")
	}
	tab.compareAndDelete(a, y)
	if tab.load(a) != nil || tab.load(b) != y {
		t.Fatal("compareAndDelete removed the wrong entry")
	}
}

// BenchmarkAddrTable is the media reader's per-datagram lookup among 100
// peers.
func BenchmarkAddrTable(b *testing.B) {
	var tab addrTable[*srtpIn]
	keys := make([]uint64, 100)
	for i := range keys {
		ip := [4]byte{10, 0, byte(i >> 8), byte(i)}
		tab.store(netip.AddrPortFrom(netip.AddrFrom4(ip), 40000), &srtpIn{})
		keys[i] = rawAddrKey(ip, 40000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if tab.get(keys[i%len(keys)]) == nil {
			b.Fatal("missing")
		}
	}
}
