package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confer-dev/confer/internal/apptest"
)

// TestPhoneControlBar: at 360×640 the meeting's bar is one row (mic,
// camera, chat, participants, More, leave); More opens a menu with the
// rest that arrows, Escape and focus return work in; at 1280 the bar is
// as before and More is gone.
func TestPhoneControlBar(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	pages := openPages(t, browser, base, "demo", "Anna", "Bruno")
	p := pages[0]
	screenshot(t, p, "phone-bar.png", 360, 640)
	rows := `(() => { const tops = new Set([...document.querySelectorAll('.controls > .ctl')]
		.filter(b => b.offsetParent).map(b => b.getBoundingClientRect().top)); return tops.size; })()`
	if n := eval[int](t, p, rows); n != 1 {
		t.Fatalf("phone bar in %d rows", n)
	}
	visible := eval[[]string](t, p, `[...document.querySelectorAll('.controls > .ctl')].filter(b => b.offsetParent).map(b => b.id)`)
	want := []string{"btn-mic", "btn-camera", "btn-chat", "btn-participants", "btn-more", "btn-leave"}
	if len(visible) != len(want) {
		t.Fatalf("visible buttons %v, want %v", visible, want)
	}
	for i := range want {
		if visible[i] != want[i] {
			t.Fatalf("visible buttons %v, want %v", visible, want)
		}
	}

	c, cancel := context.WithTimeout(p, 20*time.Second)
	defer cancel()
	eval[bool](t, p, `document.getElementById('btn-more').focus(), true`)
	keys(t, c, kb.Enter)
	waitJS(t, p, "menu open", `!document.getElementById('more-menu').hidden && document.activeElement.classList.contains('menu-item')`, 5*time.Second)
	screenshot(t, p, "phone-bar-more.png", 360, 640)
	items := eval[[]string](t, p, `[...document.querySelectorAll('#more-menu .menu-item')].map(i => i.getAttribute('role') + ':' + i.textContent)`)
	t.Logf("menu: %v", items)
	if len(items) < 5 || eval[string](t, p, `document.getElementById('btn-more').getAttribute('aria-expanded')`) != "true" {
		t.Fatalf("menu items %v", items)
	}
	keys(t, c, kb.ArrowDown, kb.ArrowDown)
	if i := eval[int](t, p, `[...document.querySelectorAll('#more-menu .menu-item')].indexOf(document.activeElement)`); i != 2 {
		t.Fatalf("after two ArrowDown focus on item %d", i)
	}
	keys(t, c, kb.Escape)
	waitJS(t, p, "menu closed, focus on More", `document.getElementById('more-menu').hidden && document.activeElement.id === 'btn-more'`, 5*time.Second)

	// An item acts as its button: raise hand.
	gesture(t, p, `document.getElementById('btn-more').click()`)
	gesture(t, p, `[...document.querySelectorAll('#more-menu .menu-item')].find(i => i.textContent === document.getElementById('btn-hand').getAttribute('aria-label')).click()`)
	waitJS(t, p, "hand raised through the menu", `document.getElementById('btn-hand').getAttribute('aria-pressed') === 'true'`, 5*time.Second)

	// Desktop: unchanged, no More.
	screenshot(t, p, "desktop-bar.png", 1280, 800)
	if eval[bool](t, p, `!!document.getElementById('btn-more').offsetParent || !document.getElementById('btn-layout').offsetParent`) {
		t.Fatal("desktop bar changed")
	}
}

func keys(t *testing.T, ctx context.Context, ks ...string) {
	t.Helper()
	for _, k := range ks {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
			t.Fatal(err)
		}
	}
}
