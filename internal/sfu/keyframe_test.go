package sfu

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// A new camera's stream starts with a keyframe, so the server does not
// ask for another: that request would only arm the throttle and hold
// back the first subscriber's own (a newcomer appeared to others 400 ms
// later). A stream that starts mid-picture is asked for one at once.
func TestFirstPacketAsksForKeyframeOnlyMidPicture(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
		want    int32
	}{
		{"starts with a keyframe", []byte{0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, 0},
		{"starts mid-picture", []byte{0x10, 0x01, 1, 2, 3}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var plis atomic.Int32
			info := TrackInfo{ID: "pub-video-0", PeerID: "pub", Kind: "video"}
			codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
			r := newReceiver(info, codec, nil, nil, nil, func(uint32) { plis.Add(1) })
			l := r.addLayer("", nil)
			raw, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, SSRC: 5, Marker: true},
				Payload: tc.payload}).Marshal()
			must(t, err)
			l.handleLocked(raw, false)
			time.Sleep(20 * time.Millisecond) // a request goes out at once, not later
			if got := plis.Load(); got != tc.want {
				t.Fatalf("%d keyframe requests, want %d", got, tc.want)
			}
		})
	}
}

// A subscriber that starts on a keyframe does not ask for another: it
// has what it needs, and a second keyframe would only cost the
// publisher's uplink (every new subscriber and every slot switch).
func TestSubscriberStartingOnKeyframeAsksForNoOther(t *testing.T) {
	var plis atomic.Int32
	info := TrackInfo{ID: "pub-video-0", PeerID: "pub", Kind: "video"}
	codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	r := newReceiver(info, codec, nil, nil, nil, func(uint32) { plis.Add(1) })
	l := r.addLayer("", nil)
	w := &discardWriter{}
	d := newDownTrack(r, nil)
	d.w, d.ssrc, d.pt = w, 1000, 96
	r.addDownTrack(d)
	for seq := uint16(1); seq <= 30; seq++ {
		payload := []byte{0x10, 0x01, 1, 2, 3} // a delta frame
		if seq == 1 {
			payload = []byte{0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
		}
		raw, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq,
			Timestamp: uint32(seq) * 3000, SSRC: 5, Marker: true}, Payload: payload}).Marshal()
		must(t, err)
		l.handleLocked(raw, false)
	}
	if w.n != 30 {
		t.Fatalf("the subscriber got %d packets, want all 30", w.n)
	}
	time.Sleep(pliInterval + 100*time.Millisecond) // a trailing request would fire by now
	if got := plis.Load(); got != 0 {
		t.Fatalf("%d keyframe requests for a subscriber that started on a keyframe", got)
	}
}
