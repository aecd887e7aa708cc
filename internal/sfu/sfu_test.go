package sfu

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// waitForwarding waits until every client receives every other client's
// audio and video with the right ids and intact payloads.
func waitForwarding(t *testing.T, r *Router, clients ...*testClient) {
	t.Helper()
	eventually(t, 15*time.Second, "all tracks forwarded", func() (bool, string) {
		byPeer := map[string][]TrackInfo{}
		for _, ti := range r.Tracks() {
			byPeer[ti.PeerID] = append(byPeer[ti.PeerID], ti)
		}
		for _, c := range clients {
			if len(byPeer[c.id]) != 2 {
				return false, fmt.Sprintf("router has %d tracks of %s", len(byPeer[c.id]), c.id)
			}
		}
		for _, c := range clients {
			got := c.remoteTracks()
			for _, other := range clients {
				if other == c {
					continue
				}
				for _, ti := range byPeer[other.id] {
					rt, ok := got[ti.ID]
					if !ok {
						return false, fmt.Sprintf("%s has no track %s", c.id, ti.ID)
					}
					if rt.streamID != other.id || rt.kind.String() != ti.Kind {
						t.Fatalf("%s: track %s has stream %q kind %s, want %q %s", c.id, ti.ID, rt.streamID, rt.kind, other.id, ti.Kind)
					}
					good, bad, keyDelay, hasKey := rt.snapshot()
					if bad > 0 {
						rt.mu.Lock()
						defer rt.mu.Unlock()
						t.Fatalf("%s: track %s has %d bad packets, last: %s", c.id, ti.ID, bad, rt.lastError)
					}
					if good < 20 {
						return false, fmt.Sprintf("%s: track %s has %d packets", c.id, ti.ID, good)
					}
					if ti.Kind == "video" {
						if !hasKey {
							return false, fmt.Sprintf("%s: no keyframe yet on %s", c.id, ti.ID)
						}
						// Keyframes are sent only on PLI: this proves the
						// SFU asked for one when the subscriber came.
						if keyDelay > time.Second {
							t.Errorf("%s: first keyframe on %s came %v after the first packet", c.id, ti.ID, keyDelay)
						}
					}
				}
			}
			live := 0
			for _, rt := range got {
				rt.mu.Lock()
				if !rt.ended {
					live++
				}
				rt.mu.Unlock()
			}
			if live != 2*(len(clients)-1) {
				return false, fmt.Sprintf("%s receives %d tracks", c.id, live)
			}
		}
		return true, ""
	})
}

func TestForwardAndRenegotiate(t *testing.T) {
	e := newTestEngine(t)
	h := &recordingRouterHandler{}
	r := e.NewRouter("room", h)
	defer r.Close()

	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	waitForwarding(t, r, a, b)
	// A late joiner gets the existing tracks at once.
	c := newTestClient(t, r, "carol")
	waitForwarding(t, r, a, b, c)

	ids := map[string]bool{}
	for _, ti := range r.Tracks() {
		if ids[ti.ID] {
			t.Fatalf("duplicate track id %s", ti.ID)
		}
		ids[ti.ID] = true
		if ti.ClientTrackID != "mic" && ti.ClientTrackID != "cam" {
			t.Errorf("track %s: ClientTrackID %q", ti.ID, ti.ClientTrackID)
		}
	}
	eventually(t, 2*time.Second, "TrackAdded ×6", func() (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.added) == 6, fmt.Sprint(len(h.added))
	})

	offersA, offersB := len(a.offersSoFar()), len(b.offersSoFar())
	c.peer.Close()
	c.close()

	eventually(t, 5*time.Second, "carol's tracks removed", func() (bool, string) {
		removed := h.removedFor("carol")
		if len(removed) != 2 || len(r.Tracks()) != 4 {
			return false, fmt.Sprintf("removed %d, router has %d", len(removed), len(r.Tracks()))
		}
		return true, ""
	})
	for _, x := range []struct {
		c      *testClient
		before int
	}{{a, offersA}, {b, offersB}} {
		eventually(t, 5*time.Second, x.c.id+" renegotiated without carol", func() (bool, string) {
			offers := x.c.offersSoFar()
			if len(offers) <= x.before {
				return false, "no new offer"
			}
			last := offers[len(offers)-1]
			if strings.Contains(last, "a=msid:carol ") {
				return false, "last offer still sends carol's tracks"
			}
			if n := strings.Count(last, "a=inactive"); n < 2 {
				return false, fmt.Sprintf("%d inactive m-lines", n)
			}
			return x.c.sub.SignalingState() == webrtc.SignalingStateStable, "not stable"
		})
	}

	// At the clients, carol's forwarded tracks end.
	for _, x := range []*testClient{a, b} {
		eventually(t, 5*time.Second, x.id+": carol's tracks end", func() (bool, string) {
			for _, rt := range x.remoteTracks() {
				rt.mu.Lock()
				ended := rt.ended
				rt.mu.Unlock()
				if rt.streamID == "carol" && !ended {
					return false, rt.id + " still live"
				}
			}
			return true, ""
		})
	}

	// The remaining pair still receives each other.
	before := map[*testClient]int{}
	for _, x := range []*testClient{a, b} {
		for _, rt := range x.remoteTracks() {
			if rt.streamID != "carol" {
				g, _, _, _ := rt.snapshot()
				before[x] += g
			}
		}
	}
	time.Sleep(300 * time.Millisecond)
	for _, x := range []*testClient{a, b} {
		total := 0
		for _, rt := range x.remoteTracks() {
			if rt.streamID != "carol" {
				g, bad, _, _ := rt.snapshot()
				total += g
				if bad > 0 {
					t.Errorf("%s: bad packets on %s", x.id, rt.id)
				}
			}
		}
		if total <= before[x] {
			t.Errorf("%s: media stopped after carol left", x.id)
		}
	}
	var ids2 []string
	for _, ti := range r.Tracks() {
		ids2 = append(ids2, ti.ID)
	}
	sort.Strings(ids2)
	t.Logf("tracks after carol left: %v", ids2)
	for _, x := range []*testClient{a, b} {
		x.mu.Lock()
		errs := x.answerErrs
		states := x.states
		x.mu.Unlock()
		if len(errs) > 0 {
			t.Errorf("%s: answer errors: %v", x.id, errs)
		}
		// Connection states are reported in order, without repeats.
		for dir, ss := range states {
			want := []webrtc.PeerConnectionState{webrtc.PeerConnectionStateConnecting, webrtc.PeerConnectionStateConnected}
			if len(ss) < 2 || ss[len(ss)-2] != want[0] || ss[len(ss)-1] != want[1] {
				t.Errorf("%s %s: states %v", x.id, Direction(dir), ss)
			}
		}
	}
}

// A burst of joins costs each subscriber a few offers, not one per
// newcomer (offerGap, maxOfferWait), and every track still arrives.
func TestJoinBurstCoalescesOffers(t *testing.T) {
	e, r, a, b := twoForwarding(t)
	clients := []*testClient{a, b}
	for i := range 4 {
		clients = append(clients, newTestClient(t, r, fmt.Sprintf("p%d", i)))
	}
	waitForwarding(t, r, clients...)

	// The offer count, made independent of how long a client takes to
	// set up on a busy machine: six changes 60 ms apart.
	time.Sleep(offerGap + 100*time.Millisecond)
	before := len(a.offersSoFar())
	for range 6 {
		a.peer.negotiate()
		time.Sleep(60 * time.Millisecond)
	}
	time.Sleep(offerGap + 200*time.Millisecond)
	got := len(a.offersSoFar()) - before
	if n := e.Stats().SubscriberOffers; n < uint64(len(a.offersSoFar())) {
		t.Errorf("SubscriberOffers %d, but alice alone got %d offers", n, len(a.offersSoFar()))
	}
	if got < 1 || got > 3 {
		t.Fatalf("6 changes 60 ms apart made %d offers, want 1 to 3 (the first at once, the rest batched)", got)
	}
}
