package e2e

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
)

// BenchmarkPageOpenToFirstFrame measures, in headless Chromium on
// loopback, the time from opening a room link (navigation start) to the
// first decoded frame of another participant's camera, as the page
// records it in conferDebug.firstFrameAt. One page publishes; each
// iteration loads a second page afresh.
//
//	go test -run '^$' -bench PageOpenToFirstFrame -benchtime 10x ./e2e/
func BenchmarkPageOpenToFirstFrame(b *testing.B) {
	_, base := apptest.Start(b)
	browser := newBrowser(b)
	navigate(b, browser, roomURL(base, "demo", "Publisher"))
	waitJS(b, browser, "publisher joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	viewer := newTab(b, browser)

	var ms []float64
	steps := map[string][]float64{} // conferDebug.marks: when each step of the join first happened
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		navigate(b, viewer, roomURL(base, "demo", fmt.Sprintf("Viewer%d", i)))
		waitJS(b, viewer, "first frame", `window.conferDebug && window.conferDebug.firstFrameAt !== null`, 20*time.Second)
		v, err := tryEval[float64](viewer, `window.conferDebug.firstFrameAt`)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, v)
		if m, err := tryEval[map[string]float64](viewer, `window.conferDebug.marks`); err == nil {
			for k, at := range m {
				steps[k] = append(steps[k], at)
			}
		}
		leaveForAFreshJoin(viewer)
	}
	b.StopTimer()
	reportMs(b, ms, "page open → first remote frame")
	logSteps(b, steps)
}

// logSteps logs the median time of each step of the join, in the order
// they happen, to show where the first frame's time goes.
func logSteps(b *testing.B, steps map[string][]float64) {
	type step struct {
		name   string
		median float64
	}
	var all []step
	for k, v := range steps {
		sort.Float64s(v)
		all = append(all, step{k, v[len(v)/2]})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].median < all[j].median })
	line := ""
	for _, s := range all {
		line += fmt.Sprintf(" %s %.0f", s.name, s.median)
	}
	b.Logf("join steps, median ms after page open:%s", line)
}

// leaveForAFreshJoin leaves cleanly, so that the next load of the page is
// a fresh join, not a resume.
func leaveForAFreshJoin(page context.Context) {
	_, _ = tryEval[bool](page, `(sessionStorage.clear(), document.getElementById('btn-leave').click(), true)`)
	time.Sleep(300 * time.Millisecond)
}

// reportMs reports the median and the maximum of ms, and logs them all.
func reportMs(b *testing.B, ms []float64, what string) {
	sort.Float64s(ms)
	b.ReportMetric(ms[len(ms)/2], "ms-median")
	b.ReportMetric(ms[len(ms)-1], "ms-max")
	b.Logf("%s, ms: %v", what, ms)
}

// BenchmarkNewcomerSeenByOthers measures the other direction: from a
// newcomer opening the room link to the first frame of its camera
// rendered on the page of someone already in the meeting. The watcher
// notes, for every tile, when its video first renders a frame received
// after the tile appeared; the newcomer's navigation start is its
// performance.timeOrigin (both wall-clock milliseconds on one machine).
//
//	go test -run '^$' -bench NewcomerSeenByOthers -benchtime 10x ./e2e/
func BenchmarkNewcomerSeenByOthers(b *testing.B) {
	_, base := apptest.Start(b)
	browser := newBrowser(b)
	navigate(b, browser, roomURL(base, "demo", "Watcher"))
	waitJS(b, browser, "watcher joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	if _, err := tryEval[bool](browser, `(() => {
		window.__seen = {};
		const watching = new WeakSet();
		window.__mapped = {};
		setInterval(() => {
			try {
				for (const sh of window.conferDebug.slots().shown) {
					if (sh.kind === 'video' && !window.__mapped[sh.participantId]) window.__mapped[sh.participantId] = performance.timeOrigin + performance.now();
				}
			} catch (e) {}
			for (const tile of document.querySelectorAll('[data-participant-id]')) {
				const id = tile.dataset.participantId, v = tile.querySelector('video');
				if (!v || watching.has(v) || window.__seen[id]) continue;
				watching.add(v);
				const since = performance.now();
				window.__tile = window.__tile || {};
				window.__tile[id] = performance.timeOrigin + since;
				const frame = (now, meta) => {
					if ((meta.receiveTime ?? now) > since) window.__seen[id] = performance.timeOrigin + now;
					else v.requestVideoFrameCallback(frame);
				};
				v.requestVideoFrameCallback(frame);
			}
		}, 5);
		return true;
	})()`); err != nil {
		b.Fatal(err)
	}
	newcomer := newTab(b, browser)

	var ms []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		navigate(b, newcomer, roomURL(base, "demo", fmt.Sprintf("Newcomer%d", i)))
		_, _ = tryEval[bool](newcomer, `(() => { const t = setInterval(() => { const p = window.conferDebug?.pcs?.() || []; if (p.some((x) => x.state === 'connected')) { window.__up = performance.now(); clearInterval(t); } }, 5); return true; })()`)
		waitJS(b, newcomer, "newcomer joined", `!!(window.conferDebug && window.conferDebug.participantId)`, 20*time.Second)
		id, err := tryEval[string](newcomer, `window.conferDebug.participantId`)
		if err != nil {
			b.Fatal(err)
		}
		opened, err := tryEval[float64](newcomer, `performance.timeOrigin`)
		if err != nil {
			b.Fatal(err)
		}
		waitJS(b, browser, "watcher sees the newcomer", fmt.Sprintf(`!!window.__seen[%q]`, id), 20*time.Second)
		seen, err := tryEval[float64](browser, fmt.Sprintf(`window.__seen[%q]`, id))
		if err != nil {
			b.Fatal(err)
		}
		tile, _ := tryEval[float64](browser, fmt.Sprintf(`window.__tile[%q]`, id))
		mapped, _ := tryEval[float64](browser, fmt.Sprintf(`window.__mapped[%q] || 0`, id))
		up, _ := tryEval[float64](newcomer, `window.__up || 0`)
		b.Logf("tile %.0f ms, newcomer connected %.0f ms, slot mapped %.0f ms, frame %.0f ms", tile-opened, up, mapped-opened, seen-opened)
		ms = append(ms, seen-opened)
		leaveForAFreshJoin(newcomer)
	}
	b.StopTimer()
	reportMs(b, ms, "newcomer's page open → its first frame on the watcher's page")
}
