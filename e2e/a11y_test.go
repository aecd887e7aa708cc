package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/store"
)

// axeSource is axe-core 4.14.1 (MPL-2.0, see testdata/axe-LICENSE.txt). It
// is a test asset only: the confer binary never serves it. The tests put it
// in the page through the DevTools protocol (Runtime.evaluate), which the
// page's Content-Security-Policy does not govern.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeTags are the WCAG 2.0 and 2.1 level A and AA rules: what the law
// (Legge Stanca, EN 301 549) asks of a public body's web pages.
const axeRunJS = `(async () => {
  const r = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return r.violations.map((v) => ({
    id: v.id, impact: v.impact || '', help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.map(String).join(' '), summary: n.failureSummary || ''})),
  }));
})()`

type axeNode struct {
	Target  string `json:"target"`
	Summary string `json:"summary"`
}

type axeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []axeNode `json:"nodes"`
}

// axeCheck runs axe on the page of ctx as it is now and fails the test on
// serious or critical violations, naming the rule, its help and the
// elements. Minor and moderate ones are logged (CONFER_A11Y_ALL=1 fails
// on them too).
func axeCheck(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	loaded, err := chromedp.Run(c, chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if !loaded {
		if _, err := chromedp.Run(c, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			t.Fatalf("%s: inject axe: %v", where, err)
		}
	}
	vs, err := chromedp.Run(c, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", where, err)
	}
	// Not in axe's WCAG set: a heading on screen with nothing in it, which
	// screen readers list as a blank (1.3.1, 2.4.6).
	if empty := eval[[]string](t, ctx, `[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter((h) => h.getClientRects().length > 0 && getComputedStyle(h).visibility === 'visible' && !h.closest('[aria-hidden=true]') && h.textContent.trim() === '').map((h) => h.tagName.toLowerCase() + (h.id ? '#' + h.id : ''))`); len(empty) > 0 {
		t.Errorf("%s: empty headings on screen: %v", where, empty)
	}
	strict := os.Getenv("CONFER_A11Y_ALL") != ""
	bad := 0
	for _, v := range vs {
		serious := v.Impact == "serious" || v.Impact == "critical"
		var b strings.Builder
		fmt.Fprintf(&b, "%s: [%s] %s: %s", where, v.Impact, v.ID, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %s\n      %s", n.Target, strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
		if serious || strict {
			bad++
			t.Error(b.String())
		} else {
			t.Log(b.String())
		}
	}
	if bad == 0 {
		t.Logf("%s: axe clean (%d minor/moderate)", where, len(vs))
	}
}

// viewport resizes the tab and lets the layout settle.
func viewport(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("viewport %d×%d: %v", w, h, err)
	}
	time.Sleep(300 * time.Millisecond)
}

type size struct {
	name string
	w, h int64
}

var a11ySizes = []size{{"desktop", 1280, 800}, {"phone", 360, 640}}

// axeBoth checks the page at desktop and phone sizes.
func axeBoth(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	for _, s := range a11ySizes {
		viewport(t, ctx, s.w, s.h)
		axeCheck(t, ctx, where+" "+s.name)
		if s.w < 400 {
			noSideways(t, ctx, where+" "+s.name)
		}
	}
	viewport(t, ctx, 1280, 800)
}

// noSideways: at phone width nothing makes the page scroll sideways
// (WCAG 1.4.10 reflow), which axe does not check.
func noSideways(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	wide := eval[[]string](t, ctx, `(() => {
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= vw + 1) return [];
  return [...document.querySelectorAll('body *')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > vw + 1 && getComputedStyle(e).position !== 'fixed' && !e.closest('.sr-only');
  }).slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') + ' right=' + Math.round(e.getBoundingClientRect().right));
})()`)
	if len(wide) > 0 {
		t.Errorf("%s: the page scrolls sideways at %d px: %v", where, eval[int](t, ctx, `document.documentElement.clientWidth`), wide)
	}
}

func setLang(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(localStorage.setItem('confer.lang', %q), true)`, lang))
}

const (
	prejoinReady = `window.conferDebug && window.conferDebug.state === 'prejoin' && !document.getElementById('screen-prejoin').hidden && document.getElementById('btn-join').textContent !== '' && document.getElementById('select-mic').options.length > 0`
	errorReady   = `(() => { const e = document.getElementById('error'); return !!e && !e.hidden && e.dataset.code === 'room_not_found' && document.getElementById('error-title').textContent !== ''; })()`
	landingReady = `document.getElementById('btn-go') && document.getElementById('btn-go').textContent !== ''`
	loginReady   = `!!document.querySelector('#login-form') && document.querySelector('#btn-login').textContent !== ''`
)

// focusWalk presses Tab up to n times from the top of the page and fails
// on any stop without a visible focus indicator (2.4.7). It returns the
// ids (or tag names) of the stops in order.
func focusWalk(t *testing.T, ctx context.Context, where string, n int) []string {
	t.Helper()
	eval[bool](t, ctx, `(document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), true)`)
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.MouseClickXY(2, 2)); err != nil {
		t.Fatal(err)
	}
	var stops []string
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		f := pressTab(t, ctx)
		if f.ID == "" {
			continue
		}
		key := f.ID + "@" + eval[string](t, ctx, `(() => { const r = document.activeElement.getBoundingClientRect(); return Math.round(r.x + scrollX) + ',' + Math.round(r.y + scrollY); })()`)
		if seen[key] {
			break
		}
		seen[key] = true
		stops = append(stops, f.ID)
		if !f.Visible {
			t.Errorf("%s: %s has focus with no visible indicator (outline %s, box-shadow %s)", where, f.ID, f.Outline, f.Shadow)
		}
	}
	if len(stops) == 0 {
		t.Errorf("%s: Tab reaches nothing", where)
	}
	return stops
}

// TestA11yPublicPages: the pages anyone reaches with a link, in English at
// both sizes and in Italian.
func TestA11yPublicPages(t *testing.T) {
	_, base := apptest.Start(t)
	ctx := newBrowser(t)
	pages := []struct{ name, path, ready, title string }{
		{"landing", "/", landingReady, "confer"},
		{"pre-join", "/r/demo", prejoinReady, "Demo room – confer"},
		{"room_not_found", "/r/no-such-room", errorReady, "Room not found – confer"},
		{"login", "/login", loginReady, "Sign in – confer"},
		{"sign-up", "/signup", `document.querySelector('main h1').textContent !== '' && !document.getElementById('status').hidden`, ""},
		{"password reset", "/reset", `document.querySelector('main h1').textContent !== ''`, ""},
	}
	for _, lang := range []string{"en", "it"} {
		navigate(t, ctx, base+"/healthz")
		setLang(t, ctx, lang)
		for _, p := range pages {
			navigate(t, ctx, base+p.path)
			waitJS(t, ctx, p.name, p.ready, 15*time.Second)
			waitJS(t, ctx, p.name+" in "+lang, fmt.Sprintf(`document.documentElement.lang === %q`, lang), 5*time.Second)
			axeBoth(t, ctx, p.name+" ("+lang+")")
			title := eval[string](t, ctx, `document.title`)
			if p.title != "" && lang == "en" && title != p.title || !strings.HasSuffix(title, "confer") || p.path != "/" && len(title) < len("x – confer") {
				t.Errorf("%s (%s): page title %q, want %q (2.4.2)", p.name, lang, title, p.title)
			}
			if lang == "en" {
				t.Logf("%s Tab stops: %v", p.name, focusWalk(t, ctx, p.name, 25))
			}
		}
	}
	// A failed sign-in: the message has the focus and is read out.
	navigate(t, ctx, base+"/login")
	waitJS(t, ctx, "login", loginReady, 10*time.Second)
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c,
		chromedp.SendKeys(chromedp.CSS("#email"), "nobody@demo.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), "not the password 1"),
		chromedp.KeyEvent("\r"),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "error message focused", `!document.getElementById('status').hidden && document.activeElement.id === 'status' && document.getElementById('status').textContent !== ''`, 15*time.Second)
	axeBoth(t, ctx, "login, wrong password (it)")
}

// TestA11yErrorScreens: the other screens a link can end on, and the
// pre-join page asking for a PIN after a wrong one.
func TestA11yErrorScreens(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "locked", 10, "2468")
	apptest.AddRoom(t, a, "tiny", 1, "")
	if _, err := a.Directory.CreateRoom(context.Background(), store.Room{OrgSlug: "demo", Slug: "board", Title: "Board", Capacity: 10}); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	navigate(t, ctx, base+"/healthz")
	setLang(t, ctx, "en")
	other := newTab(t, ctx)
	navigate(t, other, roomURL(base, "tiny", "Occupante"))
	waitJS(t, other, "the tiny room is full", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	for _, c := range []struct{ url, code string }{
		{base + "/r/tiny?name=Ugo&autojoin=1", "room_full"},
		{base + "/r/board?name=Ugo&autojoin=1", "sign_in_required"},
	} {
		navigate(t, ctx, c.url)
		waitJS(t, ctx, c.code+" screen", `(() => { const e = document.getElementById('error'); return !!e && !e.hidden && e.dataset.code === '`+c.code+`' && document.getElementById('error-title').textContent !== ''; })()`, 15*time.Second)
		axeBoth(t, ctx, c.code)
	}
	navigate(t, ctx, base+"/r/locked?name=Ugo&autojoin=1&pin=0000")
	waitJS(t, ctx, "wrong_pin screen", `(() => { const e = document.getElementById('error'); return !!e && !e.hidden && e.dataset.code === 'wrong_pin'; })()`, 15*time.Second)
	axeCheck(t, ctx, "wrong_pin desktop")
	navigate(t, ctx, base+"/r/locked")
	waitJS(t, ctx, "PIN field", prejoinReady+` && !document.getElementById('pin-field').hidden`, 15*time.Second)
	eval[bool](t, ctx, `(document.getElementById('input-name').value = 'Ugo', document.getElementById('input-pin').value = '0000', document.getElementById('prejoin-form').requestSubmit(), true)`)
	waitJS(t, ctx, "wrong_pin screen again", `(() => { const e = document.getElementById('error'); return !!e && !e.hidden && e.dataset.code === 'wrong_pin'; })()`, 15*time.Second)
	eval[bool](t, ctx, `(document.querySelector('#error-actions button').click(), true)`)
	waitJS(t, ctx, "PIN asked again", `!document.getElementById('screen-prejoin').hidden && !document.getElementById('pin-field').hidden && !document.getElementById('pin-error').hidden`, 15*time.Second)
	if inv := eval[string](t, ctx, `document.getElementById('input-pin').getAttribute('aria-invalid') || ''`); inv != "true" {
		t.Errorf("wrong PIN: the field has aria-invalid=%q", inv)
	}
	axeBoth(t, ctx, "pre-join, wrong PIN")
	// An empty name: the error is tied to the field.
	eval[bool](t, ctx, `(document.getElementById('input-name').value = '', document.getElementById('prejoin-form').requestSubmit(), true)`)
	waitJS(t, ctx, "name error", `!document.getElementById('name-error').hidden && document.activeElement.id === 'input-name' && document.getElementById('input-name').getAttribute('aria-invalid') === 'true'`, 5*time.Second)
	axeCheck(t, ctx, "pre-join, empty name desktop")
}

// TestA11yAxeSeesViolations guards against a vacuous pass: axe, injected
// the same way, finds a nameless button and grey-on-grey text planted in
// the landing page, and checks a reasonable number of rules at all.
func TestA11yAxeSeesViolations(t *testing.T) {
	_, base := apptest.Start(t)
	ctx := newBrowser(t)
	navigate(t, ctx, base+"/")
	waitJS(t, ctx, "landing", landingReady, 15*time.Second)
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		t.Fatalf("inject axe under the page's CSP: %v", err)
	}
	// The DOM is changed from DevTools, not by a script of the page.
	eval[bool](t, ctx, `(() => {
  const b = document.createElement('button'); b.id = 'planted-button'; document.querySelector('main').append(b);
  const p = document.createElement('p'); p.id = 'planted-text'; p.textContent = 'faint text';
  p.style.color = '#333'; p.style.background = '#222'; document.querySelector('main').append(p);
  return true;
})()`)
	got := eval[map[string]int](t, ctx, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then((r) => {
  const out = {passes: r.passes.length};
  r.violations.forEach((v) => { out[v.id] = v.nodes.length; });
  return out;
})`)
	t.Logf("axe on a planted page: %v", got)
	if got["button-name"] == 0 || got["color-contrast"] == 0 || got["passes"] < 5 {
		t.Fatalf("axe did not find the planted violations: %v", got)
	}
}

// TestA11yLobby: a guest waits in the lobby; the signed-in host is told
// and sees the lobby in the participants panel; the host admits the guest,
// hard-mutes the guest's microphone (whose button keeps a visible focus
// indicator), and the guest leaves.
func TestA11yLobby(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoomWith(t, a, store.Room{Slug: "sala", Lobby: true})
	cookie := apptest.SignInHost(t, a, base, "sala", "Dottoressa Rossi")
	host := newBrowser(t)
	useSession(t, host, base, cookie)
	setLang(t, host, "en")
	navigate(t, host, roomURL(base, "sala", "Rossi"))
	waitJS(t, host, "host joined", `window.conferDebug && window.conferDebug.state === 'joined' && window.conferDebug.role() === 'host'`, 20*time.Second)

	guest := newBrowser(t)
	navigate(t, guest, base+"/healthz")
	setLang(t, guest, "it")
	navigate(t, guest, roomURL(base, "sala", "Gino"))
	waitJS(t, guest, "lobby waiting screen (it)", `window.conferDebug && window.conferDebug.state === 'waiting' && !document.getElementById('screen-lobby').hidden && document.documentElement.lang === 'it'`, 20*time.Second)
	viewport(t, guest, 360, 640)
	axeCheck(t, guest, "lobby (it) phone")
	setLang(t, guest, "en")
	navigate(t, guest, roomURL(base, "sala", "Gino"))
	waitJS(t, guest, "lobby waiting screen", `window.conferDebug && window.conferDebug.state === 'waiting' && !document.getElementById('screen-lobby').hidden && document.documentElement.lang === 'en'`, 20*time.Second)
	axeBoth(t, guest, "lobby (en)")

	waitJS(t, host, "host notified", `window.conferDebug.lobby().length >= 1 && !document.getElementById('banner-notice').hidden`, 10*time.Second)
	axeCheck(t, host, "host with lobby notice desktop")
	click(t, host, "btn-participants")
	waitJS(t, host, "lobby in the panel", visible("lobby-box")+` && !!document.querySelector('[data-admit]')`, 5*time.Second)
	axeBoth(t, host, "host participants panel with lobby")

	gesture(t, host, `document.querySelector('[data-admit]').click()`)
	waitJS(t, guest, "guest admitted", `window.conferDebug.state === 'joined'`, 15*time.Second)
	gino := eval[string](t, guest, `window.conferDebug.participantId`)
	waitJS(t, host, "hard mute offered", fmt.Sprintf(`!!document.querySelector('[data-mod="hardMute"][data-target=%q]')`, gino), 10*time.Second)
	axeCheck(t, host, "host participants panel with a guest desktop")
	gesture(t, host, fmt.Sprintf(`document.querySelector('[data-mod="hardMute"][data-target=%q]').click()`, gino))
	waitJS(t, guest, "guest hard-muted", `document.getElementById('btn-mic').dataset.hardMuted === 'true'`, 10*time.Second)
	axeCheck(t, guest, "guest hard-muted desktop")
	eval[bool](t, guest, `(document.activeElement && document.activeElement.blur(), true)`)
	var f focusInfo
	for i := 0; i < 40 && f.ID != "btn-mic"; i++ {
		f = pressTab(t, guest)
	}
	if f.ID != "btn-mic" {
		t.Fatal("Tab never reaches the hard-muted microphone button")
	}
	if !strings.Contains(f.Outline, "solid") || !strings.Contains(f.Outline, "rgb(255, 204, 0)") {
		t.Errorf("the hard-muted microphone button's focus indicator is %q, want the solid focus colour", f.Outline)
	}

	click(t, guest, "btn-leave")
	waitJS(t, guest, "left screen", visible("screen-left")+` && document.getElementById('left-title').textContent !== ''`, 10*time.Second)
	axeBoth(t, guest, "left the meeting")
}

func click(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(document.getElementById(%q).click(), true)`, id))
}

func visible(id string) string {
	return fmt.Sprintf(`(() => { const e = document.getElementById(%q); return !!e && !e.hidden && e.getClientRects().length > 0; })()`, id)
}

// TestA11yMeeting: the meeting with two people, then with each panel and
// the settings dialog open, at both sizes; then the keyboard.
func TestA11yMeeting(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	navigate(t, browser, base+"/healthz")
	setLang(t, browser, "en")
	// Anna joins first and records what her live region says, which is
	// what a screen reader announces.
	anna := browser
	navigate(t, anna, roomURL(base, "demo", "Anna"))
	waitJS(t, anna, "Anna joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	eval[bool](t, anna, `(() => {
		window.liveSaid = [];
		const live = document.getElementById('live');
		new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => window.liveSaid.push(n.textContent)))).observe(live, {childList: true});
		return live.getAttribute('aria-live') === 'polite';
	})()`)
	pages := []context.Context{anna, newTab(t, browser)}
	navigate(t, pages[1], roomURL(base, "demo", "Bruno"))
	joinedAll(t, pages, []string{"Anna", "Bruno"})
	waitJS(t, anna, "Bruno's arrival announced", `window.liveSaid.some((s) => s.includes('Bruno'))`, 10*time.Second)
	waitJS(t, anna, "Bruno's tile", `document.querySelectorAll('#grid .tile').length === 2`, 15*time.Second)
	axeBoth(t, anna, "meeting")
	// WCAG 1.4.10 measures at 320 CSS px (400 % zoom): the bar still fits.
	viewport(t, anna, 320, 568)
	noSideways(t, anna, "meeting 320")
	viewport(t, anna, 1280, 800)

	// Something in the chat and the files panel: a public and a private
	// message, a shared file.
	gesture(t, pages[1], `(() => {
		document.getElementById('chat-input').value = 'Ordine del giorno: https://example.org/odg';
		document.getElementById('chat-form').requestSubmit();
	})()`)
	waitJS(t, anna, "Anna gets the message", `document.querySelectorAll('#chat-list li').length > 0`, 10*time.Second)
	waitJS(t, anna, "the message announced", `window.liveSaid.some((s) => s.includes('Ordine del giorno'))`, 5*time.Second)
	waitJS(t, anna, "unread badge", visible("chat-unread"), 5*time.Second)
	axeCheck(t, anna, "meeting with unread chat desktop")
	doc := filepath.Join(t.TempDir(), "verbale.txt")
	if err := os.WriteFile(doc, []byte("verbale della seduta\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uc, ucancel := context.WithTimeout(pages[1], 20*time.Second)
	defer ucancel()
	if err := chromedp.Do(uc, chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{doc})); err != nil {
		t.Fatalf("upload: %v", err)
	}
	waitJS(t, anna, "the file listed", `[...document.querySelectorAll('#file-list .file-name')].some((e) => e.textContent === 'verbale.txt')`, 15*time.Second)

	for _, s := range a11ySizes {
		viewport(t, anna, s.w, s.h)
		for _, p := range []struct{ button, panel string }{
			{"btn-chat", "panel-chat"}, {"btn-participants", "panel-participants"}, {"btn-files", "panel-files"},
		} {
			click(t, anna, p.button)
			waitJS(t, anna, p.panel+" open", visible(p.panel), 5*time.Second)
			axeCheck(t, anna, "meeting with "+p.panel+" "+s.name)
			click(t, anna, p.button)
			waitJS(t, anna, p.panel+" closed", `!(`+visible(p.panel)+`)`, 5*time.Second)
		}
		// S opens the settings, Esc closes them and gives the focus back to
		// the settings button, so the shortcuts work again.
		eval[bool](t, anna, `(document.activeElement && document.activeElement.blur(), true)`)
		pressKey(t, anna, "s")
		waitJS(t, anna, "settings dialog", `document.getElementById('dlg-settings').open`, 5*time.Second)
		axeCheck(t, anna, "meeting settings dialog "+s.name)
		pressKey(t, anna, "\x1b")
		if s.name == "desktop" {
			waitJS(t, anna, "settings closed, focus on their button", `!document.getElementById('dlg-settings').open && document.activeElement.id === 'btn-settings'`, 5*time.Second)
		} else { // the button is in the More menu: the focus leaves the dialog
			waitJS(t, anna, "settings closed, focus out of them", `!document.getElementById('dlg-settings').open && !document.getElementById('dlg-settings').contains(document.activeElement)`, 5*time.Second)
			click(t, anna, "btn-more")
			waitJS(t, anna, "More menu", visible("more-menu"), 5*time.Second)
			axeCheck(t, anna, "meeting More menu "+s.name)
			pressKey(t, anna, "\x1b")
			waitJS(t, anna, "More menu closed", `!(`+visible("more-menu")+`)`, 5*time.Second)
		}
		if s.name == "desktop" {
			pressKey(t, anna, "?")
			waitJS(t, anna, "help dialog", `document.getElementById('dlg-help').open`, 5*time.Second)
			axeCheck(t, anna, "meeting help dialog "+s.name)
			pressKey(t, anna, "\x1b")
			waitJS(t, anna, "help dialog closed", `!document.getElementById('dlg-help').open && document.activeElement.id === 'btn-help'`, 5*time.Second)
		}
	}
	viewport(t, anna, 1280, 800)

	// Anna shares her screen: Bruno sees it on the stage, with tabs.
	gesture(t, anna, `document.getElementById('btn-share').click()`)
	waitJS(t, pages[1], "Bruno sees the stage", `window.conferDebug.stage().count === 1 && !document.getElementById('stage-area').hidden`, 20*time.Second)
	axeBoth(t, pages[1], "meeting with a shared screen on stage")
	// ARIA tabs: the selected tab is the row's Tab stop and names the panel.
	if ok := eval[bool](t, pages[1], `(() => {
		const tab = document.querySelector('#stage-tabs [role=tab][aria-selected=true]');
		const panel = document.getElementById('stage-view');
		return !!tab && tab.tabIndex === 0 && tab.getAttribute('aria-controls') === 'stage-view'
			&& panel.getAttribute('role') === 'tabpanel' && panel.getAttribute('aria-labelledby') === tab.id;
	})()`); !ok {
		t.Error("stage tabs do not follow the ARIA tabs pattern")
	}
	gesture(t, anna, `document.getElementById('btn-share').click()`)
	waitJS(t, pages[1], "stage gone", `document.getElementById('stage-area').hidden`, 15*time.Second)

	// Italian, once, with the chat open.
	setLang(t, pages[1], "it")
	eval[bool](t, pages[1], `(location.reload(), true)`)
	waitJS(t, pages[1], "Bruno back in Italian", `window.conferDebug && window.conferDebug.state === 'joined' && document.documentElement.lang === 'it'`, 20*time.Second)
	click(t, pages[1], "btn-chat")
	waitJS(t, pages[1], "chat open", visible("panel-chat"), 5*time.Second)
	axeCheck(t, pages[1], "meeting with chat (it) desktop")
	// With the chat open its list speaks; #live must not repeat the message.
	eval[bool](t, anna, `(window.liveSaid = [], true)`)
	click(t, anna, "btn-chat")
	waitJS(t, anna, "Anna's chat open", visible("panel-chat"), 5*time.Second)
	gesture(t, pages[1], `(() => {
		document.getElementById('chat-input').value = 'Seconda domanda';
		document.getElementById('chat-form').requestSubmit();
	})()`)
	waitJS(t, anna, "Anna's list shows it", `document.getElementById('chat-list').textContent.includes('Seconda domanda') && document.getElementById('chat-list').getAttribute('aria-live') === 'polite'`, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if said := eval[[]string](t, anna, `window.liveSaid`); len(said) > 0 {
		t.Errorf("with the chat open #live repeats the message: %v", said)
	}
	click(t, anna, "btn-chat")

	meetingKeyboard(t, anna)
	t.Logf("Anna's live region said: %v", eval[[]string](t, anna, `window.liveSaid`))
}

// TestA11yAdmin: the signed-in administration pages for the platform
// administrator, then "my rooms" for a host.
func TestA11yAdmin(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddOrg(t, a, "comune", "Comune di Prova")
	if _, err := a.Directory.CreateRoom(context.Background(), store.Room{OrgSlug: "comune", Slug: "giunta", Title: "Giunta comunale", PIN: "2468", Lobby: true}); err != nil {
		t.Fatal(err)
	}
	apptest.AddAccount(t, a, "sindaco@comune.example", "comune", store.RoleHost, "host password 2026")
	apptest.AddHost(t, a, "giunta", "sindaco@comune.example", store.RoomRoleHost)

	ctx := newBrowser(t)
	setLangEN(t, ctx, base)
	signIn(t, ctx, base, a.Bootstrap.AdminEmail, a.Bootstrap.AdminPassword, "/admin")
	for _, s := range []string{"orgs", "accounts", "all-rooms", "import", "live", "profile", "rooms"} {
		navigate(t, ctx, base+"/admin#/"+s)
		waitJS(t, ctx, s+" section", `!!document.querySelector('#view h1') && !document.querySelector('#view .loading')`, 10*time.Second)
		time.Sleep(300 * time.Millisecond) // lists fill in
		axeBoth(t, ctx, "admin "+s)
		focusWalk(t, ctx, "admin "+s, 40)
	}
	// The first Tab on a fresh page reaches the skip link, which shows
	// itself; Enter on it moves the focus to the main content (2.4.1).
	navigate(t, ctx, base+"/admin#/orgs")
	eval[bool](t, ctx, `(location.reload(), true)`)
	time.Sleep(500 * time.Millisecond)
	waitJS(t, ctx, "orgs section", `!!document.querySelector('#view h1') && !!document.querySelector('[data-delete]')`, 10*time.Second)
	if f := pressTab(t, ctx); f.ID != "a" || !f.Visible || !eval[bool](t, ctx, `document.activeElement.classList.contains('skip') && document.activeElement.getBoundingClientRect().top >= 0`) {
		t.Errorf("first Tab on an admin page: %+v, want the visible skip link", f)
	}
	pressKey(t, ctx, "\r")
	waitJS(t, ctx, "skip link moves the focus to main", `document.activeElement.id === 'main'`, 5*time.Second)

	// The account edit form and the delete-organisation dialog.
	navigate(t, ctx, base+"/admin#/accounts")
	waitJS(t, ctx, "accounts list", `!!document.querySelector('[data-edit]')`, 10*time.Second)
	eval[bool](t, ctx, `(document.querySelector('[data-edit]').click(), true)`)
	waitJS(t, ctx, "account edit form", `!!document.querySelector('form.account-edit')`, 5*time.Second)
	axeBoth(t, ctx, "admin account edit form")
	navigate(t, ctx, base+"/admin#/orgs")
	waitJS(t, ctx, "orgs list", `!!document.querySelector('[data-delete="comune"]')`, 10*time.Second)
	eval[bool](t, ctx, `(document.querySelector('[data-delete="comune"]').click(), true)`)
	waitJS(t, ctx, "delete dialog", `!!document.querySelector('dialog[open]')`, 5*time.Second)
	axeBoth(t, ctx, "admin delete-organisation dialog")
	pressKey(t, ctx, "\x1b")
	waitJS(t, ctx, "dialog closed", `!document.querySelector('dialog[open]')`, 5*time.Second)
	navigate(t, ctx, base+"/admin/usage")
	waitJS(t, ctx, "usage page", `document.querySelector('h1').textContent !== '' && document.querySelectorAll('#totals dt').length > 0`, 15*time.Second)
	time.Sleep(500 * time.Millisecond)
	axeBoth(t, ctx, "admin usage")
	focusWalk(t, ctx, "admin usage", 40)
	setLang(t, ctx, "it")
	navigate(t, ctx, base+"/admin/usage")
	waitJS(t, ctx, "usage page (it)", `document.documentElement.lang === 'it' && document.querySelectorAll('#totals dt').length > 0`, 15*time.Second)
	viewport(t, ctx, 360, 640)
	axeCheck(t, ctx, "admin usage (it) phone")
	topShot(t, ctx, "a11y-usage-phone-it.png", 360, 640)
	viewport(t, ctx, 1280, 800)

	// The host, in a second browser so the sessions stay apart.
	host := newBrowser(t)
	setLangEN(t, host, base)
	signIn(t, host, base, "sindaco@comune.example", "host password 2026", "/account")
	waitJS(t, host, "my rooms", `[...document.querySelectorAll('a.room-link')].some((a) => a.href === location.origin + '/r/giunta')`, 10*time.Second)
	axeBoth(t, host, "host my rooms")
	focusWalk(t, host, "host my rooms", 40)
	// Saving the room with the keyboard keeps the focus on Save (the card
	// is redrawn with the new version).
	eval[bool](t, host, `(document.querySelector('.room-form [type=submit]').focus(), true)`)
	pressKey(t, host, "\r")
	waitJS(t, host, "saved, focus kept", `document.getElementById('status').textContent !== '' && document.activeElement.matches('.room-form [type=submit]')`, 10*time.Second)
	setLang(t, host, "it")
	eval[bool](t, host, `(location.reload(), true)`)
	waitJS(t, host, "my rooms (it)", `!!document.querySelector('#view h1') && document.querySelector('#view h1').textContent === 'Le mie stanze' && !!document.querySelector('a.room-link')`, 10*time.Second)
	viewport(t, host, 360, 640)
	axeCheck(t, host, "host my rooms (it) phone")
}

// focusInfo describes document.activeElement after a key press.
type focusInfo struct {
	ID      string `json:"id"`
	InBar   bool   `json:"inBar"`
	Outline string `json:"outline"`
	Shadow  string `json:"shadow"`
	Visible bool   `json:"visible"`
}

const focusJS = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {id: '', inBar: false, outline: '', shadow: '', visible: false};
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 ? s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor : 'none';
  return {id: e.id || e.tagName.toLowerCase(), inBar: !!e.closest('.controls'), outline, shadow: s.boxShadow,
    visible: outline !== 'none' || (s.boxShadow && s.boxShadow !== 'none')};
})()`

func pressTab(t *testing.T, ctx context.Context) focusInfo {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.KeyEvent("\t")); err != nil {
		t.Fatalf("Tab: %v", err)
	}
	return eval[focusInfo](t, ctx, focusJS)
}

func pressKey(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("key %q: %v", key, err)
	}
}

// TestA11yKeyboardPrejoin: from the top of the pre-join page Tab reaches
// the microphone and camera toggles, the name field and Join, in the
// order they are on screen, each with a visible focus indicator.
func TestA11yKeyboardPrejoin(t *testing.T) {
	_, base := apptest.Start(t)
	ctx := newBrowser(t)
	navigate(t, ctx, base+"/healthz")
	setLang(t, ctx, "en")
	navigate(t, ctx, base+"/r/demo")
	waitJS(t, ctx, "pre-join", prejoinReady, 15*time.Second)
	// The name field has the focus when it is empty; a click on the top
	// bar's text moves the start of sequential navigation to the top.
	if f := eval[string](t, ctx, `document.activeElement.id`); f != "input-name" {
		t.Errorf("an empty name field should have the focus, %q has it", f)
	}
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS(".topbar .brand"))); err != nil {
		t.Fatal(err)
	}
	var order []string
	pos := map[string]int{}
	for i := 0; i < 12; i++ {
		f := pressTab(t, ctx)
		if f.ID == "" {
			continue
		}
		if _, seen := pos[f.ID]; seen {
			break
		}
		pos[f.ID] = len(order)
		order = append(order, f.ID)
		if !f.Visible {
			t.Errorf("pre-join: %s has focus with no visible indicator (outline %s, box-shadow %s)", f.ID, f.Outline, f.Shadow)
		}
		if f.ID == "btn-join" {
			break
		}
	}
	t.Logf("pre-join Tab order: %s", strings.Join(order, " → "))
	for _, id := range []string{"pre-mic", "pre-camera", "input-name", "btn-join"} {
		if _, ok := pos[id]; !ok {
			t.Fatalf("Tab never reaches #%s (order %v)", id, order)
		}
	}
	if !(pos["pre-mic"] < pos["pre-camera"] && pos["input-name"] < pos["btn-join"] && pos["pre-camera"] < pos["btn-join"]) {
		t.Errorf("pre-join Tab order is not the screen order: %v", order)
	}
	// Enter on the focused Join button joins.
	eval[bool](t, ctx, `(document.getElementById('input-name').value = 'Tastiera', document.getElementById('btn-join').focus(), true)`)
	pressKey(t, ctx, "\r")
	waitJS(t, ctx, "joined with the keyboard", `window.conferDebug.state === 'joined'`, 20*time.Second)
}

// meetingKeyboard: M and V toggle microphone and camera; Tab reaches
// every control of the bar, each with a visible focus indicator.
func meetingKeyboard(t *testing.T, ctx context.Context) {
	t.Helper()
	eval[bool](t, ctx, `(document.activeElement && document.activeElement.blur(), true)`)
	for _, k := range []struct{ key, id string }{{"m", "btn-mic"}, {"v", "btn-camera"}} {
		get := fmt.Sprintf(`document.getElementById(%q).getAttribute('aria-pressed')`, k.id)
		before := eval[string](t, ctx, get)
		pressKey(t, ctx, k.key)
		waitJS(t, ctx, k.key+" toggles #"+k.id, get+` !== `+fmt.Sprintf("%q", before), 5*time.Second)
		pressKey(t, ctx, k.key)
		waitJS(t, ctx, k.key+" toggles #"+k.id+" back", get+` === `+fmt.Sprintf("%q", before), 5*time.Second)
	}
	// The single-key shortcuts can be turned off in the settings (2.1.4).
	eval[bool](t, ctx, `(document.getElementById('set-shortcuts').click(), true)`)
	pressKey(t, ctx, "m")
	time.Sleep(300 * time.Millisecond)
	if got := eval[string](t, ctx, `document.getElementById('btn-mic').getAttribute('aria-pressed')`); got != "false" {
		t.Errorf("M still toggles the microphone with shortcuts off (aria-pressed %s)", got)
	}
	eval[bool](t, ctx, `(document.getElementById('set-shortcuts').click(), true)`)

	want := eval[[]string](t, ctx, `[...document.querySelectorAll('.controls button')].filter((b) => !b.disabled && b.getClientRects().length > 0).map((b) => b.id)`)
	eval[bool](t, ctx, `(document.activeElement && document.activeElement.blur(), true)`)
	reached := map[string]bool{}
	for i := 0; i < 60 && len(reached) < len(want); i++ {
		f := pressTab(t, ctx)
		if !f.InBar || reached[f.ID] {
			continue
		}
		reached[f.ID] = true
		if !f.Visible {
			t.Errorf("meeting: #%s has focus with no visible indicator (outline %s, box-shadow %s)", f.ID, f.Outline, f.Shadow)
		}
	}
	for _, id := range want {
		if !reached[id] {
			t.Errorf("meeting: Tab never reaches #%s (reached %v)", id, reached)
		}
	}
	t.Logf("meeting: Tab reaches all %d controls of the bar", len(want))
}
