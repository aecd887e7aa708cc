package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
)

// welcomeLog records the welcome messages a page receives on its
// WebSocket, read from the DevTools network events (the page is not
// asked, so nothing test-only is exposed).
type welcomeLog struct {
	mu  sync.Mutex
	all []welcomeMsg
}

type welcomeMsg struct {
	ParticipantID string `json:"participantId"`
	Resumed       bool   `json:"resumed"`
	MediaKept     bool   `json:"mediaKept"`
}

func (w *welcomeLog) list() []welcomeMsg {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]welcomeMsg(nil), w.all...)
}

func watchWelcomes(t *testing.T, page context.Context) *welcomeLog {
	ctx, cancel := context.WithCancel(page)
	t.Cleanup(cancel)
	w := &welcomeLog{}
	events := chromedp.Events(ctx, network.WebSocketFrameReceived)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			if ev.Response == nil || ev.Response.Opcode != 1 {
				continue
			}
			var m struct {
				Type string     `json:"type"`
				Data welcomeMsg `json:"data"`
			}
			if json.Unmarshal(ev.Response.PayloadData, &m) == nil && m.Type == "welcome" {
				w.mu.Lock()
				w.all = append(w.all, m.Data)
				w.mu.Unlock()
			}
		}
	}()
	return w
}

// setOffline takes the page's network away (HTTP, WebSocket and WebRTC)
// and tells the page so (navigator.onLine, offline/online events), or
// gives it back.
func setOffline(t *testing.T, page context.Context, offline bool) {
	t.Helper()
	c, cancel := context.WithTimeout(page, 10*time.Second)
	defer cancel()
	err := chromedp.Do(c, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var rule *network.Conditions
		if offline {
			rule = &network.Conditions{Offline: true}
		}
		if err := emulateNetwork(ctx, tg, rule); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState,
			network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
	if err != nil {
		t.Fatalf("set offline=%v: %v", offline, err)
	}
}

// TestReconnectShareAfterGrace: Anna shares her screen, then loses the
// network for longer than the server's reconnection grace (2 s here), so
// the server forgets her. Back online she joins again without her media
// (welcome mediaKept false): new PeerConnections, and her screen share,
// whose capture is still live, is published again. Bruno decodes her
// camera again and sees her screen on stage again.
func TestReconnectShareAfterGrace(t *testing.T) {
	a, base := apptest.StartConfig(t, func(c *config.Config) { c.ReconnectGrace = 2 * time.Second }, app.Options{})
	browser := newBrowser(t)
	pages := openPages(t, browser, base, "demo", "Anna", "Bruno")
	for i, p := range pages {
		decoding(t, p, []string{"Anna", "Bruno"}[i], 1, 5)
	}
	welcomes := watchWelcomes(t, pages[0])
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// What each side shows, for the failure report.
		for i, p := range pages {
			s, err := tryEval[string](p, `JSON.stringify({stage: window.conferDebug.stage(),
				sharing: document.getElementById('btn-share').getAttribute('aria-pressed'),
				notice: document.getElementById('banner-notice').hidden ? '' : document.getElementById('notice-text').textContent,
				tiles: [...document.querySelectorAll('#grid .tile')].map(e => e.dataset.participantId + ' ' + e.querySelector('video').videoWidth + 'x' + e.querySelector('video').videoHeight)})`)
			t.Logf("%s: %s %v", []string{"Anna", "Bruno"}[i], s, err)
			in, err := tryEval[[]inbound](p, inboundJS)
			t.Logf("%s inbound: %+v %v", []string{"Anna", "Bruno"}[i], in, err)
		}
		enc, err := tryEval[string](pages[0], `JSON.stringify(window.conferDebug.publishPC.getSenders().map(s => ({track: s.track && s.track.kind + ':' + s.track.readyState, enc: (s.getParameters().encodings || []).map(e => e.rid + '=' + e.active)})))`)
		t.Logf("Anna senders: %s %v", enc, err)
		out, err := tryEval[string](pages[0], `(async () => { const o = []; (await window.conferDebug.publishPC.getStats()).forEach(r => {
			if (r.type === 'outbound-rtp') o.push([r.kind, r.rid, r.bytesSent, r.framesSent, r.frameWidth, r.qualityLimitationReason, r.active].join(' '));
			if (r.type === 'candidate-pair' && r.nominated) o.push('pair ' + r.state + ' ' + r.availableOutgoingBitrate); }); return JSON.stringify(o); })()`)
		t.Logf("Anna outbound: %s %v", out, err)
	})
	anna := eval[string](t, pages[0], `window.conferDebug.participantId`)

	gesture(t, pages[0], `document.getElementById('btn-share').click()`)
	waitJS(t, pages[0], "Anna sharing", `document.getElementById('btn-share').getAttribute('aria-pressed') === 'true'`, 10*time.Second)
	onStage := func(pid string) string {
		return fmt.Sprintf(`(() => {
			const s = window.conferDebug.stage();
			return s.count === 1 && s.participantId === %q && s.source === 'screen' && s.width > 0
				&& !document.getElementById('stage-area').hidden;
		})()`, pid)
	}
	waitJS(t, pages[1], "Bruno sees Anna's screen on stage", onStage(anna), 20*time.Second)

	// Offline for 4 s: twice the grace.
	setOffline(t, pages[0], true)
	if st := eval[string](t, pages[0], `window.conferDebug.dropSignalling()`); st != "reconnecting" {
		t.Fatalf("after the blip Anna's page is %q, want reconnecting", st)
	}
	offlineAt := time.Now()
	waitJS(t, pages[1], "Bruno told that Anna left", fmt.Sprintf(
		`!window.conferDebug.participants().some(p => p.id === %q) && !document.querySelector('.tile[data-participant-id=%q]')`, anna, anna), 15*time.Second)
	waitJS(t, pages[1], "Anna's share off Bruno's stage", `window.conferDebug.stage().count === 0`, 5*time.Second)
	if n := a.Rooms.Count("demo"); n != 1 {
		t.Errorf("server counts %d participants while Anna is away, want 1", n)
	}
	if d := 4*time.Second - time.Since(offlineAt); d > 0 {
		time.Sleep(d)
	}
	if s := eval[string](t, pages[0], `window.conferDebug.state`); s != "reconnecting" {
		t.Fatalf("Anna is %q while offline, want reconnecting", s)
	}
	before := len(welcomes.list())
	setOffline(t, pages[0], false)

	waitJS(t, pages[0], "Anna joined again", `window.conferDebug.state === 'joined'`, 20*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for len(welcomes.list()) <= before && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	ws := welcomes.list()
	if len(ws) <= before {
		t.Fatalf("no welcome seen after going back online (%d before)", before)
	}
	w := ws[len(ws)-1]
	if w.MediaKept {
		t.Fatalf("welcome after the grace has mediaKept true: %+v", w)
	}
	again := eval[string](t, pages[0], `window.conferDebug.participantId`)
	if again != w.ParticipantID {
		t.Fatalf("page is %s, welcome said %s", again, w.ParticipantID)
	}
	t.Logf("Anna was %s, is %s after the grace (welcome %+v)", anna, again, w)

	// The capture of Chromium's fake screen is still live: the share is
	// published again, and no "share again" notice.
	if eval[bool](t, pages[0], `document.getElementById('btn-share').getAttribute('aria-pressed') === 'true'`) {
		waitJS(t, pages[1], "Bruno sees Anna's screen on stage again", onStage(again), 30*time.Second)
		if eval[bool](t, pages[0], `!document.getElementById('banner-notice').hidden && document.getElementById('notice-text').textContent.length > 0 && !document.getElementById('notice-action').hidden`) {
			t.Error("Anna's share was published again, yet a notice offers to share again")
		}
	} else {
		waitJS(t, pages[0], "Anna offered to share again", `!document.getElementById('banner-notice').hidden && !document.getElementById('notice-action').hidden`, 10*time.Second)
		waitJS(t, pages[1], "no stale share on Bruno's stage", `window.conferDebug.stage().count === 0 && document.getElementById('stage-area').hidden`, 10*time.Second)
		t.Log("the capture ended: Anna is offered to share again")
	}

	// Bruno decodes Anna's camera again (frames keep coming on her tile).
	waitJS(t, pages[1], "Bruno decodes Anna's camera again", fmt.Sprintf(`(async () => {
		const v = document.querySelector('.tile[data-participant-id=%q] video');
		if (!v || !v.videoWidth || !v.getVideoPlaybackQuality) return false;
		const n = v.getVideoPlaybackQuality().totalVideoFrames;
		await new Promise(r => setTimeout(r, 700));
		return v.getVideoPlaybackQuality().totalVideoFrames > n;
	})()`, again), 30*time.Second)
	// And Anna decodes Bruno again on her new subscribe PeerConnection.
	decoding(t, pages[0], "Anna after the grace", 1, 5)
	if n := a.Rooms.Count("demo"); n != 2 {
		t.Errorf("server counts %d participants after Anna is back, want 2", n)
	}
}
