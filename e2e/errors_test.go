package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
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

	// The page with no PIN asks for one instead of failing.
	navigate(t, page, base+"/r/locked")
	waitJS(t, page, "PIN field", `(() => { const p = document.getElementById('input-pin'); return !!p && p.offsetParent !== null; })()`, 15*time.Second)

	// Italian browsers get Italian.
	eval[bool](t, page, `(localStorage.setItem('confer.lang', 'it'), true)`)
	navigate(t, page, base+"/r/no-such-room")
	waitJS(t, page, "Italian page", `document.documentElement.lang === 'it'`, 10*time.Second)
}
