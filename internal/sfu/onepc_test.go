package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// SlotsWanted implements SlotsWantedHandler as a client should: add
// recvonly transceivers up to the counts, then offer again.
func (c *testClient) SlotsWanted(audio, video int) {
	go func() {
		c.renegMu.Lock()
		defer c.renegMu.Unlock()
		for !c.ready.Load() {
			time.Sleep(10 * time.Millisecond) // the first offer is still on its way
		}
		recvonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}
		add := func(kind webrtc.RTPCodecType, want int) {
			for n := transceiverCount(c, kind) - c.ownCount(kind); n < want; n++ {
				if _, err := c.pub.AddTransceiverFromKind(kind, recvonly); err != nil {
					c.t.Errorf("add recvonly %s: %v", kind, err)
				}
			}
		}
		add(webrtc.RTPCodecTypeAudio, audio)
		add(webrtc.RTPCodecTypeVideo, video)
		c.republish()
	}()
}

// ownCount is the number of transceivers the client sends on.
func (c *testClient) ownCount(kind webrtc.RTPCodecType) int {
	if kind == webrtc.RTPCodecTypeAudio && c.audioSender != nil {
		return 1
	}
	if kind == webrtc.RTPCodecTypeVideo && c.videoSender != nil {
		return 1
	}
	return 0
}

// With one connection, a participant publishes and receives on the same
// PeerConnection: the server asks for slots, the client offers recvonly
// transceivers, and the slots carry the loudest audio and the video it
// shows. The server never offers. NACKs on a slot and the client's
// sender reports about its own video travel the shared direct path.
func TestOnePCPublishesAndReceives(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	talkers := newTalkers(t, r, 4)
	one := newTestClientOpts(t, r, "one", clientOpts{onePC: true})
	one.level.Store(127)
	if one.peer.pub != one.peer.sub {
		t.Fatal("the server made two connections")
	}

	// Others receive what it publishes (its silent audio is not among
	// anyone's three loudest).
	remoteOf(t, talkers[0], "one", "video")

	eventually(t, 10*time.Second, "the three loudest heard", func() (bool, string) {
		before := heardBySlots(one, "audio")
		time.Sleep(500 * time.Millisecond)
		after := heardBySlots(one, "audio")
		var heard []string
		for _, c := range talkers {
			if after[c.id] > before[c.id] {
				heard = append(heard, c.id)
			}
		}
		return fmt.Sprint(heard) == "[t0 t1 t2]", fmt.Sprint(heard)
	})
	if n := transceiverCount(one, webrtc.RTPCodecTypeAudio); n != 4 {
		t.Fatalf("%d audio transceivers, want its microphone and 3 slots", n)
	}

	// A tile for t1's video: the server asks for a video slot.
	eventually(t, 5*time.Second, "t1's video published", func() (bool, string) {
		for _, ti := range r.Tracks() {
			if ti.ID == "t1-video-0" {
				return true, ""
			}
		}
		return false, ""
	})
	one.peer.SetVideoPrefs([]VideoPref{{TrackID: "t1-video-0", Width: 640, Height: 360}})
	st := videoSlotCarrying(t, one, "t1", 10*time.Second)
	if n := len(one.offersSoFar()); n != 0 {
		t.Fatalf("the server made %d offers, want none", n)
	}

	// Both direct paths run on the one connection.
	if one.peer.rtcpMode.Load() != rtcpDirect || !one.peer.in.ready.Load() {
		t.Fatalf("direct paths: RTCP mode %d, receive path ready %v", one.peer.rtcpMode.Load(), one.peer.in.ready.Load())
	}

	st.mu.Lock()
	nackSeq := st.lastSeq - 2
	st.mu.Unlock()
	must(t, one.pub.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{
		SenderSSRC: 1, MediaSSRC: st.ssrc, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{nackSeq}),
	}}))
	eventually(t, 3*time.Second, "the NACKed packet again", func() (bool, string) {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.seqCount[nackSeq] >= 2 && st.bad == 0, st.lastError
	})

	// Its sender reports (Pion's report interceptor sends one a second)
	// come in on the shared direct path and are answered in the receiver
	// reports it gets (LSR).
	one.lsrs.Clear()
	eventually(t, 5*time.Second, "receiver reports answering its sender reports", func() (bool, string) {
		n := 0
		one.lsrs.Range(func(k, _ any) bool {
			if k.(uint32) != 0 {
				n++
			}
			return true
		})
		return n >= 2, fmt.Sprint(n, " LSRs")
	})
}
