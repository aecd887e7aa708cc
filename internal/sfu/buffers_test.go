package sfu

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v5/packetio"
	"github.com/pion/webrtc/v4"
)

type attrReader interface {
	ReadWithAttributes([]byte, packetio.Attributes) (int, packetio.Attributes, error)
}

type attrWriter interface {
	WriteWithAttributes([]byte, packetio.Attributes) (int, error)
}

func TestTuneBuffersLimits(t *testing.T) {
	var se webrtc.SettingEngine
	tuneBuffers(&se, nil)
	if se.BufferFactory == nil {
		t.Fatal("no buffer factory")
	}
	for _, tc := range []struct {
		typ   packetio.BufferPacketType
		limit int
	}{{packetio.RTPBufferPacket, rtpBufferLimit}, {packetio.RTCPBufferPacket, rtcpBufferLimit}} {
		b := se.BufferFactory(tc.typ, 1234)
		p := bytes.Repeat([]byte{7}, 1000)
		written := 0
		var err error
		for written <= tc.limit+2000 {
			if _, err = b.Write(p); err != nil {
				break
			}
			written += len(p)
		}
		if !errors.Is(err, packetio.ErrFull) || written > tc.limit || written < tc.limit-2000 {
			t.Errorf("type %d: wrote %d bytes (limit %d), err %v", tc.typ, written, tc.limit, err)
		}
		if _, ok := b.(attrReader); !ok {
			t.Fatal("no ReadWithAttributes")
		}
		if _, ok := b.(attrWriter); !ok {
			t.Fatal("no WriteWithAttributes")
		}
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}
}

// After a burst, the buffer is swapped for a small one once drained and
// calm; packets, attributes, order, deadlines and close survive it.
func TestStreamBufferShrinks(t *testing.T) {
	s := newStreamBuffer(packetio.RTPBufferPacket, 1, nil).(*streamBuffer)
	s.calm = 30 * time.Millisecond
	dst := make([]byte, 1500)
	pk := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 1000+i%100) }
	first := s.b
	for i := 0; i < 100; i++ { // 100 kB: grows the buffer
		a := packetio.Attributes{}
		a.Set("i", i)
		if _, err := s.WriteWithAttributes(pk(i), a); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		n, a, err := s.ReadWithAttributes(dst, nil)
		if err != nil || !bytes.Equal(dst[:n], pk(i)) || a.Get("i") != i {
			t.Fatalf("read %d: %v %d %v", i, err, n, a.Get("i"))
		}
	}
	if s.current() != first {
		t.Fatal("swapped before the buffer was calm")
	}
	time.Sleep(40 * time.Millisecond)
	if _, err := s.Write(pk(1)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Read(dst); err != nil || !bytes.Equal(dst[:n], pk(1)) {
		t.Fatal(err)
	}
	if s.current() == first {
		t.Fatal("not swapped after draining")
	}
	// The deadline carries over to the new buffer.
	if err := s.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(dst); !errors.Is(err, os.ErrDeadlineExceeded) {
		var ne interface{ Timeout() bool }
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read past the deadline: %v", err)
		}
	}
	if err := s.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	// A blocked reader sees Close.
	done := make(chan error)
	go func() {
		_, err := s.Read(dst)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("read after close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("reader not woken by Close")
	}
}

func (s *streamBuffer) current() *packetio.Buffer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b
}

// A stream the direct receive path took over gets no more packets through
// Pion: its drained buffer is swapped out by the timer, under the reader
// blocked on it, which then reads the next packet from the new buffer.
func TestStreamBufferShrinksWithoutTraffic(t *testing.T) {
	s := newStreamBuffer(packetio.RTPBufferPacket, 1, nil).(*streamBuffer)
	s.calm = 30 * time.Millisecond
	pkt := bytes.Repeat([]byte{9}, 1200)
	first := s.b
	for i := 0; i < 100; i++ {
		if _, err := s.Write(pkt); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan error, 101)
	go func() {
		dst := make([]byte, 1500)
		for i := 0; i < 101; i++ {
			n, err := s.Read(dst)
			if err == nil && n != len(pkt) {
				err = fmt.Errorf("read %d bytes", n)
			}
			got <- err
		}
	}()
	for i := 0; i < 100; i++ {
		if err := <-got; err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if s.current() != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the drained buffer was never swapped out")
		}
	}
	if first.Size() != 0 {
		t.Fatal("swapped a buffer that still held packets")
	}
	if _, err := s.Write(pkt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("the blocked reader saw %v instead of the next packet", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the blocked reader never got the packet written after the swap")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// One writer and one reader, with swaps going on: nothing lost, nothing
// reordered.
func TestStreamBufferConcurrent(t *testing.T) {
	s := newStreamBuffer(packetio.RTPBufferPacket, 1, nil).(*streamBuffer)
	s.calm = 0
	const n = 20000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p := make([]byte, 1200)
		for i := 0; i < n; i++ {
			if i%40 == 0 { // bursts of 48 kB: the buffer grows, drains, is swapped
				time.Sleep(time.Millisecond)
			}
			p[0], p[1] = byte(i>>8), byte(i)
			for {
				if _, err := s.Write(p); err == nil {
					break
				}
				time.Sleep(time.Millisecond) // full: let the reader catch up
			}
		}
	}()
	dst := make([]byte, 1500)
	swaps := 0
	last := s.current()
	for i := 0; i < n; i++ {
		k, err := s.Read(dst)
		s.mu.Lock()
		if s.b != last {
			swaps, last = swaps+1, s.b
		}
		s.mu.Unlock()
		if err != nil || k != 1200 || int(dst[0])<<8|int(dst[1]) != i&0xffff {
			t.Fatalf("packet %d: %v %d %d", i, err, k, int(dst[0])<<8|int(dst[1]))
		}
	}
	wg.Wait()
	s.Close()
	t.Logf("%d swaps", swaps)
}

// Under CPU starvation a reader falls behind: packets that waited longer
// than staleAfter are dropped on reading and counted, fresh ones pass,
// order is kept, and RTCP is never dropped for age.
func TestStreamBufferDropsStalePackets(t *testing.T) {
	var stale atomic.Uint64
	s := newStreamBuffer(packetio.RTPBufferPacket, 1, &stale).(*streamBuffer)
	defer s.Close()
	for i := byte(0); i < 3; i++ {
		if _, err := s.Write([]byte{i}); err != nil {
			t.Fatal(err)
		}
	}
	// Age the first two.
	s.mu.Lock()
	s.arrived[0] -= int64(2 * staleAfter)
	s.arrived[1] -= int64(2 * staleAfter)
	s.mu.Unlock()
	if _, err := s.Write([]byte{3}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	for _, want := range []byte{2, 3} {
		n, err := s.Read(buf)
		if err != nil || n != 1 || buf[0] != want {
			t.Fatalf("read %v %v, want [%d]", buf[:n], err, want)
		}
	}
	if stale.Load() != 2 {
		t.Fatalf("stale count %d, want 2", stale.Load())
	}
	// A short read buffer still consumes a packet: the arrival times stay
	// in step with the packets.
	if _, err := s.Write([]byte{4, 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte{5}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(buf[:1]); !errors.Is(err, io.ErrShortBuffer) {
		t.Fatalf("short read: %v", err)
	}
	if n, err := s.Read(buf); err != nil || n != 1 || buf[0] != 5 {
		t.Fatalf("after a short read: %v %v", buf[:n], err)
	}
	if len(s.arrived)-s.first != 0 {
		t.Fatalf("%d arrival times left for an empty buffer", len(s.arrived)-s.first)
	}

	r := newStreamBuffer(packetio.RTCPBufferPacket, 1, &stale).(*streamBuffer)
	defer r.Close()
	if _, err := r.Write([]byte{9}); err != nil {
		t.Fatal(err)
	}
	if len(r.arrived) != 0 {
		t.Fatal("RTCP buffer keeps arrival times")
	}
}
