package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

func TestQualityLevels(t *testing.T) {
	for _, c := range []struct {
		loss uint8
		want Quality
	}{{0, QualityGood}, {fairLoss - 1, QualityGood}, {fairLoss, QualityFair}, {poorLoss - 1, QualityFair}, {poorLoss, QualityPoor}, {255, QualityPoor}} {
		if got := levelFor(c.loss); got != c.want {
			t.Errorf("loss %d/256: %v, want %v", c.loss, got, c.want)
		}
	}
}

// A level is told once measured qualityHold evaluations in a row, worse
// or better; a different level in between starts the count again.
func TestQualityHysteresis(t *testing.T) {
	var s qualityState
	steps := []struct {
		measured Quality
		told     Quality
		changed  bool
	}{
		{QualityGood, QualityGood, false},
		{QualityPoor, QualityGood, false}, // once: perhaps a report ahead of its explanation
		{QualityGood, QualityGood, false},
		{QualityPoor, QualityGood, false},
		{QualityPoor, QualityPoor, true},
		{QualityGood, QualityPoor, false},
		{QualityFair, QualityPoor, false}, // a different level starts over
		{QualityGood, QualityPoor, false},
		{QualityGood, QualityGood, true},
		{QualityGood, QualityGood, false},
	}
	for i, st := range steps {
		q, changed := s.next(st.measured)
		if q != st.told || changed != st.changed {
			t.Fatalf("step %d (measured %v): told %v changed=%v, want %v %v", i, st.measured, q, changed, st.told, st.changed)
		}
	}
}

// A publisher whose uplink loses a quarter of its video is told poor to
// the room; its subscriber, whose reports show the same gaps (they were
// lost before the server), stays good. Then the subscriber's own downlink
// loses a quarter of what it gets, and it is poor.
func TestConnectionQualityFromLoss(t *testing.T) {
	_, r, a, b := twoForwarding(t)
	h := r.h.(*recordingRouterHandler)
	a.dropEvery.Store(4)
	eventually(t, 10*time.Second, "alice told poor", func() (bool, string) {
		q := h.qualityOf("alice")
		return len(q) > 0 && q[len(q)-1] == QualityPoor, fmt.Sprintf("alice: %v", q)
	})
	// Two more evaluations: bob's reports of the same gaps have come.
	time.Sleep(2 * time.Duration(qualityEvery) * tickInterval)
	if q := h.qualityOf("bob"); len(q) != 0 {
		t.Fatalf("bob, whose own network lost nothing, was told %v", q)
	}
	if s := r.Snapshot(); !snapshotQuality(s, "alice", "poor") {
		t.Errorf("the snapshot does not show alice poor: %+v", s.Peers)
	}

	var audioSSRC uint32
	for _, rt := range b.remoteTracks() {
		if rt.streamID == "alice" && rt.kind == webrtc.RTPCodecTypeAudio {
			audioSSRC = rt.ssrc
		}
	}
	eventually(t, 10*time.Second, "bob told poor", func() (bool, string) {
		must(t, b.sub.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1,
			Reports: []rtcp.ReceptionReport{{SSRC: audioSSRC, FractionLost: 64}}}}))
		time.Sleep(100 * time.Millisecond)
		q := h.qualityOf("bob")
		return len(q) > 0 && q[len(q)-1] == QualityPoor, fmt.Sprintf("bob: %v", q)
	})
}

func snapshotQuality(s Snapshot, peer, want string) bool {
	for _, p := range s.Peers {
		if p.ID == peer {
			return p.Quality == want
		}
	}
	return false
}
