// Package e2e drives real headless Chromium pages through real meetings on
// a real confer service. `make test` installs Chromium when it is missing.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// artifactsDir is where screenshots are saved for people to look at.
func artifactsDir(t testing.TB) string {
	dir := os.Getenv("CONFER_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func chromiumPath(t testing.TB) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("no Chromium found: run `make test`, which installs Debian's chromium, or set CHROMIUM")
	return ""
}

// newBrowser starts one headless Chromium with fake camera and microphone
// and returns a context for its first tab.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// newTab opens another tab of the browser of ctx.
func newTab(t testing.TB, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	return ctx
}

// eval runs a JavaScript expression (awaiting a promise) with a timeout.
func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := tryEval[T](ctx, js)
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}

func tryEval[T any](ctx context.Context, js string) (T, error) {
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(c, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// waitJS polls a JavaScript condition until it is true.
func waitJS(t testing.TB, ctx context.Context, what, js string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		ok, err := tryEval[bool](ctx, js)
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	state, _ := tryEval[string](ctx, `JSON.stringify({state: window.conferDebug && window.conferDebug.state, err: document.querySelector('#error') && document.querySelector('#error').dataset.code})`)
	t.Fatalf("timed out after %v waiting for %s (last error %v, page %s)", d, what, last, state)
}

func navigate(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	start := time.Now()
	if err := chromedp.Do(c, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
	t.Logf("navigate %s: %v", url, time.Since(start))
}

func screenshot(t testing.TB, ctx context.Context, name string, w, h int64) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // let the layout settle
	png, err := chromedp.Run(c, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactsDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d×%d)", path, w, h)
}

// inboundJS reports the subscribe PeerConnection's inbound streams.
const inboundJS = `(async () => {
  const pc = window.conferDebug && window.conferDebug.subscribePC;
  if (!pc) return [];
  const out = [];
  (await pc.getStats()).forEach(r => {
    if (r.type === 'inbound-rtp') out.push({kind: r.kind, frames: r.framesDecoded || 0, packets: r.packetsReceived || 0, width: r.frameWidth || 0});
  });
  return out;
})()`

type inbound struct {
	Kind    string `json:"kind"`
	Frames  int    `json:"frames"`
	Packets int    `json:"packets"`
	Width   int    `json:"width"`
}

// serverAudioStreams is how many others' audio the server forwards to a
// page at a time (the loudest; sfu's default MaxAudioStreams). With more
// others than that, which ones a page hears depends on the ranking, and
// one may never reach it.
const serverAudioStreams = 3

// decoding waits until the page decodes video from n others and receives
// audio from n of them (at most serverAudioStreams), and returns the stats.
func decoding(t testing.TB, ctx context.Context, name string, n int, minFrames int) []inbound {
	t.Helper()
	wantAudio := min(n, serverAudioStreams)
	deadline := time.Now().Add(30 * time.Second)
	var got []inbound
	for time.Now().Before(deadline) {
		s, err := tryEval[[]inbound](ctx, inboundJS)
		if err == nil {
			got = s
			video, audio := 0, 0
			for _, r := range s {
				if r.Kind == "video" && r.Frames >= minFrames {
					video++
				}
				if r.Kind == "audio" && r.Packets > 20 {
					audio++
				}
			}
			if video >= n && audio >= wantAudio {
				return s
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("%s: not decoding %d videos and receiving %d audios after 30 s: %+v", name, n, wantAudio, got)
	return nil
}

func roomURL(base, room, name string) string {
	return fmt.Sprintf("%s/r/%s?name=%s&autojoin=1", base, room, name)
}
