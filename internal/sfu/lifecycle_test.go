package sfu

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

var ufragRE = regexp.MustCompile(`a=ice-ufrag:(\S+)`)

func ufrag(sdp string) string {
	m := ufragRE.FindStringSubmatch(sdp)
	if m == nil {
		return ""
	}
	return m[1]
}

// packetsFrom sums the good packets c received from publisher pubID.
func packetsFrom(c *testClient, pubID string) int {
	n := 0
	for _, rt := range c.remoteTracks() {
		if rt.streamID == pubID {
			g, _, _, _ := rt.snapshot()
			n += g
		}
	}
	return n
}

func waitMoreFrom(t *testing.T, c *testClient, pubID string, what string) {
	t.Helper()
	before := packetsFrom(c, pubID)
	eventually(t, 5*time.Second, what, func() (bool, string) {
		n := packetsFrom(c, pubID)
		return n >= before+20, fmt.Sprintf("%d → %d", before, n)
	})
}

func TestRestartICE(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	remoteOf(t, b, "alice", "video")
	remoteOf(t, b, "alice", "audio")
	settle(t, b)
	offers := b.offersSoFar()
	oldUfrag := ufrag(offers[len(offers)-1])

	// A restart offer the client never gets (it was offline)...
	b.dropOffer.Store(true)
	b.peer.RestartICE()
	eventually(t, 3*time.Second, "unanswered restart offer", func() (bool, string) {
		return len(b.offersSoFar()) == len(offers)+1, "none"
	})
	lost := b.offersSoFar()[len(offers)]
	// ...is sent again on the next restart.
	b.dropOffer.Store(false)
	b.peer.RestartICE()
	eventually(t, 3*time.Second, "restart offer answered", func() (bool, string) {
		o := b.offersSoFar()
		if len(o) < len(offers)+2 {
			return false, fmt.Sprintf("%d offers", len(o))
		}
		if sortedLines(o[len(offers)+1]) != sortedLines(lost) {
			t.Fatalf("the outstanding offer was not sent again:\n%s\n----\n%s", lost, o[len(offers)+1])
		}
		if u := ufrag(o[len(o)-1]); u == oldUfrag || u == "" {
			return false, "ufrag unchanged"
		}
		return b.sub.SignalingState() == webrtc.SignalingStateStable, "not stable"
	})
	plis := a.plis.Load()
	b.peer.RequestKeyframes()
	waitMoreFrom(t, b, "alice", "media after ICE restart")
	eventually(t, 2*time.Second, "keyframe request after restart", func() (bool, string) {
		return a.plis.Load() > plis, "no PLI"
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.answerErrs) > 0 {
		t.Fatalf("answer errors: %v", b.answerErrs)
	}
}

func TestICETCP(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	a := newTestClientOpts(t, r, "alice", clientOpts{tcpOnly: true})
	b := newTestClientOpts(t, r, "bob", clientOpts{tcpOnly: true})
	waitForwarding(t, r, a, b)
	pair, err := a.pub.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	must(t, err)
	if pair == nil || pair.Remote.Protocol != webrtc.ICEProtocolTCP || pair.Remote.Port != uint16(e.Port()) {
		t.Fatalf("selected pair %v, want TCP to port %d", pair, e.Port())
	}
	// Over TCP the direct RTP path stands aside: media went through Pion
	// and every track reads its own RTCP.
	if n := e.Stats().DirectPaths; n != 0 {
		t.Fatalf("%d direct paths over TCP", n)
	}
	for _, c := range []*testClient{a, b} {
		if m := c.peer.rtcpMode.Load(); m != rtcpPerTrack {
			t.Fatalf("%s: RTCP mode %d, want per track", c.id, m)
		}
		c.peer.mu.Lock()
		for _, d := range c.peer.downTrackList() {
			if !d.rtcpReading.Load() {
				t.Errorf("%s: track %s reads no RTCP", c.id, d.id)
			}
		}
		c.peer.mu.Unlock()
	}
}

func TestPublisherAddsAndRemovesTrack(t *testing.T) {
	e := newTestEngine(t)
	h := &recordingRouterHandler{}
	r := e.NewRouter("room", h)
	defer r.Close()
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	waitForwarding(t, r, a, b)

	// Alice starts a screen share: a second video track.
	screen, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "screen", "alice-screen")
	must(t, err)
	sender, err := a.pub.AddTrack(screen)
	must(t, err)
	a.republish()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(33 * time.Millisecond)
		defer tk.Stop()
		for seq := uint16(startSeq); ; seq++ {
			select {
			case <-stop:
				return
			case <-tk.C:
				_ = screen.WriteRTP(&rtp.Packet{
					Header:  rtp.Header{Version: 2, SequenceNumber: seq, Marker: true},
					Payload: append([]byte{0x10, 0x00}, mediaTail("alice", 'v', seq)...),
				})
			}
		}
	}()
	defer func() { close(stop); <-done }()

	var screenID string
	eventually(t, 5*time.Second, "screen track at bob", func() (bool, string) {
		for _, ti := range r.Tracks() {
			if ti.ClientTrackID == "screen" {
				screenID = ti.ID
			}
		}
		if screenID == "" {
			return false, "not in router"
		}
		rt, ok := b.remoteTracks()[screenID]
		if !ok {
			return false, "not at bob"
		}
		g, bad, _, _ := rt.snapshot()
		if bad > 0 {
			t.Fatalf("bad packets on screen track")
		}
		return g >= 10 && rt.streamID == "alice", fmt.Sprintf("%d packets", g)
	})

	// Bob's re-offer was handed out as Pion created it (gathering done,
	// no restart): it must still list the server's candidates.
	offers := b.offersSoFar()
	if last := offers[len(offers)-1]; len(offers) < 2 || !strings.Contains(last, "a=candidate:") || !strings.Contains(last, "a=end-of-candidates") {
		t.Fatalf("re-offer %d lacks the candidates:\n%s", len(offers), last)
	}

	// She stops sharing.
	must(t, a.pub.RemoveTrack(sender))
	a.republish()
	eventually(t, 5*time.Second, "screen track removed", func() (bool, string) {
		for _, ti := range h.removedFor("alice") {
			if ti.ID == screenID {
				return len(r.Tracks()) == 4, fmt.Sprintf("%d tracks", len(r.Tracks()))
			}
		}
		return false, "no TrackRemoved"
	})
	waitMoreFrom(t, b, "alice", "camera still flowing")
}

// sortedLines normalises an SDP for comparison: Pion lists candidates in
// varying order.
func sortedLines(sdp string) string {
	lines := strings.Split(sdp, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// settle waits until c's subscribe PC is stable and no offer came for 300 ms.
func settle(t *testing.T, c *testClient) {
	t.Helper()
	n, since := len(c.offersSoFar()), time.Now()
	eventually(t, 5*time.Second, c.id+" negotiation settled", func() (bool, string) {
		if m := len(c.offersSoFar()); m != n {
			n, since = m, time.Now()
		}
		return time.Since(since) > 300*time.Millisecond &&
			c.sub.SignalingState() == webrtc.SignalingStateStable, "busy"
	})
}
