package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
)

// A small real run (a confer server in this process, real Pion
// connections): 3 publishers × 2 subscribers with one PeerConnection each
// (the default), with two and receive slots, and with neither. Everyone
// gets the audio and video of every other publisher (3 audio slots,
// every tile visible), with no loss to speak of.
func TestRunSmallMeeting(t *testing.T) {
	if testing.Short() {
		t.Skip("real media run")
	}
	for _, mode := range []struct{ slots, onePC bool }{{true, true}, {true, false}, {false, false}} {
		slots := mode.slots
		t.Run(fmt.Sprintf("slots=%v,onePC=%v", slots, mode.onePC), func(t *testing.T) {
			a, url := apptest.Start(t)
			apptest.AddRoom(t, a, "lt", 10, "")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var out bytes.Buffer
			res, err := Run(ctx, Config{URL: url, Room: "lt", Publishers: 3, Subscribers: 2,
				Duration: 2 * time.Second, Simulcast: true, Slots: slots, OnePC: mode.onePC}, &out)
			t.Log("\n" + out.String())
			if err != nil {
				t.Fatal(err)
			}
			checkRun(t, res, slots)
			if !strings.HasSuffix(res.Line(), fmt.Sprintf(" slots=%v one_pc=%v", slots, mode.onePC)) {
				t.Errorf("RESULT line: %s", res.Line())
			}
			if mode.onePC && res.LossPct != 0 {
				t.Errorf("loss %.3f %% with one connection", res.LossPct)
			}
		})
	}
}

func checkRun(t *testing.T, res Result, slots bool) {
	t.Helper()
	if res.Joined != 5 || len(res.Received) != 5 {
		t.Fatalf("joined %d, %d receivers", res.Joined, len(res.Received))
	}
	if slots && res.SlotMaps == 0 {
		t.Error("no slot map arrived: the server ignored join.slots")
	}
	if !slots && res.SlotMaps != 0 {
		t.Errorf("%d slot maps without slots", res.SlotMaps)
	}
	// Loopback on a shared machine: allow a few late packets, not more.
	if res.LossPct > 0.5 {
		t.Errorf("loss %.3f %%", res.LossPct)
	}
	for _, r := range res.Received {
		for j := range 3 {
			pub := fmt.Sprintf("pub-%03d", j)
			if pub == r.Name {
				if r.Audio[pub]+r.Video[pub] != 0 {
					t.Errorf("%s received itself", r.Name)
				}
				continue
			}
			if r.Audio[pub] == 0 || r.Video[pub] == 0 {
				t.Errorf("%s got %d audio and %d video packets from %s (audio %v, video %v)",
					r.Name, r.Audio[pub], r.Video[pub], pub, r.Audio, r.Video)
			}
		}
		if len(r.Audio) > 3 || len(r.Video) > 3 {
			t.Errorf("%s got media from unknown sources: audio %v, video %v", r.Name, r.Audio, r.Video)
		}
	}
	if res.StageP50 <= 0 {
		t.Error("no subscriber saw the stage's video")
	}
}
