package e2e

import (
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
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		navigate(b, viewer, roomURL(base, "demo", fmt.Sprintf("Viewer%d", i)))
		waitJS(b, viewer, "first frame", `window.conferDebug && window.conferDebug.firstFrameAt !== null`, 20*time.Second)
		v, err := tryEval[float64](viewer, `window.conferDebug.firstFrameAt`)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, v)
		// Leave cleanly so the next load is a fresh join, not a resume.
		_, _ = tryEval[bool](viewer, `(sessionStorage.clear(), document.getElementById('btn-leave').click(), true)`)
		time.Sleep(300 * time.Millisecond)
	}
	b.StopTimer()
	sort.Float64s(ms)
	b.ReportMetric(ms[len(ms)/2], "ms-median")
	b.ReportMetric(ms[len(ms)-1], "ms-max")
	b.Logf("page open → first remote frame, ms: %v", ms)
}
