package sfu

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"testing"
	"time"
)

type speakerRecorder struct {
	recordingRouterHandler
	mu       sync.Mutex
	speakers []string
}

func (h *speakerRecorder) ActiveSpeaker(id string) {
	h.mu.Lock()
	h.speakers = append(h.speakers, id)
	h.mu.Unlock()
}

func (h *speakerRecorder) last() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.speakers) == 0 {
		return ""
	}
	return h.speakers[len(h.speakers)-1]
}

// TestTopNAudio: eight publishers talk at different levels; a listener
// receives the audio of exactly the three loudest, and the loudest is
// announced as the active speaker.
func TestTopNAudio(t *testing.T) {
	e := newTestEngine(t)
	h := &speakerRecorder{}
	r := e.NewRouter("room", h)
	defer r.Close()
	talkers := newTalkers(t, r, 8)
	listener := newTestClient(t, r, "listener")
	listener.level.Store(127)
	for _, c := range talkers {
		remoteOf(t, listener, c.id, "video")
	}
	eventually(t, 10*time.Second, "active speaker t0", func() (bool, string) {
		return h.last() == "t0", "speaker " + h.last()
	})
	count := func() map[string]int {
		out := map[string]int{}
		for _, rt := range listener.remoteTracks() {
			if rt.kind.String() == "audio" {
				g, b, _, _ := rt.snapshot()
				out[rt.streamID] = g + b
			}
		}
		return out
	}
	time.Sleep(500 * time.Millisecond)
	before := count()
	time.Sleep(1500 * time.Millisecond)
	after := count()
	var heard []string
	for _, c := range talkers {
		if n := after[c.id] - before[c.id]; n > 0 {
			heard = append(heard, c.id)
			if n < 30 {
				t.Errorf("%s: only %d packets in 1.5 s", c.id, n)
			}
		}
	}
	sort.Strings(heard)
	if fmt.Sprint(heard) != "[t0 t1 t2]" {
		t.Fatalf("listener hears %v, want the three loudest [t0 t1 t2]", heard)
	}

	// The loudest goes quiet: the fourth comes in.
	talkers[0].level.Store(127)
	eventually(t, 5*time.Second, "t3 heard", func() (bool, string) {
		b := count()
		time.Sleep(300 * time.Millisecond)
		a := count()
		return a["t3"] > b["t3"] && a["t0"] == b["t0"], fmt.Sprintf("t0 %d t3 %d", a["t0"]-b["t0"], a["t3"]-b["t3"])
	})
}

// Someone who stops talking is quiet at once, also when their browser
// sends silence with DTX (a packet every 200 ms instead of every 20 ms):
// the frames it leaves out count as silent.
func TestLoudnessFallsWhenDTXSendsSilence(t *testing.T) {
	var a audioState
	now := time.Now().UnixNano()
	ts := uint32(1 << 31) // crosses the wrap below
	for range 50 {        // a second of talking at -20 dBov
		now += int64(audioFrame)
		ts += opusFrameTicks
		a.observe(20, ts, now)
	}
	if l := a.loudness(now); l < speechLoudness {
		t.Fatalf("talking: loudness %.0f below speech (%d)", l, speechLoudness)
	}
	for range 2 { // 400 ms of DTX silence
		now += int64(10 * audioFrame)
		ts += 10 * opusFrameTicks
		a.observe(127, ts, now)
	}
	if l := a.loudness(now); l >= speechLoudness/4 {
		t.Fatalf("400 ms after the talk stopped: loudness %.0f, want near 0", l)
	}
}

// Packets of someone talking that arrive in bursts (a network or
// scheduling hiccup holds them back, then they come together) are not
// silence: their timestamps show no frame was left out.
func TestLoudnessIgnoresBurstyArrival(t *testing.T) {
	var a audioState
	now := time.Now().UnixNano()
	ts := uint32(math.MaxUint32 - 20*opusFrameTicks) // crosses the wrap
	for i := range 100 {
		if i%10 == 0 {
			now += int64(10 * audioFrame) // ten frames' time, then all ten at once
		}
		ts += opusFrameTicks
		a.observe(20, ts, now)
		if l := a.loudness(now); i > 20 && l < speechLoudness {
			t.Fatalf("packet %d: loudness %.0f below speech while talking in bursts", i, l)
		}
	}
}

// newTalkers joins n publishing clients t0…t(n-1) to r, t0 the loudest
// (-10 dBov) and each next one 10 dB quieter.
func newTalkers(t *testing.T, r *Router, n int) []*testClient {
	t.Helper()
	talkers := make([]*testClient, n)
	for i := range talkers {
		talkers[i] = newTestClient(t, r, fmt.Sprintf("t%d", i))
		talkers[i].level.Store(int32(10 + 10*i))
	}
	return talkers
}
