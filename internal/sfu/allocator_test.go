package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// simulcastRecv is a receiver with three live layers of the given bitrates.
func simulcastRecv(id, peer string, now time.Time, rates [3]uint64) *receiver {
	codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	r := newReceiver(TrackInfo{ID: id, PeerID: peer, Kind: "video"}, codec, nil, nil, nil, nil)
	for i, rid := range []string{"q", "h", "f"} {
		l := r.addLayer(rid, nil)
		l.lastAt.Store(now.UnixNano())
		l.bitrate.Store(rates[i])
	}
	return r
}

func audioRecv(id, peer string) *receiver {
	codec := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000}}
	r := newReceiver(TrackInfo{ID: id, PeerID: peer, Kind: "audio"}, codec, nil, nil, nil, nil)
	l := r.addLayer("", nil)
	l.bitrate.Store(40_000)
	return r
}

func TestAllocator(t *testing.T) {
	now := time.Now()
	rates := [3]uint64{150_000, 500_000, 2_500_000}
	p := &Peer{downTracks: map[string]*downTrack{}}
	add := func(r *receiver) *downTrack {
		d := newDownTrack(r, p)
		p.downTracks[d.id] = d
		return d
	}
	add(audioRecv("a1", "alice"))
	screen := add(simulcastRecv("screen", "bob", now, rates))
	src := "screen"
	screen.recv.source.Store(&src)
	speaker := add(simulcastRecv("spk", "carol", now, rates))
	var thumbs []*downTrack
	for i := 0; i < 4; i++ {
		thumbs = append(thumbs, add(simulcastRecv(fmt.Sprintf("t%d", i), fmt.Sprintf("p%d", i), now, rates)))
	}
	hidden := add(simulcastRecv("hidden", "dave", now, rates))
	p.setPrefsForTest(map[*downTrack][2]int{
		screen: {1920, 1080}, speaker: {1280, 720}, hidden: {0, 0},
		thumbs[0]: {320, 180}, thumbs[1]: {320, 180}, thumbs[2]: {320, 180}, thumbs[3]: {320, 180},
	})
	targets := func() string {
		s := fmt.Sprintf("screen=%d speaker=%d hidden=%d thumbs=", screen.target(), speaker.target(), hidden.target())
		for _, d := range thumbs {
			s += fmt.Sprint(d.target())
		}
		return s
	}

	// No estimate: tile sizes alone.
	p.allocate(now, "carol")
	if got := targets(); got != "screen=2 speaker=2 hidden=-1 thumbs=0000" {
		t.Fatalf("unlimited: %s", got)
	}

	// 3.5 Mbit/s: audio, then every video's low layer (6 × 150k), then
	// the screen share up to 720p (+2.35M); the speaker stays low.
	p.bwe.remb(3_500_000)
	p.allocate(now, "carol")
	if got := targets(); got != "screen=2 speaker=0 hidden=-1 thumbs=0000" {
		t.Fatalf("3.5M: %s", got)
	}

	// 500 kbit/s: not every thumbnail fits; those that do not are paused,
	// the screen share and the speaker come first.
	p.bwe.remb(500_000)
	p.allocate(now, "carol")
	if got := targets(); got != "screen=0 speaker=0 hidden=-1 thumbs=0-1-1-1" {
		t.Fatalf("500k: %s", got)
	}

	// A starved subscriber reports a tiny estimate (a receive-side
	// estimate follows what arrives): the floor still keeps the most
	// important tiles' low layers flowing so the estimate can climb back.
	p.bwe.remb(40_000)
	p.allocate(now, "carol")
	if got := targets(); got != "screen=0 speaker=0 hidden=-1 thumbs=0-1-1-1" {
		t.Fatalf("40k (floor): %s", got)
	}

	// Recovery is gradual: one step per tick.
	p.bwe.remb(10_000_000)
	p.allocate(now, "carol")
	if got := targets(); got != "screen=1 speaker=1 hidden=-1 thumbs=0000" {
		t.Fatalf("recovering, first tick: %s", got)
	}
	p.allocate(now, "carol")
	if got := targets(); got != "screen=2 speaker=2 hidden=-1 thumbs=0000" {
		t.Fatalf("recovered: %s", got)
	}

	// A thumbnail that grows while the budget is ample gets the top layer
	// at once, not one step per tick (each step is a keyframe switch).
	p.setPrefsForTest(map[*downTrack][2]int{thumbs[0]: {1280, 720}})
	p.allocate(now, "carol")
	if got := targets(); got != "screen=2 speaker=2 hidden=-1 thumbs=2000" {
		t.Fatalf("grown thumbnail: %s", got)
	}
	p.setPrefsForTest(map[*downTrack][2]int{thumbs[0]: {320, 180}})
	p.allocate(now, "carol")

	// A layer the publisher stopped sending is not forwarded: the best
	// live one below it is.
	speaker.recv.layers[2].Load().lastAt.Store(now.Add(-5 * time.Second).UnixNano())
	p.allocate(now, "carol")
	if speaker.target() != 1 || speaker.want.Load() != 2 {
		t.Fatalf("speaker target %d want %d, want 1 and 2", speaker.target(), speaker.want.Load())
	}

	// It runs twice a second for every subscriber: steady state, it makes
	// no garbage.
	if n := testing.AllocsPerRun(50, func() { p.allocate(now, "carol") }); n != 0 {
		t.Fatalf("allocate allocates %.0f times per run", n)
	}
}

// setPrefsForTest sets tile sizes on downTracks directly.
func (p *Peer) setPrefsForTest(m map[*downTrack][2]int) {
	for d, wh := range m {
		d.prefW.Store(uint32(wh[0]))
		d.prefH.Store(uint32(wh[1]))
		d.prefPaused.Store(wh[0] == 0 || wh[1] == 0)
		d.hasPrefs.Store(true)
	}
}

func TestLayerFor(t *testing.T) {
	r := simulcastRecv("v", "p", time.Now(), [3]uint64{1, 2, 3})
	for _, c := range []struct {
		w, h uint32
		want int
	}{
		{160, 90, 0}, {320, 180, 0}, {400, 225, 0}, {480, 270, 1}, {640, 360, 1}, {800, 450, 1}, {1280, 720, 2}, {3840, 2160, 2},
	} {
		if got := layerFor(r, c.w, c.h); got != c.want {
			t.Errorf("%d×%d: layer %d, want %d", c.w, c.h, got, c.want)
		}
	}
}

// The room layer marks shares through Router.SetTrackSource; the allocator
// reads the mark (TestAllocator above).
func TestSetTrackSource(t *testing.T) {
	r := &Router{name: "x", receivers: map[string]*receiver{}}
	recv := &receiver{}
	r.receivers["t1"] = recv
	if err := r.SetTrackSource("t1", "screen"); err != nil {
		t.Fatal(err)
	}
	if s := recv.source.Load(); s == nil || *s != "screen" {
		t.Fatalf("source %v", s)
	}
	if r.SetTrackSource("gone", "screen") == nil {
		t.Fatal("no error for an unknown track")
	}
}
