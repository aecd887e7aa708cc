package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/apptest"
)

// setPacketLoss makes the page's WebRTC traffic lose pct % of its packets
// (Chromium's network emulation), or stops it with 0.
func setPacketLoss(t *testing.T, page context.Context, pct float64) {
	t.Helper()
	c, cancel := context.WithTimeout(page, 10*time.Second)
	defer cancel()
	err := chromedp.Do(c, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var rule *network.Conditions
		if pct > 0 {
			rule = &network.Conditions{PacketLoss: pct}
		}
		return emulateNetwork(ctx, tg, rule)
	}))
	if err != nil {
		t.Fatalf("packet loss %v %%: %v", pct, err)
	}
}

// emulateNetwork applies rule to all of the tab's traffic, WebRTC included
// (no throughput limit), or ends the emulation with nil.
func emulateNetwork(ctx context.Context, tg *chromedp.Target, rule *network.Conditions) error {
	var rules []*network.Conditions
	if rule != nil {
		r := *rule
		r.DownloadThroughput, r.UploadThroughput = -1, -1
		rules = []*network.Conditions{&r}
	}
	_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule,
		network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules})
	return err
}

// qualityJS: what the page shows of participant %q's connection: its
// tile's grade, whether a bars icon is visible on it, the tile's label,
// and whether the page's own "your connection is poor" banner is up.
const qualityJS = `(() => {
  const tile = document.querySelector('.tile[data-participant-id=%q]');
  const shown = tile ? [...tile.querySelectorAll('.label .quality')].filter(e => getComputedStyle(e).display !== 'none').length : 0;
  return JSON.stringify({quality: tile ? tile.dataset.quality : 'no tile', icons: shown,
    label: tile ? tile.getAttribute('aria-label') : '', banner: !document.getElementById('banner-network').hidden});
})()`

// TestPoorConnectionBadge: Bruno's browser loses a quarter of its WebRTC
// packets (set before his page opens: Chromium applies it to the sockets
// it makes afterwards). Anna's page marks his tile (a visible icon, and "poor
// connection" in its accessible name); Bruno's page tells him his own
// connection is poor and offers to turn his camera off, which he does.
// When his network recovers, the marks go away.
func TestPoorConnectionBadge(t *testing.T) {
	a, base := apptest.Start(t)
	browser := newBrowser(t)
	logMediaOnFailure(t, a)
	pages := openPages(t, browser, base, "demo", "Anna")
	bt := newTab(t, browser)
	setPacketLoss(t, bt, 25)
	navigate(t, bt, roomURL(base, "demo", "Bruno"))
	pages = append(pages, bt)
	for i, p := range pages {
		decoding(t, p, []string{"Anna", "Bruno"}[i], 1, 5)
	}
	bruno := eval[string](t, pages[1], `window.conferDebug.participantId`)
	anna := eval[string](t, pages[0], `window.conferDebug.participantId`)

	waitJS(t, pages[0], "Bruno's tile marked poor on Anna's page", fmt.Sprintf(`(() => {
	  const s = JSON.parse(%s);
	  return s.quality === 'poor' && s.icons === 1 && s.label.includes('poor connection');
	})()`, fmt.Sprintf(qualityJS, bruno)), 30*time.Second)
	waitJS(t, pages[1], "Bruno told his connection is poor, with a button to turn his camera off",
		`!document.getElementById('banner-network').hidden && !document.getElementById('btn-network-cam').hidden`, 15*time.Second)
	// Anna's network is clean: the gaps of Bruno's uplink reach her too,
	// but they are his, not hers.
	var self struct {
		Quality string `json:"quality"`
		Banner  bool   `json:"banner"`
	}
	if err := json.Unmarshal([]byte(eval[string](t, pages[0], fmt.Sprintf(qualityJS, anna))), &self); err != nil || self.Quality != "" || self.Banner {
		snap, _ := json.Marshal(a.Engine.Snapshot())
		t.Errorf("Anna's page marks her own connection: %+v %v; server: %s", self, err, snap)
	}

	// He takes the advice; Anna sees his camera go off.
	gesture(t, pages[1], `document.getElementById('btn-network-cam').click()`)
	waitJS(t, pages[0], "Bruno's camera off on Anna's page", fmt.Sprintf(
		`window.conferDebug.participants().some(p => p.id === %q && p.videoMuted)`, bruno), 15*time.Second)
	if focused := eval[string](t, pages[1], `document.activeElement.id`); focused != "btn-camera" {
		t.Errorf("after the banner's button, focus is on %q, want the camera button", focused)
	}

	setPacketLoss(t, pages[1], 0)
	waitJS(t, pages[0], "Bruno's tile unmarked after his network recovered", fmt.Sprintf(`(() => {
	  const s = JSON.parse(%s);
	  return s.quality === '' && s.icons === 0;
	})()`, fmt.Sprintf(qualityJS, bruno)), 30*time.Second)
	waitJS(t, pages[1], "Bruno's banner gone", `document.getElementById('banner-network').hidden`, 15*time.Second)
}
