package sfu

import (
	"bytes"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

func TestSeqHelpers(t *testing.T) {
	cases := []struct {
		a, b  uint16
		diff  int
		newer bool
	}{
		{5, 3, 2, true},
		{3, 5, -2, false},
		{0, 65535, 1, true},
		{65535, 0, -1, false},
		{10, 65530, 16, true},
		{7, 7, 0, false},
		{32767, 0, 32767, true},
		{32768, 0, -32768, false},
	}
	for _, c := range cases {
		if got := seqDiff(c.a, c.b); got != c.diff {
			t.Errorf("seqDiff(%d,%d)=%d want %d", c.a, c.b, got, c.diff)
		}
		if got := seqNewer(c.a, c.b); got != c.newer {
			t.Errorf("seqNewer(%d,%d)=%v want %v", c.a, c.b, got, c.newer)
		}
	}
}

func TestSeqUnwrapper(t *testing.T) {
	var u seqUnwrapper
	in := []uint16{65533, 65534, 65535, 0, 65535 /* late */, 1, 2, 65534 /* late */, 3}
	var got []uint64
	for _, s := range in {
		got = append(got, u.unwrap(s))
	}
	base := got[0]
	want := []uint64{0, 1, 2, 3, 2, 4, 5, 1, 6}
	for i := range want {
		if got[i]-base != want[i] {
			t.Fatalf("unwrap %v = %v (relative), want %v", in, rel(got, base), want)
		}
	}
}

func rel(xs []uint64, base uint64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x - base)
	}
	return out
}

func pkt(seq uint16) []byte {
	return []byte{0x80, 96, byte(seq >> 8), byte(seq), 1, 2, 3, 4, 5, 6, 7, 8, byte(seq), byte(seq >> 8)}
}

func TestKeyframeRequesterThrottle(t *testing.T) {
	var sent atomic.Int32
	k := newKeyframeRequester(100*time.Millisecond, func() { sent.Add(1) })
	defer k.close()
	k.request(false)
	k.request(false)
	k.request(false)
	if n := sent.Load(); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	// Trailing: one more at the end of the window, however many asked.
	k.request(true)
	k.request(true)
	time.Sleep(250 * time.Millisecond)
	if n := sent.Load(); n != 2 {
		t.Fatalf("sent %d after trailing requests, want 2", n)
	}
	k.close()
	k.request(true)
	if n := sent.Load(); n != 2 {
		t.Fatalf("sent after close")
	}
}

// discardWriter stands in for the RTPSender's write stream.
type discardWriter struct{ n int }

func (w *discardWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.n++
	return 12 + len(payload), nil
}

// newBenchReceiver builds a receiver with n subscribers writing to discard
// writers: the forwarding path without the network.
func newBenchReceiver(n int) (*layer, []*discardWriter) {
	info := TrackInfo{ID: "pub-video-0", PeerID: "pub", Kind: "video"}
	codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	r := newReceiver(info, codec, nil, nil, nil, nil)
	l := r.addLayer("", nil)
	ws := make([]*discardWriter, n)
	for i := range ws {
		ws[i] = &discardWriter{}
		d := newDownTrack(r, nil)
		d.w, d.ssrc, d.pt = ws[i], uint32(1000+i), 96
		r.addDownTrack(d)
	}
	return l, ws
}

func TestForwardRewritesHeader(t *testing.T) {
	l, _ := newBenchReceiver(0)
	r := l.r
	var got []rtp.Packet
	d := newDownTrack(r, nil)
	d.w, d.ssrc, d.pt = writerFunc(func(h *rtp.Header, p []byte) (int, error) {
		got = append(got, rtp.Packet{Header: *h, Payload: append([]byte(nil), p...)})
		return 1, nil
	}), 4242, 100
	r.addDownTrack(d)
	in := rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 7, Timestamp: 9, SSRC: 1, Marker: true},
		Payload: []byte{0x10, 0x00, 1, 2, 3},
	}
	must(t, in.Header.SetExtension(3, []byte{0xaa}))
	raw, err := in.Marshal()
	must(t, err)
	l.handle(raw, false)
	if len(got) != 1 {
		t.Fatalf("wrote %d", len(got))
	}
	h := got[0].Header
	if h.SSRC != 4242 || h.PayloadType != 100 || h.SequenceNumber != 7 || h.Timestamp != 9 || !h.Marker || h.Extension {
		t.Fatalf("header %+v", h)
	}
	if !bytes.Equal(got[0].Payload, in.Payload) {
		t.Fatalf("payload %x", got[0].Payload)
	}
	// The packet is in the cache for NACKs.
	buf := make([]byte, mtu)
	if n, ok := l.cache.get(7, buf); !ok || !bytes.Equal(buf[:n], raw) {
		t.Fatal("not cached")
	}
}

// A packet nobody was sent cannot be NACKed: a layer no subscriber gets
// (or a track with none) keeps no history and allocates no ring.
func TestForwardCachesOnlyWhatWentOut(t *testing.T) {
	l, _ := newBenchReceiver(0)
	pkt := func(seq uint16) []byte {
		raw, err := (&rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 1, Marker: true},
			Payload: []byte{0x10, 0x00, 1, 2, 3},
		}).Marshal()
		must(t, err)
		return raw
	}
	for seq := uint16(1); seq <= 50; seq++ {
		l.handle(pkt(seq), false)
	}
	buf := make([]byte, mtu)
	if _, ok := l.cache.get(50, buf); ok || l.cache.storage() != 0 {
		t.Fatalf("a layer nobody gets cached packets (%d bytes)", l.cache.storage())
	}
	// A subscriber paused on this track (target -1) gets nothing either.
	d := newDownTrack(l.r, nil)
	d.w, d.ssrc, d.pt = &discardWriter{}, 77, 96
	d.setTarget(-1)
	l.r.addDownTrack(d)
	l.handle(pkt(51), false)
	if _, ok := l.cache.get(51, buf); ok {
		t.Fatal("cached a packet no subscriber was sent")
	}
	d.setTarget(0)
	l.handle(pkt(52), false)
	if n, ok := l.cache.get(52, buf); !ok || !bytes.Equal(buf[:n], pkt(52)) {
		t.Fatal("a forwarded packet is not cached")
	}
}

type writerFunc func(h *rtp.Header, p []byte) (int, error)

func (f writerFunc) WriteRTP(h *rtp.Header, p []byte) (int, error) { return f(h, p) }

func BenchmarkForward(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(benchName(n), func(b *testing.B) {
			l, ws := newBenchReceiver(n)
			// A VP8 keyframe start with a 15-bit PictureID, as browsers
			// send.
			payload := make([]byte, 1100)
			copy(payload, []byte{0x90, 0x80, 0x80, 0x01, 0x00})
			p := rtp.Packet{
				Header:  rtp.Header{Version: 2, PayloadType: 96, SSRC: 1, Marker: true},
				Payload: payload,
			}
			raw, _ := p.Marshal()
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				raw[2], raw[3] = byte(i>>8), byte(i) // next sequence number
				l.handle(raw, false)
			}
			b.StopTimer()
			if ws[0].n == 0 {
				b.Fatal("nothing written")
			}
		})
	}
}

func benchName(n int) string {
	switch n {
	case 1:
		return "subs=1"
	case 10:
		return "subs=10"
	default:
		return "subs=100"
	}
}

func TestWithStartBitrate(t *testing.T) {
	in := "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\n" +
		"a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1\r\na=mid:1\r\n"
	out := withStartBitrate(in)
	for _, want := range []string{
		"a=fmtp:111 minptime=10\r\n",
		"a=fmtp:102 packetization-mode=1;x-google-start-bitrate=1500\r\n",
		"a=mid:1\r\na=fmtp:96 x-google-start-bitrate=1500\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if withStartBitrate(out) != out {
		t.Error("not idempotent")
	}
}

// Offers wait for a quiet spell while people join in a burst, but never
// long, and the first change after a quiet spell and an ICE restart go out
// at once.
func TestOfferDelay(t *testing.T) {
	p := &Peer{}
	now := time.Now()
	if d := p.offerDelayLocked(now); d != negotiationDelay {
		t.Fatalf("first offer waits %v, want %v", d, negotiationDelay)
	}
	p.lastOfferAt = now.Add(-100 * time.Millisecond)
	if d := p.offerDelayLocked(now); d != offerGap {
		t.Fatalf("100 ms after an offer: waits %v, want %v", d, offerGap)
	}
	p.restart = true
	if d := p.offerDelayLocked(now); d != negotiationDelay {
		t.Fatalf("ICE restart waits %v, want %v", d, negotiationDelay)
	}
	p.restart = false
	p.lastOfferAt = now.Add(-time.Second)
	if d := p.offerDelayLocked(now); d != negotiationDelay {
		t.Fatalf("a second after an offer: waits %v, want %v", d, negotiationDelay)
	}
	// Further changes in a burst push the offer out, up to maxOfferWait
	// after the first one.
	p.negSince = now
	if d := p.burstDelayLocked(now.Add(time.Second)); d != offerGap {
		t.Fatalf("1 s into a burst: waits %v, want %v", d, offerGap)
	}
	if d := p.burstDelayLocked(now.Add(maxOfferWait - 100*time.Millisecond)); d != 100*time.Millisecond {
		t.Fatalf("near maxOfferWait: waits %v, want 100ms", d)
	}
	if d := p.burstDelayLocked(now.Add(maxOfferWait + time.Second)); d != 0 {
		t.Fatalf("past maxOfferWait: waits %v, want 0", d)
	}
}

// vp8KeyPacket is a VP8 keyframe start with a 15-bit PictureID, as
// browsers send, with sequence number seq.
func vp8KeyPacket(seq uint16) []byte {
	payload := make([]byte, 1100)
	copy(payload, []byte{0x90, 0x80, 0x80, 0x01, 0x00})
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1, Marker: true, SequenceNumber: seq}, Payload: payload}
	raw, _ := p.Marshal()
	return raw
}

// The fan-out visits only subscribers that have the track unpaused, and
// one resumed gets packets again from the next keyframe.
func TestFanOutSkipsPausedTracks(t *testing.T) {
	l, ws := newBenchReceiver(3)
	dts := *l.r.downTracks.Load()
	dts[1].setTarget(-1)
	if n := len(*l.r.unpaused.Load()); n != 2 {
		t.Fatalf("%d downTracks visited after a pause, want 2", n)
	}
	l.handle(vp8KeyPacket(1), false)
	if ws[0].n != 1 || ws[1].n != 0 || ws[2].n != 1 {
		t.Fatalf("writes %d %d %d, want 1 0 1", ws[0].n, ws[1].n, ws[2].n)
	}
	dts[1].setTarget(0)
	l.handle(vp8KeyPacket(2), false)
	if ws[0].n != 2 || ws[1].n != 1 || ws[2].n != 2 {
		t.Fatalf("after resuming: writes %d %d %d, want 2 1 2", ws[0].n, ws[1].n, ws[2].n)
	}
	l.r.removeDownTrack(dts[0])
	if n := len(*l.r.unpaused.Load()); n != 2 {
		t.Fatalf("%d downTracks visited after a removal, want 2", n)
	}
}

// A speaker-layout meeting of 50: each track is unpaused for 10 of its
// 49 subscribers.
func BenchmarkForwardMostlyPaused(b *testing.B) {
	l, ws := newBenchReceiver(49)
	for _, d := range (*l.r.downTracks.Load())[10:] {
		d.setTarget(-1)
	}
	raw := vp8KeyPacket(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		raw[2], raw[3] = byte(i>>8), byte(i)
		l.handle(raw, false)
	}
	b.StopTimer()
	if ws[0].n == 0 || ws[48].n != 0 {
		b.Fatalf("writes: first %d, last %d", ws[0].n, ws[48].n)
	}
}

func TestWithOpusDTX(t *testing.T) {
	in := "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n" +
		"a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
	out := withOpusDTX(in)
	if !strings.Contains(out, "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n") {
		t.Errorf("no usedtx on Opus:\n%s", out)
	}
	if strings.Contains(out, "111/111;usedtx") || strings.Count(out, "usedtx") != 1 {
		t.Errorf("usedtx where it does not belong:\n%s", out)
	}
	if withOpusDTX(out) != out {
		t.Error("not idempotent")
	}
	// An Opus format without parameters gets an fmtp line.
	bare := withOpusDTX("m=audio 9 RTP/SAVPF 109\na=rtpmap:109 OPUS/48000/2\na=sendrecv\n")
	if !strings.Contains(bare, "a=rtpmap:109 OPUS/48000/2\na=fmtp:109 usedtx=1\na=sendrecv\n") {
		t.Errorf("no fmtp added:\n%s", bare)
	}
	if s := "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"; withOpusDTX(s) != s {
		t.Error("an SDP without Opus changed")
	}
}

// A keyframe that could not go out because the subscriber's connection
// was not up yet (Pion writes 0 bytes before DTLS) does not start the
// stream: the packets after it are held back until the next keyframe,
// which starts it as if the first had never come.
func TestKeyframeBeforeConnectionIsNotAStart(t *testing.T) {
	l, _ := newBenchReceiver(0)
	up := false
	var got []uint16
	d := newDownTrack(l.r, nil)
	d.w, d.ssrc, d.pt = writerFunc(func(h *rtp.Header, _ []byte) (int, error) {
		if !up {
			return 0, nil
		}
		got = append(got, h.SequenceNumber)
		return 1, nil
	}), 5, 96
	l.r.addDownTrack(d)
	delta := func(seq uint16) []byte {
		raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1, SequenceNumber: seq},
			Payload: []byte{0x10, 0x01, 1, 2, 3}}).Marshal()
		return raw
	}
	l.handle(vp8KeyPacket(100), false) // lost: not connected
	up = true
	l.handle(delta(101), false) // depends on the lost keyframe
	l.handle(delta(102), false)
	l.handle(vp8KeyPacket(103), false)
	l.handle(delta(104), false)
	if fmt.Sprint(got) != "[103 104]" {
		t.Fatalf("sent %v, want the stream to start at the second keyframe, numbers unchanged: [103 104]", got)
	}
}

// Packets written before the subscriber's connection is up do not start
// the SRTP rollover count: the subscriber counts from the first packet it
// gets, so a count started just before a sequence-number wrap would have
// left it unable to decrypt the stream at all (TestTopNAudio under load).
func TestUndeliveredPacketsDoNotMoveTheRolloverCount(t *testing.T) {
	l, _ := newBenchReceiver(0)
	up := false
	d := newDownTrack(l.r, nil)
	d.w, d.ssrc, d.pt = writerFunc(func(*rtp.Header, []byte) (int, error) {
		if !up {
			return 0, nil
		}
		return 1, nil
	}), 5, 96
	l.r.addDownTrack(d)
	l.handle(vp8KeyPacket(65534), false) // not connected yet
	l.handle(vp8KeyPacket(65535), false)
	up = true
	l.handle(vp8KeyPacket(3), false) // the first the subscriber gets, after the wrap
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.roc.started || d.roc.roc != 0 || d.roc.last != 3 {
		t.Fatalf("rollover state %+v after the first delivered packet, want count 0 from seq 3", d.roc)
	}
}

// Feedback about a slot's SSRC reaches the source the slot carries now,
// even when the SSRC map still names an earlier one (Bind and a source
// change write it in either order): otherwise a subscriber's NACKs and
// PLIs for the new source go to the old one's publisher, and a lost
// packet freezes the tile until something else asks for a keyframe.
func TestSlotFeedbackFindsTheCurrentSource(t *testing.T) {
	p := &Peer{bySSRC: map[uint32]*downTrack{}}
	s := newSlot(p, webrtc.RTPCodecTypeVideo, 0)
	s.ssrc = 5
	codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	src := func(id string) *downTrack {
		d := newDownTrack(newReceiver(TrackInfo{ID: id + "-video-0", PeerID: id, Kind: "video"}, codec, nil, nil, nil, nil), nil)
		d.slot = s
		return d
	}
	a, b := src("a"), src("b")
	s.cur = b
	p.bySSRC[5] = a // stale
	if got := p.trackBySSRC(5); got != b {
		t.Fatalf("feedback for the slot goes to %v, want b's downTrack", got.id)
	}
	s.cur = nil
	if got := p.trackBySSRC(5); got != nil {
		t.Fatalf("feedback for an empty slot goes to %s, want nowhere", got.id)
	}
	own := newDownTrack(newReceiver(TrackInfo{ID: "c-video-0", PeerID: "c", Kind: "video"}, codec, nil, nil, nil, nil), nil)
	p.bySSRC[6] = own
	if got := p.trackBySSRC(6); got != own {
		t.Fatal("feedback for a track of its own m-line does not reach it")
	}
	if got := p.trackBySSRC(7); got != nil {
		t.Fatal("feedback for an unknown SSRC found a track")
	}
}
