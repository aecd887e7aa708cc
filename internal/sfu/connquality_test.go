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
	e, r, a, b := twoForwarding(t)
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
	if st := e.Stats(); st.ConnectionsPoor != 1 || st.ConnectionsFair != 0 {
		t.Errorf("counted %d poor, %d fair connections; want alice alone, poor", st.ConnectionsPoor, st.ConnectionsFair)
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
	// Bob's reports: a quarter of what comes lost, in the cumulative
	// counts (which the grade is made from), with a misleading 0 fraction.
	var seq, lost uint32 = 1 << 16, 0
	eventually(t, 10*time.Second, "bob told poor", func() (bool, string) {
		seq, lost = seq+8, lost+2
		must(t, b.sub.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1,
			Reports: []rtcp.ReceptionReport{{SSRC: audioSSRC, LastSequenceNumber: seq, TotalLost: lost}}}}))
		time.Sleep(100 * time.Millisecond)
		q := h.qualityOf("bob")
		return len(q) > 0 && q[len(q)-1] == QualityPoor, fmt.Sprintf("bob: %v", q)
	})
	if n := e.Stats().ConnectionsPoor; n != 2 {
		t.Errorf("%d poor connections counted, want 2", n)
	}
	// Someone who leaves is no longer counted.
	a.peer.Close()
	if n := e.Stats().ConnectionsPoor; n != 1 {
		t.Errorf("%d poor connections counted after alice left, want 1", n)
	}
}

func snapshotQuality(s Snapshot, peer, want string) bool {
	for _, p := range s.Peers {
		if p.ID == peer {
			return p.Quality == want
		}
	}
	return false
}

// A steady loss reads the same all along, across bucket turnovers; it
// ages out within two windows once the reports stop saying it.
func TestLossPeakHasNoGaps(t *testing.T) {
	var l lossPeak
	t0 := time.Now().UnixNano()
	sec := int64(time.Second)
	for i := int64(0); i < 20; i++ {
		l.note(64, t0+i*sec)
		for _, dt := range []int64{0, sec / 2, sec - 1} {
			if got := l.get(t0 + i*sec + dt); got != 64 {
				t.Fatalf("at %v: %d, want 64", time.Duration(i*sec+dt), got)
			}
		}
	}
	for i := int64(20); i < 30; i++ {
		l.note(0, t0+i*sec)
	}
	if got := l.get(t0 + 29*sec); got != 0 {
		t.Fatalf("loss still %d 10 s after it ended", got)
	}
}

// The downlink grade comes from the reports' cumulative counts between two
// evaluations; too few packets grade nothing, and a counter reset is not
// read as loss.
func TestLossSinceLast(t *testing.T) {
	d := &downTrack{}
	report := func(seq, lost uint32) {
		d.rrCum.Store(rrCount(rtcp.ReceptionReport{LastSequenceNumber: seq, TotalLost: lost}))
	}
	report(1000, 10)
	if got := d.lossSinceLast(); got != 0 {
		t.Fatalf("first evaluation: %d", got)
	}
	report(1100, 35) // 25 of 100
	if got := d.lossSinceLast(); got != 64 {
		t.Fatalf("25 lost of 100: %d/256, want 64", got)
	}
	report(1110, 40) // 10 packets: too few
	if got := d.lossSinceLast(); got != 0 {
		t.Fatalf("10 packets: %d", got)
	}
	report(1200, 30) // fewer lost than before (duplicates): none
	if got := d.lossSinceLast(); got != 0 {
		t.Fatalf("negative loss: %d", got)
	}
	report(0x10000+1200, 0xffffff) // -1 in 24 bits
	if got := d.lossSinceLast(); got != 0 {
		t.Fatalf("a wrap to -1: %d", got)
	}
}

// While the server drops packets for want of CPU, nobody is graded (its
// drops would read as the participants' loss); once it stops, they are.
func TestNoGradesWhileTheServerDrops(t *testing.T) {
	e, r, _, b := twoForwarding(t)
	h := r.h.(*recordingRouterHandler)
	var audioSSRC uint32
	for _, rt := range b.remoteTracks() {
		if rt.streamID == "alice" && rt.kind == webrtc.RTPCodecTypeAudio {
			audioSSRC = rt.ssrc
		}
	}
	var seq, lost uint32 = 1 << 16, 0
	report := func() {
		seq, lost = seq+8, lost+2
		must(t, b.sub.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1,
			Reports: []rtcp.ReceptionReport{{SSRC: audioSSRC, LastSequenceNumber: seq, TotalLost: lost}}}}))
	}
	for end := time.Now().Add(3 * qualityHold * time.Duration(qualityEvery) * tickInterval); time.Now().Before(end); {
		e.batch.stale.Add(1)
		report()
		time.Sleep(100 * time.Millisecond)
	}
	if q := h.qualityOf("bob"); len(q) != 0 {
		t.Fatalf("bob graded %v while the server was dropping", q)
	}
	eventually(t, 10*time.Second, "bob told poor once the server stopped dropping", func() (bool, string) {
		report()
		time.Sleep(100 * time.Millisecond)
		q := h.qualityOf("bob")
		return len(q) > 0 && q[len(q)-1] == QualityPoor, fmt.Sprintf("bob: %v", q)
	})
}
