package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/loadtest"
)

// The server asks publishers for Opus DTX, and the load tester's
// synthetic publishers then send silence the way browsers do: one frame
// in ten instead of every 20 ms frame; someone talking sends them all.
func TestSyntheticPublisherSendsSilenceLikeDTX(t *testing.T) {
	_, url := apptest.Start(t)
	_, audio, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pub := func(name string, level uint8) *client.Publisher {
		c := join(t, url, "demo", name, nil)
		t.Cleanup(c.Close)
		p, err := c.PublishMedia(ctx, client.MediaOptions{Audio: audio, AudioLevel: func() uint8 { return level }})
		if err != nil {
			t.Fatalf("%s publishes: %v", name, err)
		}
		return p
	}
	quiet, talker := pub("quiet", 127), pub("talker", 30)
	q0, t0 := quiet.Stats.Packets.Load(), talker.Stats.Packets.Load()
	time.Sleep(2 * time.Second)
	q, tk := quiet.Stats.Packets.Load()-q0, talker.Stats.Packets.Load()-t0
	t.Logf("in 2 s: silent %d packets, talking %d", q, tk)
	if tk < 70 {
		t.Fatalf("talking publisher sent %d packets in 2 s, want about 100", tk)
	}
	if q > 25 {
		t.Fatalf("silent publisher sent %d packets in 2 s, want about 10 (DTX)", q)
	}
}
