package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/store"
)

// signIn types email and password into the real login page.
func signIn(t *testing.T, ctx context.Context, base, email, password, landing string) {
	t.Helper()
	navigate(t, ctx, base+"/login")
	waitJS(t, ctx, "login form", `!!document.querySelector('#login-form') && document.querySelector('#btn-login').textContent !== ''`, 10*time.Second)
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c,
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#btn-login")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	waitJS(t, ctx, "signed in at "+landing, fmt.Sprintf(`location.pathname === %q && !!window.conferAdmin`, landing), 15*time.Second)
}

// fillJS fills the form holding a control labelled first (by its English
// label) with the given values and submits it.
func fillJS(values map[string]string, first string) string {
	js := `(() => {
  const labels = [...document.querySelectorAll('#view label')];
  const ctl = (text) => { const l = labels.find((x) => x.textContent === text); return l && document.getElementById(l.htmlFor); };
  const form = ctl(` + fmt.Sprintf("%q", first) + `).form;
  const values = ` + toJSON(values) + `;
  for (const [label, v] of Object.entries(values)) {
    const el = [...form.querySelectorAll('label')].map((l) => document.getElementById(l.htmlFor)).find((e, i, all) => form.querySelectorAll('label')[i].textContent === label);
    if (!el) throw new Error('no field ' + label);
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }
  form.requestSubmit();
  return true;
})()`
	return js
}

func toJSON(m map[string]string) string {
	s := "{"
	for k, v := range m {
		s += fmt.Sprintf("%q: %q,", k, v)
	}
	return s + "}"
}

// topShot is screenshot at the top of the page: the viewport change of
// the shared helper keeps the scroll position of the wider layout.
func topShot(t *testing.T, ctx context.Context, name string, w, h int64) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `(window.scrollTo(0, 0), document.scrollingElement.scrollTop = 0, true)`)
	screenshot(t, ctx, name, w, h)
}

func setLangEN(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	navigate(t, ctx, base+"/login")
	eval[bool](t, ctx, `(localStorage.setItem('confer.lang', 'en'), true)`)
}

// TestAdminCreatesOrgAndRoom: the platform admin signs in through the
// login page, creates an organisation and a room in the UI, signs out.
func TestAdminCreatesOrgAndRoom(t *testing.T) {
	a, base := apptest.Start(t)
	ctx := newBrowser(t)
	setLangEN(t, ctx, base)
	signIn(t, ctx, base, a.Bootstrap.AdminEmail, a.Bootstrap.AdminPassword, "/admin")

	waitJS(t, ctx, "organisations page", `!!document.querySelector('#view h1') && document.querySelector('#view h1').textContent === 'Organisations'`, 10*time.Second)
	eval[bool](t, ctx, fillJS(map[string]string{"Short name (slug)": "asl-nord", "Name": "ASL Nord", "Contact email": "it@asl-nord.example",
		"Contracted accounts": "40", "Maximum rooms": "12"}, "Short name (slug)"))
	waitJS(t, ctx, "the new organisation listed", `document.querySelector('#view table.list').textContent.includes('ASL Nord')`, 10*time.Second)
	if o, err := a.Directory.OrgBySlug(context.Background(), "asl-nord"); err != nil || o.Contract.Accounts != 40 || o.Contract.MaxRooms != 12 {
		t.Fatalf("org in the store: %+v, %v", o, err)
	}
	topShot(t, ctx, "admin-orgs-desktop.png", 1280, 800)
	topShot(t, ctx, "admin-orgs-phone.png", 360, 640)

	navigate(t, ctx, base+"/admin#/all-rooms")
	waitJS(t, ctx, "rooms page", `!!document.querySelector('#view h1') && document.querySelector('#view h1').textContent === 'Rooms'`, 10*time.Second)
	eval[bool](t, ctx, fillJS(map[string]string{"Organisation": "asl-nord", "Room name in the link (slug)": "cardiologia",
		"Title": "Cardiologia", "PIN (4–10 digits, empty for none)": "4821"}, "Room name in the link (slug)"))
	waitJS(t, ctx, "the new room listed", `document.querySelector('#view table.list') && document.querySelector('#view table.list').textContent.includes('/r/cardiologia')`, 10*time.Second)
	r, err := a.Directory.RoomBySlug(context.Background(), "cardiologia")
	if err != nil || r.OrgSlug != "asl-nord" || r.PIN != "4821" {
		t.Fatalf("room in the store: %+v, %v", r, err)
	}
	screenshot(t, ctx, "admin-rooms-desktop.png", 1280, 800)

	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS("#btn-logout"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "back on the login page", `location.pathname === '/login' && !!document.querySelector('#login-form')`, 10*time.Second)
	if st := eval[int](t, ctx, `fetch('/api/v1/me').then((r) => r.status)`); st != 401 {
		t.Fatalf("after sign-out /api/v1/me = %d, want 401", st)
	}
}

// TestHostSeesMyRooms: a host signs in and "my rooms" shows the room link.
func TestHostSeesMyRooms(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddOrg(t, a, "comune", "Comune di Prova")
	if _, err := a.Directory.CreateRoom(context.Background(), store.Room{OrgSlug: "comune", Slug: "giunta", Title: "Giunta comunale", PIN: "2468", Lobby: true}); err != nil {
		t.Fatal(err)
	}
	apptest.AddAccount(t, a, "sindaco@comune.example", "comune", store.RoleHost, "host password 2026")
	apptest.AddHost(t, a, "giunta", "sindaco@comune.example", store.RoomRoleHost)

	ctx := newBrowser(t)
	setLangEN(t, ctx, base)
	signIn(t, ctx, base, "sindaco@comune.example", "host password 2026", "/account")
	waitJS(t, ctx, "my rooms shows the link", `[...document.querySelectorAll('a.room-link')].some((a) => a.href === location.origin + '/r/giunta')`, 10*time.Second)
	if pin := eval[string](t, ctx, `document.querySelector('.room-form input[inputmode=numeric]').value`); pin != "2468" {
		t.Errorf("PIN field = %q", pin)
	}
	topShot(t, ctx, "host-rooms-desktop.png", 1280, 800)
	topShot(t, ctx, "host-rooms-phone.png", 360, 640)
	// The same page in Italian (the choice is stored, as in meetings).
	eval[bool](t, ctx, `(localStorage.setItem('confer.lang', 'it'), location.reload(), true)`)
	waitJS(t, ctx, "Italian page", `!!document.querySelector('#view h1') && document.querySelector('#view h1').textContent === 'Le mie stanze'`, 10*time.Second)
	topShot(t, ctx, "host-rooms-phone-it.png", 360, 640)
}
