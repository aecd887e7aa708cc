package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/apptest"
)

// videoOf reports the inbound video stream showing participant pid's
// camera on the page of ctx (matched through the tile's track).
func videoOfJS(pid string) string {
	return fmt.Sprintf(`(async () => {
  const pc = window.conferDebug && window.conferDebug.subscribePC;
  const v = document.querySelector('.tile[data-participant-id=%q] video');
  const track = v && v.srcObject && v.srcObject.getVideoTracks()[0];
  if (!pc || !track) return {};
  let out = {};
  (await pc.getStats()).forEach(r => {
    if (r.type === 'inbound-rtp' && r.kind === 'video' && r.trackIdentifier === track.id)
      out = {frames: r.framesDecoded || 0, width: r.frameWidth || 0, freezes: r.freezeCount || 0,
             freezeMs: Math.round((r.totalFreezesDuration || 0) * 1000), nacks: r.nackCount || 0, lost: r.packetsLost || 0};
  });
  const b = v.getBoundingClientRect();
  out.tileW = Math.round(b.width);
  return out;
})()`, pid)
}

type videoStats struct {
	Frames  int `json:"frames"`
	Width   int `json:"width"`
	Freezes int `json:"freezes"`
	// FreezeMs: the freezes' total duration.
	FreezeMs int `json:"freezeMs"`
	NACKs    int `json:"nacks"`
	Lost     int `json:"lost"`
	TileW    int `json:"tileW"`
}

// waitWidth polls until the page decodes pid's video at a width that ok
// accepts, with frames rising, and returns the stats.
func waitWidth(t *testing.T, ctx context.Context, name, pid, want string, ok func(int) bool, d time.Duration) videoStats {
	t.Helper()
	js := videoOfJS(pid)
	deadline := time.Now().Add(d)
	var last videoStats
	for time.Now().Before(deadline) {
		s, err := tryEval[videoStats](ctx, js)
		if err == nil {
			if ok(s.Width) && s.Frames > last.Frames && last.Frames > 0 {
				return s
			}
			last = s
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s: no %s video after %v: %+v", name, want, d, last)
	return last
}

// TestSimulcastLayersInBrowsers: one browser publishes its camera as three
// simulcast layers; a viewer with a small window decodes the 320-wide
// layer, one with the speaker layout (publisher on the stage) a 640+ one,
// and switching layout or window size changes the layer with no freeze.
func TestSimulcastLayersInBrowsers(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	pub := browser
	navigate(t, pub, roomURL(base, "demo", "Pia"))
	waitJS(t, pub, "Pia joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	pid := eval[string](t, pub, `window.conferDebug.participantId`)

	small, stage := newTab(t, browser), newTab(t, browser)
	setViewport(t, small, 420, 320)
	for _, v := range []struct {
		ctx  context.Context
		name string
	}{{small, "Sam"}, {stage, "Stella"}} {
		navigate(t, v.ctx, roomURL(base, "demo", v.name))
		waitJS(t, v.ctx, v.name+" joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
		// Viewers only watch: camera and microphone off keeps the CPU for
		// the publisher's encoder and makes Pia the only speaker.
		eval[bool](t, v.ctx, `document.getElementById('btn-camera').click(), document.getElementById('btn-mic').click(), true`)
	}
	// The speaker layout, from its control-bar button.
	eval[bool](t, stage, `document.getElementById('btn-layout').click(), true`)
	waitJS(t, stage, "Pia on stage", fmt.Sprintf(
		`document.querySelector('.tile[data-participant-id=%q]')?.dataset.stage === 'true'`, pid), 20*time.Second)
	if p := eval[string](t, stage, `document.getElementById('btn-layout').getAttribute('aria-pressed')`); p != "true" {
		t.Errorf("layout button aria-pressed=%q after switching to the speaker layout", p)
	}
	if l := eval[string](t, stage, `document.getElementById('btn-layout').getAttribute('aria-label')`); l != "Speaker layout" {
		t.Errorf("layout button labelled %q", l)
	}

	low := func(w int) bool { return w > 0 && w <= 320 }
	high := func(w int) bool { return w >= 640 }
	s1 := waitWidth(t, small, "Sam (small window)", pid, "≤ 320", low, 40*time.Second)
	s2 := waitWidth(t, stage, "Stella (stage)", pid, "≥ 640", high, 60*time.Second)
	t.Logf("small tile %dpx → %dpx wide; stage tile %dpx → %dpx wide", s1.TileW, s1.Width, s2.TileW, s2.Width)
	if s2.TileW < 600 {
		t.Errorf("the stage tile is %dpx wide in a 1280px window", s2.TileW)
	}
	screenshot(t, stage, "quality-speaker-layout.png", 1280, 800)

	// Resizes: Sam's window grows and he takes the speaker layout (L);
	// Stella goes back to the grid.
	setViewport(t, small, 1280, 800)
	key(t, small, "l")
	eval[bool](t, stage, `window.conferQuality.setSpeakerLayout(false), true`)
	s3 := waitWidth(t, small, "Sam (grown)", pid, "≥ 640", high, 60*time.Second)
	s4 := waitWidth(t, stage, "Stella (grid)", pid, "< stage layer", func(w int) bool { return w > 0 && w < s2.Width }, 60*time.Second)
	t.Logf("after the switch: Sam %dpx wide, Stella %dpx wide", s3.Width, s4.Width)

	// No freeze across the switches beyond the keyframe wait: frames kept
	// coming, and the picture stood still under 1.5 s in all.
	for _, c := range []struct {
		name          string
		before, after videoStats
		ctx           context.Context
	}{{"Sam", s1, s3, small}, {"Stella", s2, s4, stage}} {
		time.Sleep(time.Second)
		now, err := tryEval[videoStats](c.ctx, videoOfJS(pid))
		if err != nil {
			t.Fatal(err)
		}
		if now.Frames <= c.after.Frames {
			t.Errorf("%s: frames stopped after the switch (%d → %d)", c.name, c.after.Frames, now.Frames)
		}
		// A switch up waits for the bigger layer's keyframe; on a slow
		// machine Chromium counts that wait as one freeze or two short
		// ones (0.3–1 s in all, for the old build too). A tile that
		// stands still longer, or stutters, fails.
		if d, ms := now.Freezes-c.before.Freezes, now.FreezeMs-c.before.FreezeMs; d > 2 || ms > 1500 {
			t.Errorf("%s: %d freezes, %d ms in all, during the layer switch", c.name, d, ms)
		}
		t.Logf("%s: freezes %d → %d (%d → %d ms), frames %d → %d, NACKs %d", c.name, c.before.Freezes, now.Freezes, c.before.FreezeMs, now.FreezeMs, c.before.Frames, now.Frames, now.NACKs)
	}
}

func setViewport(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
}

func key(t *testing.T, ctx context.Context, k string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.KeyEvent(k)); err != nil {
		t.Fatalf("key %q: %v", k, err)
	}
}
