package client_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/loadtest"
	"github.com/confer-dev/confer/internal/signal"
)

// meeting is a test room on a real server with marked media: source i's
// Opus packets end in i bytes 0xAB (audio mark i+1), and each publisher
// sends a clip of another width.
type meeting struct {
	t         *testing.T
	url, room string
	video     [3]*client.VideoClip
	audio     [][][]byte     // by source
	audioMark map[string]int // payload → mark
}

func newMeeting(t *testing.T, room string) *meeting {
	a, url := apptest.Start(t)
	apptest.AddRoom(t, a, room, 10, "")
	video, audio, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	m := &meeting{t: t, url: url, room: room, video: video, audioMark: map[string]int{}}
	for i := range 3 {
		src := make([][]byte, len(audio))
		for j, pkt := range audio {
			src[j] = append(append([]byte(nil), pkt...), []byte(strings.Repeat("\xab", i))...)
			m.audioMark[string(src[j])] = i + 1
		}
		m.audio = append(m.audio, src)
	}
	return m
}

// width is the width in a clip's first keyframe.
func width(c *client.VideoClip) int {
	return int(binary.LittleEndian.Uint16(c.Frames[0][6:8]) & 0x3fff)
}

// media is source i's media: its marked audio and clip i.
func (m *meeting) media(i int) *client.MediaOptions {
	level := uint8(20 + 20*i)
	return &client.MediaOptions{Video: []*client.VideoClip{m.video[i]}, Audio: m.audio[i],
		AudioLevel: func() uint8 { return level }}
}

// receiver is a joined client whose received tracks are read for marks,
// keyed by what key says of each track.
type receiver struct {
	c     *client.Client
	marks *marks
}

func (m *meeting) join(ctx context.Context, opts client.Options, key func(*client.Client, *webrtc.TrackRemote, *webrtc.RTPReceiver) string) *receiver {
	m.t.Helper()
	r := &receiver{marks: &marks{m: map[string]int{}}}
	ready := make(chan struct{})
	c, err := client.Join(ctx, m.url, m.room, opts, func(t *webrtc.TrackRemote, rr *webrtc.RTPReceiver) {
		go func() {
			<-ready // Pion may start a track before Join returns
			readMarks(t, key(r.c, t, rr), r.marks, m.audioMark)
		}()
	})
	if err != nil {
		m.t.Fatalf("%s: %v", opts.Name, err)
	}
	m.t.Cleanup(c.Close)
	r.c = c
	close(ready)
	return r
}

// byMid keys a slot client's tracks by mid; byStream a legacy client's by
// publisher and kind.
func byMid(c *client.Client, _ *webrtc.TrackRemote, r *webrtc.RTPReceiver) string { return c.MidOf(r) }
func byStream(_ *client.Client, t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) string {
	return t.StreamID() + "/" + t.Kind().String()
}

// waitFor polls cond until it returns nil.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() error) {
	t.Helper()
	for {
		err := cond()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// slotsCarry checks that r's slots carry exactly want (kind+participant
// → mark) and that each slot's media shows its source's mark.
func slotsCarry(r *receiver, want map[string]int) error {
	got := 0
	for _, s := range r.c.Slots() {
		if s.TrackID == "" {
			continue
		}
		exp, ok := want[s.Kind+" "+s.ParticipantID]
		if !ok {
			return fmt.Errorf("slot %s carries %s of %q", s.Mid, s.Kind, s.ParticipantID)
		}
		if mark := r.marks.get(s.Mid); mark != exp {
			return fmt.Errorf("slot %s (%s of %s): mark %d, want %d", s.Mid, s.Kind, s.ParticipantID, mark, exp)
		}
		got++
	}
	if got != len(want) {
		return fmt.Errorf("%d slots carry something, want %d: %+v", got, len(want), r.c.Slots())
	}
	return nil
}

// videoTiles sends r's video_prefs: every known video, 320×180, except
// those of hidden participants (0×0); it returns how many are shown.
func videoTiles(ctx context.Context, r *receiver, hidden ...string) (int, error) {
	prefs := map[string][2]int{}
	shown := 0
	for _, tr := range r.c.Tracks() {
		if tr.Kind != "video" {
			continue
		}
		wh := [2]int{320, 180}
		for _, h := range hidden {
			if tr.ParticipantID == h {
				wh = [2]int{}
			}
		}
		if wh[0] > 0 {
			shown++
		}
		prefs[tr.ID] = wh
	}
	return shown, r.c.SendVideoPrefs(ctx, prefs)
}

// recvonly counts pc's recvonly transceivers by kind.
func recvonly(pc *webrtc.PeerConnection) map[string]int {
	n := map[string]int{}
	for _, tr := range pc.GetTransceivers() {
		if tr.Direction() == webrtc.RTPTransceiverDirectionRecvonly {
			n[tr.Kind().String()]++
		}
	}
	return n
}

// noClientErrors fails if c hit a protocol error (an offer from the
// server with onePC would be one).
func noClientErrors(t *testing.T, c *client.Client) {
	t.Helper()
	for _, e := range c.Events() {
		if e.Type == "client_error" || e.Type == signal.TypeError {
			t.Errorf("%s: %s", e.Type, e.Data)
		}
	}
}

// publishers joins A and B and waits until each knows the other's video
// (the server publishes a track on its first packet), so that a later
// welcome lists both.
func (m *meeting) publishers(ctx context.Context) []*receiver {
	m.t.Helper()
	var pubs []*receiver
	for i, name := range []string{"A", "B"} {
		pubs = append(pubs, m.join(ctx, client.Options{Name: name, Media: m.media(i)}, byStream))
	}
	for _, p := range pubs {
		waitFor(ctx, m.t, p.c.ID()+" knows the other video", func() error {
			if n, err := videoTiles(ctx, p); err != nil || n != 1 {
				return fmt.Errorf("%d videos, %v", n, err)
			}
			return nil
		})
	}
	return pubs
}

// Two publishers and a one-connection participant that also publishes
// (its media in its first offer): it has one PeerConnection, its slots
// (its own recvonly transceivers) carry the publishers' audio and video
// as the map says, and the others receive its media.
func TestOnePCSendsAndReceives(t *testing.T) {
	m := newMeeting(t, "one")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	pubs := m.publishers(ctx)
	one := m.join(ctx, client.Options{Name: "O", OnePC: true, Media: m.media(2)}, byMid)
	pc := one.c.PublishPC()
	if pc == nil || one.c.SubscribePC() != pc {
		t.Fatal("a one-connection client with two PeerConnections")
	}
	if v := recvonly(pc)["video"]; v != 2 {
		t.Errorf("%d video slots in the first offer, with two videos in the welcome", v)
	}

	waitFor(ctx, t, "O knows both videos", func() error {
		if n, err := videoTiles(ctx, one); err != nil || n != 2 {
			return fmt.Errorf("%d videos, %v", n, err)
		}
		return nil
	})
	want := map[string]int{}
	for i, p := range pubs {
		want["audio "+p.c.ID()] = i + 1
		want["video "+p.c.ID()] = width(m.video[i])
	}
	waitFor(ctx, t, "O's slots carry A and B", func() error { return slotsCarry(one, want) })

	// The others receive O: its marked audio and its clip.
	for _, p := range pubs {
		waitFor(ctx, t, p.c.Welcome.ParticipantID+" receives O", func() error {
			if _, err := videoTiles(ctx, p); err != nil {
				return err
			}
			a, v := p.marks.get(one.c.ID()+"/audio"), p.marks.get(one.c.ID()+"/video")
			if a != 3 || v != width(m.video[2]) {
				return fmt.Errorf("O's audio mark %d, video width %d", a, v)
			}
			return nil
		})
	}

	// One connection: its own two senders and the slots, every mapped
	// mid one of its transceivers.
	mids := map[string]bool{}
	send := 0
	for _, tr := range pc.GetTransceivers() {
		mids[tr.Mid()] = true
		if tr.Direction() == webrtc.RTPTransceiverDirectionSendonly {
			send++
		}
	}
	if n := recvonly(pc); send != 2 || n["audio"] != 3 || n["video"] != 2 {
		t.Errorf("%d sendonly, recvonly %v: want 2, 3 audio (top-N) and 2 video", send, n)
	}
	for _, s := range one.c.Slots() {
		if !mids[s.Mid] {
			t.Errorf("slot mid %s is not one of its transceivers", s.Mid)
		}
	}
	// The server may ask before it applied the first offer (it asks
	// for what it lacks then), never for more than that offer had.
	for _, e := range one.c.Events() {
		var w signal.SlotsWanted
		if e.Type == signal.TypeSlotsWanted && (json.Unmarshal(e.Data, &w) != nil || w.Audio > 3 || w.Video > 2) {
			t.Errorf("slots_wanted %s: the first offer had the slots", e.Data)
		}
	}
	noClientErrors(t, one.c)
}

// Receive slots grow on slots_wanted: a participant that publishes
// nothing joins an empty room (no video slot in its first offer), shows
// A's video, then B's too; each time the server asks for one more video
// slot, the client adds it and offers, and the new slot carries the video.
func TestOnePCSlotsWanted(t *testing.T) {
	m := newMeeting(t, "grow")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	one := m.join(ctx, client.Options{Name: "O", OnePC: true}, byMid)
	var pubs []*receiver
	for i, name := range []string{"A", "B"} {
		pubs = append(pubs, m.join(ctx, client.Options{Name: name, Media: m.media(i)}, byStream))
	}
	a, b := pubs[0].c.ID(), pubs[1].c.ID()
	want := map[string]int{"audio " + a: 1, "audio " + b: 2}
	for step, hidden := range [][]string{{b}, nil} {
		shown := step + 1
		waitFor(ctx, t, fmt.Sprintf("%d videos shown", shown), func() error {
			if n, err := videoTiles(ctx, one, hidden...); err != nil || n != shown {
				return fmt.Errorf("%d videos, %v", n, err)
			}
			return nil
		})
		want["video "+pubs[step].c.ID()] = width(m.video[step])
		waitFor(ctx, t, fmt.Sprintf("%d videos on slots", shown), func() error { return slotsCarry(one, want) })
		if n := recvonly(one.c.PublishPC())["video"]; n != shown {
			t.Errorf("%d video recvonly transceivers for %d videos", n, shown)
		}
	}
	wanted := 0
	for _, e := range one.c.Events() {
		if e.Type == signal.TypeSlotsWanted {
			wanted++
		}
	}
	if wanted < 2 {
		t.Errorf("%d slots_wanted messages, want one per new video", wanted)
	}
	noClientErrors(t, one.c)
}

// A participant whose signalling drops comes back with keepMedia and
// restarts ICE: with one connection by its own offer (no ice_restart),
// with two also by asking the server. The same PeerConnections, new ICE
// usernames, and media both ways again.
func TestReconnectKeepsMedia(t *testing.T) {
	for _, onePC := range []bool{true, false} {
		t.Run(fmt.Sprintf("onePC=%v", onePC), func(t *testing.T) { testReconnect(t, onePC) })
	}
}

func testReconnect(t *testing.T, onePC bool) {
	m := newMeeting(t, "back")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	pubs := m.publishers(ctx)
	one := m.join(ctx, client.Options{Name: "O", OnePC: onePC, Slots: true, Media: m.media(2)}, byMid)
	want := map[string]int{}
	for i, p := range pubs {
		want["audio "+p.c.ID()] = i + 1
		want["video "+p.c.ID()] = width(m.video[i])
	}
	flows := func(what string) {
		t.Helper()
		waitFor(ctx, t, what+": O's slots", func() error {
			if _, err := videoTiles(ctx, one); err != nil {
				return err
			}
			return slotsCarry(one, want)
		})
		waitFor(ctx, t, what+": A receives O", func() error {
			if _, err := videoTiles(ctx, pubs[0]); err != nil {
				return err
			}
			if v := pubs[0].marks.get(one.c.ID() + "/video"); v != width(m.video[2]) {
				return fmt.Errorf("O's video width %d", v)
			}
			return nil
		})
	}
	flows("before")
	pub, sub := one.c.PublishPC(), one.c.SubscribePC()
	ufrags := [2]string{iceUfrag(pub), iceUfrag(sub)}
	for _, r := range []*receiver{one, pubs[0]} {
		r.marks.mu.Lock()
		clear(r.marks.m)
		r.marks.mu.Unlock()
	}

	if err := one.c.Reconnect(ctx, m.url); err != nil {
		t.Fatal(err)
	}
	if _, err := one.c.WaitEvent(ctx, signal.TypeWelcome, nil); err != nil {
		t.Fatal(err)
	}
	if one.c.PublishPC() != pub || one.c.SubscribePC() != sub {
		t.Fatal("Reconnect replaced a PeerConnection")
	}
	waitFor(ctx, t, "ICE restarted", func() error {
		if u := [2]string{iceUfrag(pub), iceUfrag(sub)}; u[0] == ufrags[0] || u[1] == ufrags[1] {
			return fmt.Errorf("ICE usernames %v before and %v after", ufrags, u)
		}
		return nil
	})
	flows("after")
	noClientErrors(t, one.c)
}

// iceUfrag is the ICE username of pc's current local description.
func iceUfrag(pc *webrtc.PeerConnection) string {
	d := pc.CurrentLocalDescription()
	if d == nil {
		return ""
	}
	_, v, _ := strings.Cut(d.SDP, "a=ice-ufrag:")
	v, _, _ = strings.Cut(v, "\r\n")
	return v
}
