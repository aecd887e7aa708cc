package sfu

import (
	"reflect"
	"sync"
	"testing"
	"unsafe"

	"github.com/pion/srtp/v3"
)

// The prefetch reads the AEAD's state through the interface value's data
// word: it must be the very object Seal uses.
func TestGCMStateIsTheAEADsData(t *testing.T) {
	g, err := newGCMSRTP(srtp.ProtectionProfileAeadAes128Gcm, make([]byte, 16), make([]byte, 12))
	if err != nil || g == nil {
		t.Fatal(err)
	}
	if got, want := uintptr(g.state()), reflect.ValueOf(g.aead).Pointer(); got != want {
		t.Fatalf("state() = %#x, the AEAD is at %#x", got, want)
	}
}

// Subscribers without a direct path, or whose path is not up, or fan-outs
// shorter than the prefetch distance, are skipped; a path coming up while
// the fan-out prefetches is no data race (go test -race).
func TestPrefetchFanOutEdges(t *testing.T) {
	g, err := newGCMSRTP(srtp.ProtectionProfileAeadAes128Gcm, make([]byte, 16), make([]byte, 12))
	if err != nil {
		t.Fatal(err)
	}
	up := &srtpOut{}
	up.seal.Store(g)
	notUp := &srtpOut{}
	dts := []*downTrack{{}, {fast: notUp}, {fast: up}, {}, {fast: up}, {fast: notUp}}
	for n := 0; n <= len(dts); n++ {
		for i := 0; i < n; i++ {
			prefetchFanOut(dts[:n], i)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 1000 {
			notUp.seal.Store(g)
			notUp.seal.Store(nil)
		}
	}()
	for range 1000 {
		for i := range dts {
			prefetchFanOut(dts, i)
		}
	}
	wg.Wait()
	prefetch(unsafe.Pointer(nil), 0) // a hint about nothing is still harmless
}

// The prefetched ranges must still cover the fields writeRTP reads first
// when someone reorders the structs: a range that misses them only costs
// speed, which no other test would notice.
func TestPrefetchRangesCoverTheHotFields(t *testing.T) {
	var d downTrack
	var o srtpOut
	in := func(name string, off, size, from, to uintptr) {
		if off < from || off+size > to {
			t.Errorf("%s at %d+%d is outside the prefetched %d..%d", name, off, size, from, to)
		}
	}
	in("downTrack.curA", unsafe.Offsetof(d.curA), unsafe.Sizeof(d.curA), dtHotStart, dtHotEnd)
	in("downTrack.mu", unsafe.Offsetof(d.mu), unsafe.Sizeof(d.mu), dtHotStart, dtHotEnd)
	in("downTrack.w", unsafe.Offsetof(d.w), unsafe.Sizeof(d.w), dtHotStart, dtHotEnd)
	in("downTrack.cur", unsafe.Offsetof(d.cur), unsafe.Sizeof(d.cur), dtHotStart, dtHotEnd)
	in("downTrack.hdr", unsafe.Offsetof(d.hdr), 64, dtHotStart, dtHotEnd)
	in("downTrack.sr", unsafe.Offsetof(d.sr), unsafe.Sizeof(d.sr), dtTailStart, dtTailEnd)
	in("downTrack.roc", unsafe.Offsetof(d.roc), unsafe.Sizeof(d.roc), dtTailStart, dtTailEnd)
	for name, f := range map[string][2]uintptr{
		"ready": {unsafe.Offsetof(o.ready), unsafe.Sizeof(o.ready)},
		"mu":    {unsafe.Offsetof(o.mu), unsafe.Sizeof(o.mu)},
		"seal":  {unsafe.Offsetof(o.seal), unsafe.Sizeof(o.seal)},
		"conn":  {unsafe.Offsetof(o.conn), unsafe.Sizeof(o.conn)},
		"dst":   {unsafe.Offsetof(o.dst), unsafe.Sizeof(o.dst)},
	} {
		in("srtpOut."+name, f[0], f[1], 0, srtpOutHot)
	}
	if dtTailEnd > unsafe.Sizeof(d) || srtpOutHot > unsafe.Sizeof(o) {
		t.Error("a prefetched range runs past its struct")
	}
}
