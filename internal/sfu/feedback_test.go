package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// remoteOf returns the track that c receives from publisher pubID of kind.
func remoteOf(t *testing.T, c *testClient, pubID, kind string) *remoteTrack {
	t.Helper()
	var rt *remoteTrack
	eventually(t, 10*time.Second, c.id+" receives "+pubID+" "+kind, func() (bool, string) {
		for _, x := range c.remoteTracks() {
			if x.streamID == pubID && x.kind.String() == kind {
				if g, _, _, _ := x.snapshot(); g >= 10 {
					rt = x
					return true, ""
				}
			}
		}
		return false, "not yet"
	})
	return rt
}

func TestNACKRetransmitsFromCache(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	rt := remoteOf(t, b, "alice", "video")

	// Media starts at 65500: wait until bob has packets on both sides of
	// the wrap, then NACK some of them.
	want := []uint16{65533, 65534, 65535, 0, 1, 2}
	eventually(t, 10*time.Second, "packets around the wrap", func() (bool, string) {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		for _, s := range want {
			if rt.seqCount[s] != 1 {
				return false, fmt.Sprintf("seq %d seen %d times", s, rt.seqCount[s])
			}
		}
		return true, ""
	})

	must(t, b.sub.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{
		SenderSSRC: 1,
		MediaSSRC:  rt.ssrc,
		Nacks:      rtcp.NackPairsFromSequenceNumbers(want),
	}}))
	eventually(t, 3*time.Second, "retransmissions", func() (bool, string) {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		if rt.bad > 0 {
			t.Fatalf("bad packet: %s", rt.lastError)
		}
		for _, s := range want {
			if rt.seqCount[s] != 2 {
				return false, fmt.Sprintf("seq %d seen %d times", s, rt.seqCount[s])
			}
		}
		return true, ""
	})
	// A NACK for a number never sent is ignored, not answered with junk.
	must(t, b.sub.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{
		SenderSSRC: 1,
		MediaSSRC:  rt.ssrc,
		Nacks:      rtcp.NackPairsFromSequenceNumbers([]uint16{60000}),
	}}))
	time.Sleep(200 * time.Millisecond)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.seqCount[60000] != 0 {
		t.Fatalf("got a packet for a sequence number never sent")
	}
	_ = a
}

func TestPLIThrottledToPublisher(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	rt := remoteOf(t, b, "alice", "video")

	// Let the SFU's own keyframe requests (first packet, new subscriber)
	// settle.
	quiet := func() int32 {
		last, since := a.plis.Load(), time.Now()
		deadline := time.Now().Add(5 * time.Second)
		for time.Since(since) < 700*time.Millisecond {
			if time.Now().After(deadline) {
				t.Fatal("PLIs never stop")
			}
			time.Sleep(20 * time.Millisecond)
			if n := a.plis.Load(); n != last {
				last, since = n, time.Now()
			}
		}
		return last
	}
	base := quiet()
	if base == 0 {
		t.Fatal("the SFU never asked alice for a keyframe")
	}

	pli := []rtcp.Packet{&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: rt.ssrc}}
	must(t, b.sub.WriteRTCP(pli))
	time.Sleep(50 * time.Millisecond)
	must(t, b.sub.WriteRTCP(pli))
	eventually(t, 2*time.Second, "PLI at publisher", func() (bool, string) {
		return a.plis.Load() > base, "none"
	})
	time.Sleep(300 * time.Millisecond)
	if got := a.plis.Load() - base; got != 1 {
		t.Fatalf("publisher got %d PLIs for two within 50 ms, want 1", got)
	}

	// After the throttle window, a FIR gets through again.
	time.Sleep(pliInterval)
	must(t, b.sub.WriteRTCP([]rtcp.Packet{&rtcp.FullIntraRequest{SenderSSRC: 1, MediaSSRC: rt.ssrc,
		FIR: []rtcp.FIREntry{{SSRC: rt.ssrc, SequenceNumber: 1}}}}))
	eventually(t, 2*time.Second, "second PLI at publisher", func() (bool, string) {
		return a.plis.Load() == base+2, fmt.Sprint(a.plis.Load() - base)
	})
}
