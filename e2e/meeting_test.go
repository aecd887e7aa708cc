package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
)

// TestThreeBrowsersMeet is the product in one test: three real browsers
// open a room link, see and hear each other through the SFU, see a mute,
// and one comes back after a reload.
func TestThreeBrowsersMeet(t *testing.T) {
	a, base := apptest.Start(t)
	browser := newBrowser(t)
	names := []string{"Anna", "Bruno", "Carla"}
	pages := make([]context.Context, len(names))
	for i, name := range names {
		if i == 0 {
			pages[i] = browser
		} else {
			pages[i] = newTab(t, browser)
		}
		navigate(t, pages[i], roomURL(base, "demo", name))
	}
	for i, p := range pages {
		waitJS(t, p, names[i]+" joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	}
	for i, p := range pages {
		decoding(t, p, names[i], 2, 10)
	}
	if n := a.Rooms.Count("demo"); n != 3 {
		t.Fatalf("server counts %d participants, want 3", n)
	}
	// Chromium's subscribe connections take the SFU's direct SRTP path
	// (the pictures above were decrypted from it).
	if n := a.Engine.Stats().DirectPaths; n != 3 {
		t.Fatalf("%d subscribe connections on the direct RTP path, want 3", n)
	}
	// And their publish connections on the direct receive path: the
	// media socket's reader decrypts Chromium's simulcast RTP itself.
	// Each stream's first packets come through Pion before the path
	// takes it over, so the share grows with time: a few seconds in it
	// is about half (encoders start on a large keyframe), soon most.
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := a.Engine.Stats()
		if st.DirectReceivePaths == 3 && st.PacketsReceivedDirect >= st.PacketsReceived/2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("direct receive: %d connections (want 3), %d of %d packets",
				st.DirectReceivePaths, st.PacketsReceivedDirect, st.PacketsReceived)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Frames keep coming: decoding is live, not a single frame.
	before := decoding(t, pages[1], "Bruno", 2, 1)
	time.Sleep(time.Second)
	after := decoding(t, pages[1], "Bruno", 2, 1)
	if sumFrames(after) <= sumFrames(before) {
		t.Fatalf("frames not rising: %v → %v", before, after)
	}

	// Anna mutes her microphone; the others see it on her tile.
	anna := eval[string](t, pages[0], `window.conferDebug.participantId`)
	if err := clickMic(pages[0]); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		waitJS(t, pages[i], names[i]+" sees Anna muted",
			fmt.Sprintf(`(() => { const el = document.querySelector('.tile[data-participant-id=%q]'); return !!el && el.dataset.audioMuted === 'true'; })()`, anna), 10*time.Second)
	}

	screenshot(t, pages[0], "meeting-desktop.png", 1280, 800)
	screenshot(t, pages[0], "meeting-phone.png", 360, 640)

	// Carla reloads and is back in the same meeting within 10 s.
	carla := eval[string](t, pages[2], `window.conferDebug.participantId`)
	start := time.Now()
	rctx, cancel := context.WithTimeout(pages[2], 20*time.Second)
	defer cancel()
	if _, err := tryEval[bool](rctx, `location.reload(), true`); err != nil {
		t.Logf("reload: %v", err)
	}
	waitJS(t, pages[2], "Carla back", `window.conferDebug && window.conferDebug.state === 'joined'`, 10*time.Second)
	decoding(t, pages[2], "Carla after reload", 2, 5)
	if back := eval[string](t, pages[2], `window.conferDebug.participantId`); back != carla {
		t.Errorf("after reload Carla is %s, was %s", back, carla)
	}
	t.Logf("reload → decoding again in %v", time.Since(start).Round(100*time.Millisecond))
	if n := a.Rooms.Count("demo"); n != 3 {
		t.Fatalf("after reload the server counts %d participants, want 3", n)
	}
	// And the others see her video again.
	waitJS(t, pages[0], "Anna sees Carla's tile", fmt.Sprintf(`!!document.querySelector('.tile[data-participant-id=%q]')`, carla), 10*time.Second)
}

func clickMic(ctx context.Context) error {
	_, err := tryEval[bool](ctx, `document.getElementById('btn-mic').click(), true`)
	return err
}

func sumFrames(s []inbound) int {
	n := 0
	for _, r := range s {
		if r.Kind == "video" {
			n += r.Frames
		}
	}
	return n
}

// TestNetworkBlipReconnects drops a page's WebSocket under it, as a
// network change or a sleeping laptop would: the page reconnects on its
// own, keeps its PeerConnections (ICE restart), and stays the same person
// in the same meeting; the other side never sees it leave.
func TestNetworkBlipReconnects(t *testing.T) {
	a, base := apptest.Start(t)
	browser := newBrowser(t)
	pages := []context.Context{browser, newTab(t, browser)}
	names := []string{"Dario", "Elena"}
	for i, p := range pages {
		navigate(t, p, roomURL(base, "demo", names[i]))
		waitJS(t, p, names[i]+" joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	}
	for i, p := range pages {
		decoding(t, p, names[i], 1, 5)
	}
	id := eval[string](t, pages[0], `window.conferDebug.participantId`)
	eval[bool](t, pages[0], `(window.__pc = window.conferDebug.subscribePC, true)`)

	start := time.Now()
	if st := eval[string](t, pages[0], `window.conferDebug.dropSignalling()`); st != "reconnecting" {
		t.Fatalf("after the blip the page is %q, want reconnecting", st)
	}
	waitJS(t, pages[0], "Dario joined again", `window.conferDebug.state === 'joined'`, 10*time.Second)
	t.Logf("back in %v", time.Since(start).Round(100*time.Millisecond))
	if back := eval[string](t, pages[0], `window.conferDebug.participantId`); back != id {
		t.Fatalf("after the blip Dario is %s, was %s", back, id)
	}
	// Media kept: the same subscribe PeerConnection still decodes.
	if same := eval[bool](t, pages[0], `window.__pc === window.conferDebug.subscribePC`); !same {
		t.Error("the blip replaced the PeerConnections; they should have been kept with an ICE restart")
	}
	before := sumFrames(decoding(t, pages[0], "Dario after blip", 1, 1))
	time.Sleep(time.Second)
	if after := sumFrames(decoding(t, pages[0], "Dario after blip", 1, 1)); after <= before {
		t.Fatalf("Dario's video frozen after the blip: %d → %d frames", before, after)
	}
	if n := a.Rooms.Count("demo"); n != 2 {
		t.Fatalf("server counts %d participants after the blip, want 2", n)
	}
	left := eval[bool](t, pages[1], fmt.Sprintf(`!document.querySelector('.tile[data-participant-id=%q]')`, id))
	if left {
		t.Fatal("Elena lost Dario's tile during the blip")
	}
}
