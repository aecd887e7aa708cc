package sfu

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// addrTable maps a peer's IPv4 address and port to its direct-path
// handler (a publisher's srtpIn, a subscriber's srtpOut). The media
// socket's reader looks one up for every datagram it reads; with
// sync.Map the boxed netip.AddrPort keys (hashing and comparing through
// an interface) cost about 2 % of the server's CPU at 50 × 50. Here a
// lookup is one atomic load and a map access on a uint64; the rare
// writes (a path starting, moving or ending) copy the map.
type addrTable[T comparable] struct {
	mu sync.Mutex // serialises writers
	m  atomic.Pointer[map[uint64]T]
}

// addrKey packs an IPv4 address and port; false for anything else (the
// direct paths are IPv4 only: the media socket is).
func addrKey(a netip.AddrPort) (uint64, bool) {
	ip := a.Addr().Unmap()
	if !ip.Is4() {
		return 0, false
	}
	b := ip.As4()
	return rawAddrKey(b, a.Port()), true
}

// rawAddrKey is addrKey from a socket address's parts, port in host order.
func rawAddrKey(ip [4]byte, port uint16) uint64 {
	return uint64(ip[0])<<40 | uint64(ip[1])<<32 | uint64(ip[2])<<24 | uint64(ip[3])<<16 | uint64(port)
}

// get returns the handler registered under key, or the zero T.
func (t *addrTable[T]) get(key uint64) T {
	var zero T
	m := t.m.Load()
	if m == nil {
		return zero
	}
	return (*m)[key]
}

// load is get by address.
func (t *addrTable[T]) load(a netip.AddrPort) T {
	var zero T
	k, ok := addrKey(a)
	if !ok {
		return zero
	}
	return t.get(k)
}

// store registers v under a, replacing what was there.
func (t *addrTable[T]) store(a netip.AddrPort, v T) {
	k, ok := addrKey(a)
	if !ok {
		return
	}
	t.update(func(m map[uint64]T) { m[k] = v })
}

// compareAndDelete removes a's registration if it is still v.
func (t *addrTable[T]) compareAndDelete(a netip.AddrPort, v T) {
	k, ok := addrKey(a)
	if !ok {
		return
	}
	t.update(func(m map[uint64]T) {
		if m[k] == v {
			delete(m, k)
		}
	})
}

// update publishes a changed copy of the map.
func (t *addrTable[T]) update(change func(map[uint64]T)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := map[uint64]T{}
	if old := t.m.Load(); old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	change(next)
	t.m.Store(&next)
}
