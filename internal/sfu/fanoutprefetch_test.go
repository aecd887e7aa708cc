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
	up.sealer.Store(g)
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
			notUp.sealer.Store(g)
			notUp.sealer.Store(nil)
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
