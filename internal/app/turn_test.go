package app_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/loadtest"
	"github.com/confer-dev/confer/internal/turncred"
)

// TestMediaThroughTURNRelay: with a TURN relay configured, participants
// on a network that lets nothing out but the relay (relay-only ICE) get
// credentials in their welcome that the relay accepts, and a meeting's
// video flows through it both for a two-PeerConnection publisher and a
// one-PeerConnection receiver (the web client's kind).
func TestMediaThroughTURNRelay(t *testing.T) {
	const secret = "relay-shared-secret"
	r := apptest.StartRelay(t, secret)
	a, base := apptest.StartConfig(t, func(c *config.Config) {
		c.TURN = turncred.Config{URLs: []string{"stun:" + r.Addr, "turn:" + r.Addr + "?transport=udp"}, Secret: secret}
	}, app.Options{})
	apptest.AddRoom(t, a, "relayed", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	var video atomic.Int64
	onTrack := func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				video.Add(1)
			}
		}
	}
	b, err := client.Join(ctx, base, "relayed", client.Options{Name: "Bea", RelayOnly: true, OnePC: true}, func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go onTrack(tr, nil) })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ws := b.Welcome.ICEServers
	if len(ws) != 2 || ws[0].Username != "" || ws[1].Username == "" || !strings.HasSuffix(ws[1].Username, ":"+b.ID()) {
		t.Fatalf("welcome ICE servers: %+v", ws)
	}
	vclip, aclip, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := client.Join(ctx, base, "relayed", client.Options{Name: "Al", RelayOnly: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if _, err := pub.PublishMedia(ctx, client.MediaOptions{Video: vclip[2:], Audio: aclip}); err != nil {
		t.Fatal(err)
	}
	for video.Load() < 100 {
		// Bea shows every video in a tile, as the web client says.
		prefs := map[string][2]int{}
		for _, tr := range b.Tracks() {
			if tr.Kind == "video" {
				prefs[tr.ID] = [2]int{320, 180}
			}
		}
		if err := b.SendVideoPrefs(ctx, prefs); err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("Bea got %d video packets through the relay (relay accepted %v, sent %d datagrams; Bea %v, Al %v)",
				video.Load(), r.Users(), r.Sent(), b.PublishPC().ICEConnectionState(), pub.PublishPC().ICEConnectionState())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, pc := range []*webrtc.PeerConnection{b.PublishPC(), pub.PublishPC()} {
		if typ := selectedLocalType(pc); typ != webrtc.ICECandidateTypeRelay {
			t.Errorf("selected local candidate %v, want relay", typ)
		}
	}
	if !r.Accepted(b.ID()) || !r.Accepted(pub.ID()) {
		t.Errorf("the relay did not accept both participants' credentials: %v", r.Users())
	}
	if n, got := r.Sent(), video.Load(); n < got {
		t.Errorf("the relay sent its clients %d datagrams, fewer than Bea's %d video packets", n, got)
	}
}

func selectedLocalType(pc *webrtc.PeerConnection) webrtc.ICECandidateType {
	for _, tr := range pc.GetTransceivers() {
		if s := tr.Sender(); s != nil && s.Transport() != nil {
			if p, err := s.Transport().ICETransport().GetSelectedCandidatePair(); err == nil && p != nil {
				return p.Local.Typ
			}
		}
		if r := tr.Receiver(); r != nil && r.Transport() != nil {
			if p, err := r.Transport().ICETransport().GetSelectedCandidatePair(); err == nil && p != nil {
				return p.Local.Typ
			}
		}
	}
	return webrtc.ICECandidateTypeUnknown
}

// TestNoICEServersByDefault: without configuration the welcome carries
// none (browsers then use the server's own addresses and ICE-TCP).
func TestNoICEServersByDefault(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "plain", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Join(ctx, base, "plain", client.Options{Name: "Al"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Welcome.ICEServers != nil {
		t.Errorf("ICE servers without configuration: %+v", c.Welcome.ICEServers)
	}
}
