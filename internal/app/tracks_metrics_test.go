package app_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/loadtest"
)

// TestTrackGauges: three Go clients each publish audio and video: /metrics
// shows 6 published tracks and 12 subscribed ones (each track to the two
// others), and both gauges go back to 0 when everyone has left.
func TestTrackGauges(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "tracks", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cs := joinPublishing(t, ctx, base, "tracks", "A", "B", "C")
	waitGauges(t, base, 6, 12)
	for _, c := range cs {
		c.Leave(ctx)
	}
	waitGauges(t, base, 0, 0)
}

// joinPublishing joins one Go client per name to room, each publishing
// the load tester's camera (its top layer) and microphone and draining
// what it receives.
func joinPublishing(t *testing.T, ctx context.Context, base, room string, names ...string) []*client.Client {
	t.Helper()
	video, audio, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	var cs []*client.Client
	for _, name := range names {
		c, err := client.Join(ctx, base, room, client.Options{Name: name},
			func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go drainTrack(tr) })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		if _, err := c.PublishMedia(ctx, client.MediaOptions{Video: video[2:], Audio: audio}); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return cs
}

func drainTrack(tr *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := tr.Read(buf); err != nil {
			return
		}
	}
}

var gaugeRe = regexp.MustCompile(`(?m)^confer_sfu_(published|subscribed)_tracks (\S+)$`)

func waitGauges(t *testing.T, base string, published, subscribed int) {
	t.Helper()
	want := map[string]string{"published": strconv.Itoa(published), "subscribed": strconv.Itoa(subscribed)}
	var got map[string]string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got = map[string]string{}
		for _, m := range gaugeRe.FindAllStringSubmatch(string(b), -1) {
			got[m[1]] = m[2]
		}
		if got["published"] == want["published"] && got["subscribed"] == want["subscribed"] {
			return
		}
	}
	t.Fatalf("track gauges = %v, want %v", got, want)
}
