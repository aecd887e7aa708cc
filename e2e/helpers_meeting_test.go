package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/app"
)

// gesture runs JavaScript as if the user had clicked (transient
// activation), which getDisplayMedia needs.
func gesture(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Evaluate[bool](js+`, true`, chromedp.EvalAwaitPromise,
		func(p *runtime.EvaluateParams) { yes := true; p.UserGesture = &yes })); err != nil {
		t.Fatalf("gesture %q: %v", js, err)
	}
}

// useSession gives the browser of ctx the session cookie (a signed-in host).
func useSession(t *testing.T, ctx context.Context, base string, c *http.Cookie) {
	t.Helper()
	navigate(t, ctx, base+"/healthz")
	eval[bool](t, ctx, fmt.Sprintf(`document.cookie = %q, true`, c.Name+"="+c.Value+"; path=/"))
}

func joinedAll(t *testing.T, pages []context.Context, names []string) {
	t.Helper()
	for i, p := range pages {
		waitJS(t, p, names[i]+" joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	}
}

// openPages opens one tab per name (the first in browser itself) on room.
func openPages(t *testing.T, browser context.Context, base, room string, names ...string) []context.Context {
	t.Helper()
	return openPagesWith(t, browser, base, room, nil, names...)
}

// openPagesWith is openPages that first runs prepare (if not nil) on each
// new tab, before its page loads (e.g. onNewDocument).
func openPagesWith(t *testing.T, browser context.Context, base, room string, prepare func(name string, page context.Context), names ...string) []context.Context {
	t.Helper()
	pages := make([]context.Context, len(names))
	for i, name := range names {
		if i == 0 {
			pages[i] = browser
		} else {
			pages[i] = newTab(t, browser)
		}
		if prepare != nil {
			prepare(name, pages[i])
		}
		navigate(t, pages[i], roomURL(base, room, name))
		// One at a time: the join order decides who moderates (the first
		// person in a room without a lobby).
		joinedAll(t, pages[i:i+1], names[i:i+1])
	}
	return pages
}

// logMediaOnFailure prints the server's media snapshot (sfu.Snapshot) if
// the test fails: which layers each publisher sends and what each
// subscriber gets, to tell a frozen tile's cause. Call it after the
// browser is made, so that it runs while the pages are still in the room.
func logMediaOnFailure(t *testing.T, a *app.App) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		b, _ := json.Marshal(a.Engine.Snapshot())
		t.Logf("server media snapshot: %s", b)
	})
}
