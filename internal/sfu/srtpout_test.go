package sfu

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// The direct RTP path (srtpout.go) carries real media: both subscribers
// switch to it and every forwarded packet still decrypts with the keys
// their own DTLS session negotiated, payload intact (waitForwarding fails
// on any bad packet). It also fails if a Pion upgrade hides the DTLS
// connection from dtlsConnOf: the path would silently fall back.
func TestDirectPathCarriesMedia(t *testing.T) {
	e, r, a, b := twoForwarding(t)
	if got := e.Stats().DirectPaths; got != 2 {
		t.Fatalf("direct paths: %d, want 2 (one per subscribe connection)", got)
	}
	// Browsers negotiate AES-GCM without encrypted header extensions:
	// the direct path seals with gcmSRTP (gcmseal.go).
	for _, c := range []*testClient{a, b} {
		if sealerOf(c) == nil {
			t.Fatalf("%s: the direct path does not use the AEAD sealer", c.id)
		}
	}
	// A retransmission takes the same path and still decrypts.
	before := e.Stats().Retransmitted
	var track *downTrack
	a.peer.mu.Lock()
	dts := a.peer.downTrackList()
	a.peer.mu.Unlock()
	for _, d := range dts {
		if d.kind.String() == "video" {
			track = d
		}
	}
	if track == nil {
		t.Fatal("alice has no video downTrack")
	}
	// Feedback is read by the media socket's reader: no goroutine per
	// forwarded track (rtcpin.go).
	for _, c := range []*testClient{a, b} {
		if m := c.peer.rtcpMode.Load(); m != rtcpDirect {
			t.Fatalf("%s: RTCP mode %d, want direct", c.id, m)
		}
		c.peer.mu.Lock()
		for _, d := range c.peer.downTrackList() {
			if d.rtcpReading.Load() {
				t.Errorf("%s: track %s has its own RTCP reader on the direct path", c.id, d.id)
			}
		}
		c.peer.mu.Unlock()
	}
	track.mu.Lock()
	seq := track.m.last.seq
	track.mu.Unlock()
	track.retransmit(seq-1, make([]byte, mtu))
	if e.Stats().Retransmitted != before+1 {
		t.Fatalf("retransmission not sent")
	}
	waitForwarding(t, r, a, b)
}

// A subscriber that negotiated RFC 9335 encrypted header extensions
// (Pion does by default) gets them on the direct path, through Pion's
// SRTP context.
func TestDirectPathWithCryptex(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", &recordingRouterHandler{})
	t.Cleanup(r.Close)
	a := newTestClientOpts(t, r, "alice", clientOpts{cryptex: true})
	b := newTestClientOpts(t, r, "bob", clientOpts{cryptex: true})
	waitForwarding(t, r, a, b)
	if got := e.Stats().DirectPaths; got != 2 {
		t.Fatalf("direct paths: %d, want 2", got)
	}
	for _, c := range []*testClient{a, b} {
		if sealerOf(c) != nil {
			t.Fatalf("%s: cryptex negotiated, yet the direct path seals without it", c.id)
		}
	}
}

// sealerOf is the AEAD sealer of c's direct send path, if it uses one.
func sealerOf(c *testClient) *gcmSRTP {
	c.peer.out.mu.Lock()
	defer c.peer.out.mu.Unlock()
	return c.peer.out.seal.Load()
}

// Subscribers get RTCP sender reports for every forwarded stream, made by
// reports.go now that forwarded RTP bypasses Pion's report interceptor:
// right SSRC, growing counts, an RTP time that matches the stream's clock
// and an NTP time that is now.
func TestSenderReports(t *testing.T) {
	_, _, a, b := twoForwarding(t)
	for _, c := range []*testClient{a, b} {
		for _, rt := range c.remoteTracks() {
			eventually(t, 5*time.Second, c.id+" gets two sender reports on "+rt.id, func() (bool, string) {
				rt.mu.Lock()
				defer rt.mu.Unlock()
				n := len(rt.reports)
				if n < 2 {
					return false, fmt.Sprintf("%d reports", n)
				}
				prev, last := rt.reports[n-2], rt.reports[n-1]
				if last.PacketCount <= prev.PacketCount || last.OctetCount <= prev.OctetCount {
					t.Fatalf("counts do not grow: %+v then %+v", prev, last)
				}
				clock := int32(90000)
				if rt.kind.String() == "audio" {
					clock = 48000
				}
				// Within half a second of the newest packet's timestamp.
				if d := int32(last.RTPTime - rt.lastTS); d > clock/2 || d < -clock/2 {
					t.Fatalf("RTP time %d is %d ticks from the stream's %d", last.RTPTime, d, rt.lastTS)
				}
				ntp := time.Unix(int64(last.NTPTime>>32)-2208988800, 0)
				if d := time.Since(ntp); d > 5*time.Second || d < -5*time.Second {
					t.Fatalf("NTP time %v is %v from now", ntp, d)
				}
				return true, ""
			})
		}
	}
}

// A subscriber of a 50-person meeting has 98 streams: their sender
// reports go out in compound packets that each fit one datagram.
func TestSenderReportsSplitToFitMTU(t *testing.T) {
	l, _ := newBenchReceiver(0)
	p := &Peer{downTracks: map[string]*downTrack{}}
	var sizes []int
	p.writeReports = func(pkts []rtcp.Packet) error {
		raw, err := rtcp.Marshal(pkts)
		if err != nil {
			return err
		}
		sizes = append(sizes, len(raw))
		return nil
	}
	for i := 0; i < 98; i++ {
		d := newDownTrack(l.r, p)
		d.ssrc = uint32(1000 + i)
		d.sr.count(uint32(i), 100, time.Now().UnixNano())
		p.downTracks[fmt.Sprint(i)] = d
	}
	p.sendReports(time.Now())
	total := 0
	for _, n := range sizes {
		if n > 1200-16-4 { // SRTCP adds a 16-byte tag and a 4-byte index
			t.Fatalf("a compound packet of %d bytes", n)
		}
		total += n
	}
	if total != 98*28 {
		t.Fatalf("%d bytes of sender reports in %d packets, want 98 reports of 28 bytes", total, len(sizes))
	}
}

// twoForwarding starts a router with alice and bob receiving each other.
func twoForwarding(t *testing.T) (*Engine, *Router, *testClient, *testClient) {
	t.Helper()
	e := newTestEngine(t)
	r := e.NewRouter("room", &recordingRouterHandler{})
	t.Cleanup(r.Close)
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	waitForwarding(t, r, a, b)
	return e, r, a, b
}

// When the direct path takes over a stream that Pion's path carried past a
// sequence-number wrap (a long stretch over ICE-TCP, then UDP again), its
// SRTP context starts at the stream's real rollover count, so the
// subscriber can still decrypt.
func TestDirectPathTakesOverRolloverCount(t *testing.T) {
	_, c := benchSocket(t)
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	newIn, _ := testStream(t, 1, false)
	ctx := func() *srtp.Context { return newIn().ctx }
	l, _ := newBenchReceiver(0)
	d := newDownTrack(l.r, nil)
	d.w, d.ssrc, d.pt = &discardWriter{}, 4242, 96
	payload := []byte{0x10, 0x01, 1, 2, 3}
	seq := uint16(60000)
	send := func() {
		d.mu.Lock()
		d.hdr = rtp.Header{Version: 2, PayloadType: 96, SSRC: 4242, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}
		d.send(payload, 1, new([mtu + 64]byte))
		d.mu.Unlock()
		seq++
	}
	// Pion's path (here a discard writer) carries it across the wrap.
	for i := 0; i < 10000; i++ {
		send()
	}
	if d.roc.roc != 1 {
		t.Fatalf("rollover count %d after the wrap, want 1", d.roc.roc)
	}
	// Then the direct path comes up.
	out := &srtpOut{ctx: ctx(), conn: c, dst: sink.LocalAddr().(*net.UDPAddr).AddrPort(), gen: 1}
	out.ready.Store(true)
	d.fast = out
	send()
	buf := make([]byte, 1500)
	_ = sink.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := sink.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	recv := ctx() // the subscriber, which followed the stream across the wrap
	recv.SetROC(4242, 1)
	if _, err := recv.DecryptRTP(nil, buf[:n], nil); err != nil {
		t.Fatalf("subscriber cannot decrypt the first direct packet: %v", err)
	}
	wrong := ctx()
	if _, err := wrong.DecryptRTP(nil, buf[:n], nil); err == nil {
		t.Fatal("decrypts with rollover count 0 too: the test proves nothing")
	}
	// A retransmission from before the wrap gets the previous count.
	if r := d.roc.packetROC(65000); r != 0 {
		t.Fatalf("rollover count of a pre-wrap retransmission: %d", r)
	}
}

// When the connection leaves the direct path after it carried a stream
// past a sequence-number wrap (ICE moved to TCP, say), Pion's path goes on
// with the stream's real rollover count, so the subscriber still decrypts.
// It also fails if a Pion upgrade hides the SRTP session from pionSRTPOf.
func TestPionPathTakesOverRolloverCount(t *testing.T) {
	e, _, a, b := twoForwarding(t)
	b.stopOnce.Do(func() { close(b.stop) }) // only the test writes bob's audio now
	a.peer.out.mu.Lock()
	found := a.peer.out.pion != nil
	a.peer.out.mu.Unlock()
	if !found {
		t.Fatal("Pion's SRTP session not found (pionSRTPOf): the fallback cannot set rollover counts")
	}
	var d *downTrack
	a.peer.mu.Lock()
	for _, x := range a.peer.downTrackList() {
		if x.kind == webrtc.RTPCodecTypeAudio {
			d = x
		}
	}
	a.peer.mu.Unlock()
	if d == nil {
		t.Fatal("alice has no audio downTrack")
	}
	time.Sleep(100 * time.Millisecond) // bob's last packets arrive
	rt := a.remoteTracks()[d.id]
	send := func(seq uint16) {
		d.mu.Lock()
		d.hdr = rtp.Header{Version: 2, PayloadType: d.pt, SSRC: d.ssrc, SequenceNumber: seq, Timestamp: uint32(seq) * 960}
		d.send(mediaTail("bob", 'a', seq), 1, new([mtu + 64]byte))
		d.mu.Unlock()
	}
	arrives := func(seq uint16, what string) {
		eventually(t, 3*time.Second, what, func() (bool, string) {
			rt.mu.Lock()
			defer rt.mu.Unlock()
			return rt.seqCount[seq] > 0, fmt.Sprintf("last seq %d, good %d, bad %d", rt.lastSeq, rt.good, rt.bad)
		})
	}
	d.mu.Lock()
	seq := d.roc.last
	d.mu.Unlock()
	// The direct path carries the stream across a wrap, in steps the
	// subscriber's rollover estimate follows.
	for range 5 {
		seq += 16000
		send(seq)
		arrives(seq, "direct packet")
	}
	d.mu.Lock()
	roc := d.roc.roc
	d.mu.Unlock()
	if roc == 0 {
		t.Fatal("no wrap: the test proves nothing")
	}
	// The direct path goes off; Pion's path takes the stream back.
	a.peer.out.stop(e.batch)
	for range 3 {
		seq++
		send(seq)
	}
	arrives(seq, "packet sent by Pion's path after the direct path went off")
}
