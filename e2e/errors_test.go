package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/store"
)

// TestErrorsPeopleCanActOn opens the room page in situations a person
// must understand: the page shows the matching error screen, in the
// browser's language, with a way forward.
func TestErrorsPeopleCanActOn(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "locked", 10, "2468")
	apptest.AddRoom(t, a, "tiny", 1, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	occupant, err := client.Join(ctx, base, "tiny", client.Options{Name: "Already here"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer occupant.Close()

	page := newBrowser(t)
	cases := []struct{ url, code string }{
		{base + "/r/no-such-room", "room_not_found"},
		{base + "/r/locked?name=Ugo&autojoin=1&pin=0000", "wrong_pin"},
		{base + "/r/tiny?name=Ugo&autojoin=1", "room_full"},
	}
	for _, c := range cases {
		navigate(t, page, c.url)
		waitJS(t, page, c.code+" screen", `(() => { const e = document.getElementById('error'); return !!e && e.dataset.code === '`+c.code+`' && !e.hidden; })()`, 15*time.Second)
		// The screen says something and offers a button.
		text := eval[string](t, page, `document.getElementById('error').innerText`)
		buttons := eval[int](t, page, `document.querySelectorAll('#error button, #error a').length`)
		if len(text) < 20 || buttons == 0 {
			t.Errorf("%s: error screen %q with %d buttons/links", c.code, text, buttons)
		}
	}
	screenshot(t, page, "error-room-full-phone.png", 360, 640)

	// An autojoin link opens the camera while it asks for the room; a room
	// that does not exist lets it go again.
	navigate(t, page, base+"/r/no-such-room?name=Ugo&autojoin=1")
	waitJS(t, page, "room_not_found screen", `document.getElementById('error')?.dataset.code === 'room_not_found'`, 15*time.Second)
	time.Sleep(2 * time.Second) // the open, under way when the answer came, completes
	if eval[bool](t, page, `window.conferDebug.mediaOpen`) {
		t.Error("the camera and microphone stay open on the room_not_found screen")
	}

	// The page with no PIN asks for one instead of failing.
	navigate(t, page, base+"/r/locked")
	waitJS(t, page, "PIN field", `(() => { const p = document.getElementById('input-pin'); return !!p && p.offsetParent !== null; })()`, 15*time.Second)

	// Italian browsers get Italian.
	eval[bool](t, page, `(localStorage.setItem('confer.lang', 'it'), true)`)
	navigate(t, page, base+"/r/no-such-room")
	waitJS(t, page, "Italian page", `document.documentElement.lang === 'it'`, 10*time.Second)
}

// TestMembersOnlyRoomSendsToSignIn follows a person without a session
// from a members-only room link to the sign-in page and back into the
// meeting.
func TestMembersOnlyRoomSendsToSignIn(t *testing.T) {
	a, base := apptest.Start(t)
	ctx := context.Background()
	if _, err := a.Directory.CreateRoom(ctx, store.Room{OrgSlug: "demo", Slug: "board", Title: "Board", Capacity: 10}); err != nil {
		t.Fatal(err)
	}
	const password = "a long enough password 7"
	if _, err := a.Directory.CreateAccount(ctx, store.Account{Email: "gianna@demo.example", DisplayName: "Gianna",
		OrgSlug: "demo", Role: store.RoleMember, EmailConfirmed: true}, password); err != nil {
		t.Fatal(err)
	}
	page := newBrowser(t)
	navigate(t, page, base+"/r/board?name=Gianna&autojoin=1")
	waitJS(t, page, "sign-in screen", `(() => { const e = document.getElementById('error'); return !!e && e.dataset.code === 'sign_in_required'; })()`, 15*time.Second)
	eval[bool](t, page, `(Array.from(document.querySelectorAll('#error button')).find(b => b.textContent.trim() === 'Sign in').click(), true)`)
	waitJS(t, page, "login page", `location.pathname === '/login' && !!document.querySelector('#login-form') && document.querySelector('#btn-login').textContent !== ''`, 10*time.Second)
	c, cancel := context.WithTimeout(page, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c,
		chromedp.SendKeys(chromedp.CSS("#email"), "gianna@demo.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#btn-login")),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, page, "back in the room, joined", `location.pathname === '/r/board' && window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
}
