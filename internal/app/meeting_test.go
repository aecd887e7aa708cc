package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
)

// media is what one test participant sent and received.
type media struct {
	name string
	c    *client.Client

	mu       sync.Mutex
	received map[string]map[string]int // from participant id → kind → matching packets
	bad      []string
}

func (m *media) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	from, kind := t.StreamID(), t.Kind().String()
	go func() {
		buf := make([]byte, 1500)
		var p rtp.Packet
		for {
			n, _, err := t.Read(buf)
			if err != nil {
				return
			}
			if p.Unmarshal(buf[:n]) != nil {
				continue
			}
			// Each sender writes "<participant id>/<kind>/" into its payloads.
			tag := []byte(from + "/" + kind + "/")
			m.mu.Lock()
			if bytes.Contains(p.Payload, tag) {
				if m.received[from] == nil {
					m.received[from] = map[string]int{}
				}
				m.received[from][kind]++
			} else if len(m.bad) < 5 {
				m.bad = append(m.bad, fmt.Sprintf("%s track from %s carried %q", kind, from, p.Payload))
			}
			m.mu.Unlock()
		}
	}()
}

func (m *media) count(from, kind string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.received[from][kind]
}

// publish sends Opus-like and VP8 packets tagged with the sender's id
// until ctx ends.
func publish(ctx context.Context, t *testing.T, c *client.Client) {
	t.Helper()
	audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", c.ID())
	if err != nil {
		t.Fatal(err)
	}
	video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", c.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, audio, video); err != nil {
		t.Fatalf("%s publish: %v", c.ID(), err)
	}
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := uint16(0); ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			a := append([]byte{0xfc}, []byte(c.ID()+"/audio/"+fmt.Sprint(i))...)
			_ = audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i, Timestamp: uint32(i) * 960, Marker: true}, Payload: a})
			// VP8 descriptor S=1 PID=0, then a keyframe header byte.
			v := append([]byte{0x10, 0x00}, []byte(c.ID()+"/video/"+fmt.Sprint(i))...)
			_ = video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i, Timestamp: uint32(i) * 3000, Marker: true}, Payload: v})
		}
	}()
}

func join(t *testing.T, url, room, name string, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Join(ctx, url, room, client.Options{Name: name}, onTrack)
	if err != nil {
		t.Fatalf("%s join: %v", name, err)
	}
	return c
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFiveParticipantsExchangeMedia(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "five", 50, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	parts := make([]*media, 5)
	for i := range parts {
		m := &media{name: fmt.Sprintf("P%d", i), received: map[string]map[string]int{}}
		m.c = join(t, url, "five", m.name, m.onTrack)
		defer m.c.Close()
		publish(ctx, t, m.c)
		parts[i] = m
	}
	for _, m := range parts {
		for _, o := range parts {
			if o == m {
				continue
			}
			for _, kind := range []string{"audio", "video"} {
				waitFor(t, fmt.Sprintf("%s to receive %s of %s", m.name, kind, o.name), 15*time.Second, func() bool {
					return m.count(o.c.ID(), kind) >= 10
				})
			}
		}
		m.mu.Lock()
		if len(m.bad) > 0 {
			t.Errorf("%s received foreign payloads: %v", m.name, m.bad)
		}
		m.mu.Unlock()
	}
	if n := a.Rooms.Count("five"); n != 5 {
		t.Fatalf("room count %d, want 5", n)
	}

	// P4 leaves: everyone else is told and its tracks go away.
	gone := parts[4].c.ID()
	lctx, lcancel := context.WithTimeout(ctx, 10*time.Second)
	defer lcancel()
	parts[4].c.Leave(lctx)
	for _, m := range parts[:4] {
		isGone := func(d json.RawMessage) bool {
			var v struct {
				ID            string `json:"id"`
				ParticipantID string `json:"participantId"`
			}
			_ = json.Unmarshal(d, &v)
			return v.ID == gone || v.ParticipantID == gone
		}
		if _, err := m.c.WaitEvent(lctx, signal.TypeParticipantLeft, isGone); err != nil {
			t.Fatalf("%s: no participant_left: %v", m.name, err)
		}
		if _, err := m.c.WaitEvent(lctx, signal.TypeTrackRemoved, isGone); err != nil {
			t.Fatalf("%s: no track_removed: %v", m.name, err)
		}
	}
	waitFor(t, "room count 4", 5*time.Second, func() bool { return a.Rooms.Count("five") == 4 })
	// No more media from the one who left.
	before := parts[0].count(gone, "video")
	time.Sleep(500 * time.Millisecond)
	if after := parts[0].count(gone, "video"); after > before+2 {
		t.Errorf("still receiving video from a participant who left: %d → %d packets", before, after)
	}
}

func TestJoinRefusals(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "small", 3, "")
	apptest.AddRoom(t, a, "locked", 10, "4321")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		c := join(t, url, "small", fmt.Sprint("guest", i), nil)
		defer c.Close()
	}
	cases := []struct {
		room, pin, name, code string
	}{
		{"small", "", "fourth", signal.CodeRoomFull},
		{"nowhere", "", "x", signal.CodeRoomNotFound},
		{"locked", "", "x", signal.CodePINRequired},
		{"locked", "1111", "x", signal.CodeWrongPIN},
		{"demo", "", "   ", signal.CodeNameRequired},
	}
	for _, tc := range cases {
		_, err := client.Join(ctx, url, tc.room, client.Options{Name: tc.name, PIN: tc.pin}, nil)
		var je *client.JoinError
		if !errors.As(err, &je) || je.Code != tc.code {
			t.Errorf("join %s pin %q name %q: got %v, want %s", tc.room, tc.pin, tc.name, err, tc.code)
		}
	}
	c, err := client.Join(ctx, url, "locked", client.Options{Name: "ok", PIN: "4321"}, nil)
	if err != nil {
		t.Fatalf("right PIN refused: %v", err)
	}
	c.Close()
}

func TestResumeKeepsIdentity(t *testing.T) {
	_, url := apptest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stay := join(t, url, "demo", "stay", nil)
	defer stay.Close()
	drop := join(t, url, "demo", "drop", nil)
	id, token := drop.ID(), drop.Welcome.ResumeToken
	drop.Close() // the network goes away without a leave

	back, err := client.Join(ctx, url, "demo", client.Options{Name: "drop", ResumeToken: token}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if back.ID() != id || !back.Welcome.Resumed {
		t.Fatalf("resume gave id %s resumed=%v, want %s resumed", back.ID(), back.Welcome.Resumed, id)
	}
	time.Sleep(300 * time.Millisecond)
	for _, e := range stay.Events() {
		if e.Type == signal.TypeParticipantLeft {
			t.Fatalf("the others saw the resumed participant leave: %s", e.Data)
		}
	}
}

func TestPINAttemptsAreLimited(t *testing.T) {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, "clinic", 10, "2468")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	codes := []string{}
	for i := 0; i < 7; i++ {
		_, err := client.Join(ctx, url, "clinic", client.Options{Name: "guesser", PIN: fmt.Sprintf("%04d", i)}, nil)
		var je *client.JoinError
		if !errors.As(err, &je) {
			t.Fatalf("attempt %d: %v", i, err)
		}
		codes = append(codes, je.Code)
	}
	if codes[0] != signal.CodeWrongPIN || codes[len(codes)-1] != signal.CodeTooManyAttempts {
		t.Fatalf("codes %v: want wrong_pin first and too_many_attempts at the end", codes)
	}
	// Even the right PIN waits now: guessing cannot continue.
	_, err := client.Join(ctx, url, "clinic", client.Options{Name: "guesser", PIN: "2468"}, nil)
	var je *client.JoinError
	if !errors.As(err, &je) || je.Code != signal.CodeTooManyAttempts {
		t.Fatalf("right PIN during lockout: %v", err)
	}
}
