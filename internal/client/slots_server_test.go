package client_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/loadtest"
	"github.com/confer-dev/confer/internal/signal"
)

// marks are what each received stream shows of its source now: which
// publisher's set of Opus packets, or the width of the VP8 keyframes
// (each publisher sends other packets and another resolution).
type marks struct {
	mu sync.Mutex
	m  map[string]int // mid → latest mark
}

func (m *marks) set(mid string, v int) {
	m.mu.Lock()
	m.m[mid] = v
	m.mu.Unlock()
}

func (m *marks) get(mid string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[mid]
}

// readMarks reads a slot track, recording its source's mark: for audio,
// audioMark of the payload (the server forwards Opus payloads as they
// are, but not the audio level extension).
func readMarks(t *webrtc.TrackRemote, mid string, m *marks, audioMark map[string]int) {
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		if t.Kind() == webrtc.RTPCodecTypeAudio {
			if v := audioMark[string(pkt.Payload)]; v != 0 {
				m.set(mid, v)
			}
			continue
		}
		if w := keyframeWidth(pkt); w > 0 {
			m.set(mid, w)
		}
	}
}

// keyframeWidth is the width in a VP8 keyframe's first packet, else 0.
func keyframeWidth(pkt *rtp.Packet) int {
	var vp8 codecs.VP8Packet
	p, err := vp8.Unmarshal(pkt.Payload)
	if err != nil || vp8.S != 1 || vp8.PID != 0 || len(p) < 10 || p[0]&1 != 0 || p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a {
		return 0
	}
	return int(binary.LittleEndian.Uint16(p[6:8]) & 0x3fff)
}

// Against the real server: a slot subscriber's map says which publisher
// each slot carries, and the media on that slot's transceiver (found by
// mid) is that publisher's: A's Opus packets and 320-wide video, B's
// and 640-wide video.
func TestSlotsCarryTheMappedSource(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "slots", 10, "")
	video, audio, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// B's Opus packets end in one more byte than A's: a payload tells
	// whose it is.
	audioB := make([][]byte, len(audio))
	audioMark := map[string]int{}
	for i, pkt := range audio {
		audioB[i] = append(append([]byte(nil), pkt...), 0xAB)
		audioMark[string(pkt)], audioMark[string(audioB[i])] = 1, 2
	}
	want := map[string][2]int{} // participant id → audio mark, video width
	for i, p := range []struct {
		name  string
		level uint8
		audio [][]byte
		clip  *client.VideoClip
		width int
	}{{"A", 20, audio, video[0], 320}, {"B", 50, audioB, video[1], 640}} {
		c, err := client.Join(ctx, url, "slots", client.Options{Name: p.name}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		level := p.level
		if _, err := c.PublishMedia(ctx, client.MediaOptions{Video: []*client.VideoClip{p.clip}, Audio: p.audio,
			AudioLevel: func() uint8 { return level }}); err != nil {
			t.Fatalf("publisher %d: %v", i, err)
		}
		want[c.ID()] = [2]int{i + 1, p.width}
	}

	type track struct {
		t *webrtc.TrackRemote
		r *webrtc.RTPReceiver
	}
	tracks := make(chan track, 16)
	start := time.Now()
	var firstMap time.Duration
	var once sync.Once
	sub, err := client.Join(ctx, url, "slots", client.Options{Name: "S", Slots: true,
		OnSlots: func([]signal.Slot) { once.Do(func() { firstMap = time.Since(start) }) }},
		func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) { tracks <- track{t, r} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	// The welcome or a later track_published (a track is published once
	// its first packet reached the server) tells of both videos.
	prefs := map[string][2]int{}
	for len(prefs) < 2 {
		for _, tr := range sub.Tracks() {
			if tr.Kind == "video" {
				prefs[tr.ID] = [2]int{320, 180}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d videos known: %+v", len(prefs), sub.Tracks())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := sub.SendVideoPrefs(ctx, prefs); err != nil {
		t.Fatal(err)
	}

	m := &marks{m: map[string]int{}}
	var firstVideo time.Duration
	check := func() error {
		got := map[string]bool{}
		for _, s := range sub.Slots() {
			if s.TrackID == "" {
				continue
			}
			w, ok := want[s.ParticipantID]
			if !ok {
				return fmt.Errorf("slot %s carries unknown %q", s.Mid, s.ParticipantID)
			}
			mark := m.get(s.Mid)
			exp := w[0]
			if s.Kind == "video" {
				exp = w[1]
			}
			if mark != exp {
				return fmt.Errorf("slot %s (%s of %s): mark %d, want %d", s.Mid, s.Kind, s.ParticipantID, mark, exp)
			}
			got[s.Kind+s.ParticipantID] = true
		}
		if len(got) != 4 {
			return fmt.Errorf("slots carry %v, want both publishers' audio and video; map %+v", got, sub.Slots())
		}
		return nil
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for err := check(); err != nil; err = check() {
		select {
		case tr := <-tracks:
			if tr.t.StreamID() != client.SlotsStreamID {
				t.Fatalf("track %s/%s is not a slot", tr.t.StreamID(), tr.t.ID())
			}
			if firstVideo == 0 && tr.t.Kind() == webrtc.RTPCodecTypeVideo {
				firstVideo = time.Since(start)
			}
			go readMarks(tr.t, sub.MidOf(tr.r), m, audioMark)
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal(err)
		}
	}
	t.Logf("join → first slot map %v, first video track %v, every slot checked %v",
		firstMap.Round(time.Millisecond), firstVideo.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}
