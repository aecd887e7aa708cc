package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// vp8Pkt builds a VP8 payload with a 15-bit PictureID and TL0PICIDX.
func vp8Pkt(pic uint16, tl0 uint8, key bool) []byte {
	b := []byte{0x90, 0xC0, 0x80 | byte(pic>>8)&0x7f, byte(pic), tl0, 0x01}
	if key {
		b[5] = 0x00
	}
	return append(b, 1, 2, 3)
}

// TestMungerSwitchAcrossWrap forwards layer 0 up to the wrap of every
// counter, switches to layer 1 (whose counters are elsewhere) on its
// keyframe, and checks that the subscriber sees one continuous stream:
// consecutive sequence numbers, a small timestamp step, consecutive
// PictureIDs and TL0PICIDX, all wrapping correctly. NACKs map back.
func TestMungerSwitchAcrossWrap(t *testing.T) {
	var m munger
	scratch := make([]byte, mtu)
	var out rtp.Header
	now := time.Now().UnixNano()
	send := func(e *epoch, seq uint16, ts uint32, payload []byte, at int64) (rtp.Header, []byte) {
		var pi pktInfo
		parseVP8(payload, &pi)
		out = rtp.Header{SequenceNumber: seq, Timestamp: ts}
		p := m.apply(e, &out, &pi, payload, scratch, at, true)
		return out, append([]byte(nil), p...)
	}
	h0 := rtp.Header{SequenceNumber: 65533, Timestamp: 0xFFFFF000}
	var pi pktInfo
	parseVP8(vp8Pkt(0x7FFE, 255, true), &pi)
	m.rebase(0, &h0, &pi, now, 90000)
	var lastSeq uint16
	var lastTS uint32
	for i := 0; i < 4; i++ { // crosses 65535→0, PictureID 0x7FFF→0, TL0 255→0
		h, p := send(&m.cur, 65533+uint16(i), 0xFFFFF000+uint32(i)*3000, vp8Pkt((0x7FFE+uint16(i))&0x7fff, 255+uint8(i), i == 0), now)
		if h.SequenceNumber != 65533+uint16(i) {
			t.Fatalf("first epoch must not rewrite: seq %d", h.SequenceNumber)
		}
		lastSeq, lastTS = h.SequenceNumber, h.Timestamp
		_ = p
	}
	// Switch to a layer with unrelated counters 33 ms later.
	later := now + int64(33*time.Millisecond)
	h1 := rtp.Header{SequenceNumber: 1000, Timestamp: 5_000_000}
	key := vp8Pkt(0x1234, 7, true)
	parseVP8(key, &pi)
	m.rebase(1, &h1, &pi, later, 90000)
	for i := 0; i < 3; i++ {
		h, p := send(&m.cur, 1000+uint16(i), 5_000_000+uint32(i)*3000, vp8Pkt(0x1234+uint16(i), 7+uint8(i), i == 0), later)
		if want := lastSeq + 1 + uint16(i); h.SequenceNumber != want {
			t.Fatalf("seq %d, want %d", h.SequenceNumber, want)
		}
		if i == 0 {
			step := h.Timestamp - lastTS
			if step < 2000 || step > 4000 {
				t.Fatalf("timestamp step across the switch %d, want ≈ 2970", step)
			}
		}
		var got pktInfo
		parseVP8(p, &got)
		// PictureID continued 0x7FFE,0x7FFF,0,1 → 2,3,4; TL0 255,0,1,2 → 3,4,5.
		if got.picID != uint16(2+i) || got.tl0 != uint8(3+i) || !got.pic16 {
			t.Fatalf("packet %d: PictureID %d TL0 %d, want %d %d", i, got.picID, got.tl0, 2+i, 3+i)
		}
		if got.key != (i == 0) {
			t.Fatalf("keyframe bit changed")
		}
	}
	// NACKs map back to the right layer and number.
	if e, ok := m.lookup(65535); !ok || e.layer != 0 || 65535-e.seqOff != 65535 {
		t.Fatalf("lookup old epoch: %+v %v", e, ok)
	}
	if e, ok := m.lookup(lastSeq + 2); !ok || e.layer != 1 || lastSeq+2-e.seqOff != 1001 {
		t.Fatalf("lookup new epoch: %+v %v", e, ok)
	}
	if _, ok := m.lookup(lastSeq + 10); ok {
		t.Fatal("a number not sent yet was mapped")
	}
}

// TestDownTrackSwitchesOnKeyframeOnly: a target change keeps the current
// layer flowing until the target's keyframe.
func TestDownTrackSwitchesOnKeyframeOnly(t *testing.T) {
	info := TrackInfo{ID: "v", PeerID: "pub", Kind: "video"}
	codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	r := newReceiver(info, codec, nil, nil, nil, nil)
	l0 := r.addLayer("q", nil)
	l1 := r.addLayer("f", nil)
	var got []struct {
		seq uint16
		pic uint16
	}
	d := newDownTrack(r, nil)
	d.w, d.ssrc, d.pt = writerFunc(func(h *rtp.Header, p []byte) (int, error) {
		var pi pktInfo
		parseVP8(p, &pi)
		got = append(got, struct {
			seq uint16
			pic uint16
		}{h.SequenceNumber, pi.picID})
		return 1, nil
	}), 1, 96
	r.addDownTrack(d)
	pkt := func(l *layer, seq uint16, pic uint16, key bool) {
		p := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}, Payload: vp8Pkt(pic, 0, key)}
		raw, _ := p.Marshal()
		l.handle(raw, false)
	}
	pkt(l1, 500, 50, true) // not the target yet: dropped
	pkt(l0, 10, 1, false)  // no keyframe yet: dropped
	pkt(l0, 11, 2, true)   // starts layer 0
	pkt(l0, 12, 3, false)
	d.setTarget(2)        // slot of rid "f"
	pkt(l0, 13, 4, false) // still layer 0
	pkt(l1, 501, 51, false)
	pkt(l1, 502, 52, true) // switch
	pkt(l0, 14, 5, false)  // old layer: dropped
	pkt(l1, 503, 53, false)
	want := []struct {
		seq uint16
		pic uint16
	}{{11, 2}, {12, 3}, {13, 4}, {14, 5}, {15, 6}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// TestRepairFallsBackToALowerLayer: a subscriber that lost the picture on
// the high layer (PLI) gets that layer's next keyframe if it comes within
// repairGrace; if not, the low layer is asked for one and the picture
// restarts there, and the high layer comes back on its own next keyframe.
func TestRepairFallsBackToALowerLayer(t *testing.T) {
	ls, d, sent := vp8Simulcast("q", "h")
	l0, l1 := ls[0], ls[1]
	pkt := sendVP8
	graceOver := func() {
		d.mu.Lock()
		d.fixAt -= int64(repairGrace)
		d.mu.Unlock()
	}
	d.setTarget(1)
	pkt(l1, 500, 50, true) // on layer 1
	pkt(l0, 10, 1, false)  // the low layer is live, not sent
	pkt(l1, 501, 51, false)
	if d.current() != 1 {
		t.Fatalf("on layer %d, want 1", d.current())
	}
	d.feedback(&rtcp.PictureLossIndication{MediaSSRC: 1}, nil)
	if d.fixA.Load() != 0 {
		t.Fatalf("repair layer %d, want 0", d.fixA.Load())
	}
	pkt(l0, 11, 2, true)    // within the grace: not taken
	pkt(l1, 502, 52, false) // the high layer goes on meanwhile
	if d.current() != 1 {
		t.Fatal("fell back to the low layer within the grace")
	}
	graceOver()
	asked := l0.keyframes.sent.Load()
	pkt(l0, 12, 3, false) // after the grace: the low layer is asked for a keyframe
	if l0.keyframes.sent.Load() == asked {
		l0.keyframes.mu.Lock()
		pending := l0.keyframes.timer != nil // inside the throttle window: trailing
		l0.keyframes.mu.Unlock()
		if !pending {
			t.Fatal("the low layer was not asked for a keyframe")
		}
	}
	pkt(l0, 13, 4, true)    // the low layer's keyframe: switch
	pkt(l1, 503, 53, false) // dropped
	pkt(l0, 14, 5, false)
	if d.current() != 0 || d.fixA.Load() != -1 || d.target() != 1 {
		t.Fatalf("after the repair: current %d, repair %d, target %d; want 0, -1, 1", d.current(), d.fixA.Load(), d.target())
	}
	pkt(l1, 504, 54, true) // the high layer's keyframe: back up
	pkt(l0, 15, 6, false)  // dropped
	if d.current() != 1 {
		t.Fatalf("on layer %d after the high keyframe, want 1", d.current())
	}
	// Sent: 50, 51, 52 (layer 1), then 53 (layer 0's keyframe, renumbered),
	// 54, then 55 (layer 1's keyframe); every layer change on a keyframe.
	want := []uint16{50, 51, 52, 53, 54, 55}
	wantKey := []bool{true, false, false, true, false, true}
	if fmt.Sprint(sent.pics) != fmt.Sprint(want) || fmt.Sprint(sent.keys) != fmt.Sprint(wantKey) {
		t.Fatalf("sent pictures %v keys %v, want %v %v", sent.pics, sent.keys, want, wantKey)
	}

	// The current layer's own keyframe ends a repair.
	d.feedback(&rtcp.PictureLossIndication{MediaSSRC: 1}, nil)
	if d.fixA.Load() != 0 {
		t.Fatal("no repair started")
	}
	pkt(l1, 505, 55, true)
	if d.fixA.Load() != -1 || d.current() != 1 {
		t.Fatalf("after the current layer's keyframe: repair %d, current %d", d.fixA.Load(), d.current())
	}
}

// TestStartOnTheLowLayersKeyframe: a video that has not started and whose
// target's keyframe does not come within repairGrace starts on the low
// layer's, and moves up on the target's.
func TestStartOnTheLowLayersKeyframe(t *testing.T) {
	ls, d, sent := vp8Simulcast("q", "h", "f")
	l0, l1, l2 := ls[0], ls[1], ls[2]
	pkt := sendVP8
	pkt(l0, 10, 1, false)
	pkt(l1, 500, 50, false)
	pkt(l2, 900, 90, false)
	d.setTarget(1)         // the tile wants layer 1 before anything started
	pkt(l2, 901, 91, true) // above the target: no
	pkt(l1, 501, 51, false)
	pkt(l0, 11, 2, true) // within the grace: the target's may still come
	if d.current() != -1 {
		t.Fatalf("started on layer %d within the grace", d.current())
	}
	d.mu.Lock()
	d.fixAt -= int64(repairGrace) // the grace passes
	d.mu.Unlock()
	pkt(l0, 12, 3, true) // the low layer's keyframe: start there
	pkt(l0, 13, 4, false)
	if d.current() != 0 || d.target() != 1 {
		t.Fatalf("current %d target %d, want 0 and 1", d.current(), d.target())
	}
	pkt(l1, 502, 52, true) // the target's keyframe: up
	pkt(l0, 14, 5, false)
	pkt(l1, 503, 53, false)
	if d.current() != 1 || d.fixA.Load() != -1 {
		t.Fatalf("current %d repair %d, want 1 and -1", d.current(), d.fixA.Load())
	}
	if fmt.Sprint(sent.pics) != "[3 4 5 6]" {
		t.Fatalf("sent pictures %v, want [3 4 5 6]", sent.pics)
	}
}

// sentVP8 is what a test downTrack sent: picture ids and keyframe flags.
type sentVP8 struct {
	pics []uint16
	keys []bool
}

// vp8Simulcast makes a VP8 receiver with one layer per rid and a
// downTrack on it that records what it sends.
func vp8Simulcast(rids ...string) ([]*layer, *downTrack, *sentVP8) {
	info := TrackInfo{ID: "v", PeerID: "pub", Kind: "video"}
	codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	r := newReceiver(info, codec, nil, nil, nil, nil)
	var ls []*layer
	for _, rid := range rids {
		ls = append(ls, r.addLayer(rid, nil))
	}
	sent := &sentVP8{}
	d := newDownTrack(r, nil)
	d.w, d.ssrc, d.pt = writerFunc(func(h *rtp.Header, p []byte) (int, error) {
		var pi pktInfo
		parseVP8(p, &pi)
		sent.pics = append(sent.pics, pi.picID)
		sent.keys = append(sent.keys, pi.key)
		return 1, nil
	}), 1, 96
	r.addDownTrack(d)
	return ls, d, sent
}

// sendVP8 feeds layer l one VP8 packet.
func sendVP8(l *layer, seq uint16, pic uint16, key bool) {
	p := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}, Payload: vp8Pkt(pic, 0, key)}
	raw, _ := p.Marshal()
	l.handle(raw, false)
}
