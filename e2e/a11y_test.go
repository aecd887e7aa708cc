package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"os"
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
	}
	viewport(t, ctx, 1280, 800)
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

// TestA11yPublicPages: the pages anyone reaches with a link, in English at
// both sizes and in Italian.
func TestA11yPublicPages(t *testing.T) {
	_, base := apptest.Start(t)
	ctx := newBrowser(t)
	pages := []struct{ name, path, ready string }{
		{"landing", "/", landingReady},
		{"pre-join", "/r/demo", prejoinReady},
		{"room_not_found", "/r/no-such-room", errorReady},
		{"login", "/login", loginReady},
	}
	for _, lang := range []string{"en", "it"} {
		navigate(t, ctx, base+"/healthz")
		setLang(t, ctx, lang)
		for _, p := range pages {
			navigate(t, ctx, base+p.path)
			waitJS(t, ctx, p.name, p.ready, 15*time.Second)
			waitJS(t, ctx, p.name+" in "+lang, fmt.Sprintf(`document.documentElement.lang === %q`, lang), 5*time.Second)
			axeBoth(t, ctx, p.name+" ("+lang+")")
		}
	}
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

// TestA11yLobby: a guest waits in the lobby of a room that has one.
func TestA11yLobby(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoomWith(t, a, store.Room{Slug: "sala", Lobby: true})
	ctx := newBrowser(t)
	navigate(t, ctx, base+"/healthz")
	setLang(t, ctx, "en")
	navigate(t, ctx, roomURL(base, "sala", "Gino"))
	waitJS(t, ctx, "lobby waiting screen", `window.conferDebug && window.conferDebug.state === 'waiting' && !document.getElementById('screen-lobby').hidden`, 20*time.Second)
	axeBoth(t, ctx, "lobby (en)")
	setLang(t, ctx, "it")
	navigate(t, ctx, roomURL(base, "sala", "Gino"))
	waitJS(t, ctx, "lobby waiting screen (it)", `window.conferDebug && window.conferDebug.state === 'waiting' && !document.getElementById('screen-lobby').hidden && document.documentElement.lang === 'it'`, 20*time.Second)
	viewport(t, ctx, 360, 640)
	axeCheck(t, ctx, "lobby (it) phone")
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
	pages := openPages(t, browser, base, "demo", "Anna", "Bruno")
	anna := pages[0]
	waitJS(t, anna, "Bruno's tile", `document.querySelectorAll('#grid .tile').length === 2`, 15*time.Second)
	axeBoth(t, anna, "meeting")

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
		click(t, anna, "btn-settings")
		waitJS(t, anna, "settings dialog", `document.getElementById('dlg-settings').open`, 5*time.Second)
		axeCheck(t, anna, "meeting settings dialog "+s.name)
		eval[bool](t, anna, `(document.getElementById('dlg-settings').close(), true)`)
	}
	viewport(t, anna, 1280, 800)

	// Italian, once, with the chat open.
	setLang(t, pages[1], "it")
	eval[bool](t, pages[1], `(location.reload(), true)`)
	waitJS(t, pages[1], "Bruno back in Italian", `window.conferDebug && window.conferDebug.state === 'joined' && document.documentElement.lang === 'it'`, 20*time.Second)
	click(t, pages[1], "btn-chat")
	waitJS(t, pages[1], "chat open", visible("panel-chat"), 5*time.Second)
	axeCheck(t, pages[1], "meeting with chat (it) desktop")

	meetingKeyboard(t, anna)
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
	for _, s := range []string{"orgs", "accounts", "all-rooms", "import", "profile", "rooms"} {
		navigate(t, ctx, base+"/admin#/"+s)
		waitJS(t, ctx, s+" section", `!!document.querySelector('#view h1') && !document.querySelector('#view .loading')`, 10*time.Second)
		time.Sleep(300 * time.Millisecond) // lists fill in
		axeBoth(t, ctx, "admin "+s)
	}
	navigate(t, ctx, base+"/admin/usage")
	waitJS(t, ctx, "usage page", `document.querySelector('h1').textContent !== '' && document.querySelectorAll('#totals dt').length > 0`, 15*time.Second)
	time.Sleep(500 * time.Millisecond)
	axeBoth(t, ctx, "admin usage")
	setLang(t, ctx, "it")
	navigate(t, ctx, base+"/admin/usage")
	waitJS(t, ctx, "usage page (it)", `document.documentElement.lang === 'it' && document.querySelectorAll('#totals dt').length > 0`, 15*time.Second)
	viewport(t, ctx, 360, 640)
	axeCheck(t, ctx, "admin usage (it) phone")
	viewport(t, ctx, 1280, 800)

	// The host, in a second browser so the sessions stay apart.
	host := newBrowser(t)
	setLangEN(t, host, base)
	signIn(t, host, base, "sindaco@comune.example", "host password 2026", "/account")
	waitJS(t, host, "my rooms", `[...document.querySelectorAll('a.room-link')].some((a) => a.href === location.origin + '/r/giunta')`, 10*time.Second)
	axeBoth(t, host, "host my rooms")
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
