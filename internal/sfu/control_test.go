package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func trackOf(t *testing.T, r *Router, peerID, kind string) TrackInfo {
	t.Helper()
	var out TrackInfo
	eventually(t, 10*time.Second, peerID+" publishes "+kind, func() (bool, string) {
		for _, ti := range r.Tracks() {
			if ti.PeerID == peerID && ti.Kind == kind {
				out = ti
				return true, ""
			}
		}
		return false, "no track"
	})
	return out
}

func TestSetTrackMuted(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	vid := remoteOf(t, b, "alice", "video")
	aud := remoteOf(t, b, "alice", "audio")
	vi := trackOf(t, r, "alice", "video")
	ai := trackOf(t, r, "alice", "audio")
	if vi.ClientTrackID != "cam" || ai.ClientTrackID != "mic" {
		t.Fatalf("client track ids %q %q", vi.ClientTrackID, ai.ClientTrackID)
	}

	if err := r.SetTrackMuted("nope", true); err == nil {
		t.Fatal("muting an unknown track")
	}
	must(t, r.SetTrackMuted(vi.ID, true))
	must(t, r.SetTrackMuted(ai.ID, true))
	if !r.TrackMuted(vi.ID) {
		t.Fatal("not muted")
	}
	time.Sleep(300 * time.Millisecond) // packets in flight
	v0, _, _, _ := vid.snapshot()
	a0, _, _, _ := aud.snapshot()
	time.Sleep(700 * time.Millisecond)
	v1, _, _, _ := vid.snapshot()
	a1, _, _, _ := aud.snapshot()
	if v1 != v0 || a1 != a0 {
		t.Fatalf("muted tracks still forwarded: video %d→%d audio %d→%d", v0, v1, a0, a1)
	}

	plis := a.plis.Load()
	vid.mu.Lock()
	lastV := vid.lastSeq
	vid.mu.Unlock()
	must(t, r.SetTrackMuted(vi.ID, false))
	must(t, r.SetTrackMuted(ai.ID, false))
	// Payloads carry the publisher's numbers, which moved on while muted:
	// count every packet, good or "bad".
	eventually(t, 5*time.Second, "media again", func() (bool, string) {
		v2, vb, _, _ := vid.snapshot()
		a2, ab, _, _ := aud.snapshot()
		return v2+vb > v1+10 && a2+ab > a1+10, fmt.Sprintf("video %d audio %d", v2+vb-v1, a2+ab-a1)
	})
	// The subscriber's sequence numbers continue without a gap.
	vid.mu.Lock()
	next := vid.seqCount[lastV+1]
	vid.mu.Unlock()
	if next != 1 {
		t.Fatalf("after unmute, seq %d seen %d times: the stream jumped", lastV+1, next)
	}
	eventually(t, 3*time.Second, "keyframe request on unmute", func() (bool, string) {
		return a.plis.Load() > plis, "no PLI"
	})
}

// TestAddPublisherWHIP: a publish-only peer with one complete offer (as
// OBS or ffmpeg send over WHIP) gets a complete answer, and its media
// reaches the others; it receives nothing itself.
func TestAddPublisherWHIP(t *testing.T) {
	e := newTestEngine(t)
	h := &recordingRouterHandler{}
	r := e.NewRouter("room", h)
	defer r.Close()
	w := newTestClientOpts(t, r, "obs", clientOpts{whip: true})
	b := newTestClient(t, r, "bob")
	remoteOf(t, b, "obs", "video")
	remoteOf(t, b, "obs", "audio")
	if err := w.peer.HandleAnswer("v=0"); err == nil {
		t.Fatal("publish-only peer accepted a subscribe answer")
	}
	if err := w.peer.AddICECandidate(Subscribe, webrtc.ICECandidateInit{Candidate: "x"}); err == nil {
		t.Fatal("publish-only peer accepted a subscribe candidate")
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(w.remoteTracks()); n != 0 {
		t.Fatalf("publish-only peer receives %d tracks", n)
	}
	if offers := w.offersSoFar(); len(offers) != 0 {
		t.Fatalf("publish-only peer got %d subscriber offers", len(offers))
	}
	w.peer.Close()
	eventually(t, 5*time.Second, "tracks removed", func() (bool, string) {
		return len(h.removedFor("obs")) == 2, "not yet"
	})
}
