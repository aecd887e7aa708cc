package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/store"
)

// TestChatReachesOthersAndLateJoiners: links become safe <a> elements, no
// user HTML is rendered, the unread badge counts, and a late joiner sees
// the history.
func TestChatReachesOthersAndLateJoiners(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	pages := openPages(t, browser, base, "demo", "Anna", "Bruno")
	gesture(t, pages[0], `document.getElementById('btn-chat').click()`)
	gesture(t, pages[0], `(() => {
		document.getElementById('chat-input').value = 'Agenda: https://example.org/odg?x=1 <b>bold</b><img src=x onerror=alert(1)>';
		document.getElementById('chat-form').requestSubmit();
	})()`)
	waitJS(t, pages[1], "Bruno gets the message", `window.conferDebug.chat().some(s => s.startsWith('Agenda: https://example.org/odg?x=1 <b>bold</b>'))`, 10*time.Second)
	ok := eval[bool](t, pages[1], `(() => {
		const a = document.querySelector('#chat-list a');
		return !!a && a.href === 'https://example.org/odg?x=1' && a.rel === 'noopener noreferrer' && a.target === '_blank'
			&& !document.querySelector('#chat-list b, #chat-list img')
			&& !document.getElementById('chat-unread').hidden && document.getElementById('chat-unread').textContent === '1';
	})()`)
	if !ok {
		t.Fatal("link, escaping or unread badge wrong on Bruno's page")
	}
	late := newTab(t, browser)
	navigate(t, late, roomURL(base, "demo", "Carla"))
	waitJS(t, late, "Carla joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	waitJS(t, late, "Carla sees the history", `window.conferDebug.chat().some(s => s.startsWith('Agenda:'))`, 10*time.Second)
}

// TestLobbyAdmitAndRefuseInBrowsers: a signed-in host skips the lobby and
// is notified of guests, who wait without media until admitted or refused.
func TestLobbyAdmitAndRefuseInBrowsers(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoomWith(t, a, store.Room{Slug: "clinic", Lobby: true})
	cookie := apptest.SignInHost(t, a, base, "clinic", "Dottoressa Rossi")
	hostB := newBrowser(t)
	useSession(t, hostB, base, cookie)
	navigate(t, hostB, roomURL(base, "clinic", "Rossi"))
	waitJS(t, hostB, "host joined", `window.conferDebug && window.conferDebug.state === 'joined' && window.conferDebug.role() === 'host'`, 20*time.Second)

	guests := newBrowser(t) // no session: guests
	g1 := guests
	navigate(t, g1, roomURL(base, "clinic", "Guest1"))
	waitJS(t, g1, "Guest1 waits", `window.conferDebug.state === 'waiting' && !document.getElementById('screen-lobby').hidden`, 15*time.Second)
	if eval[bool](t, g1, `!!window.conferDebug.subscribePC || !!window.conferDebug.publishPC`) {
		t.Fatal("a waiting guest has PeerConnections")
	}
	waitJS(t, hostB, "host notified", `window.conferDebug.lobby().length === 1 && !document.getElementById('banner-notice').hidden
		&& document.getElementById('notice-text').textContent.includes('Guest1')`, 10*time.Second)
	gesture(t, hostB, `document.getElementById('btn-participants').click()`)
	waitJS(t, hostB, "admit button", `!!document.querySelector('[data-admit]')`, 10*time.Second)
	gesture(t, hostB, `document.querySelector('[data-admit]').click()`)
	waitJS(t, g1, "Guest1 admitted", `window.conferDebug.state === 'joined'`, 15*time.Second)
	decoding(t, g1, "Guest1", 1, 3)

	g2 := newTab(t, guests)
	navigate(t, g2, roomURL(base, "clinic", "Guest2"))
	waitJS(t, g2, "Guest2 waits", `window.conferDebug.state === 'waiting'`, 15*time.Second)
	waitJS(t, hostB, "host sees Guest2", `window.conferDebug.lobby().some(w => w.name === 'Guest2')`, 10*time.Second)
	waitJS(t, hostB, "refuse button", `!!document.querySelector('[data-refuse]')`, 10*time.Second)
	gesture(t, hostB, `document.querySelector('[data-refuse]').click()`)
	waitJS(t, g2, "Guest2 refused", `document.getElementById('error').dataset.code === 'lobby_refused'`, 15*time.Second)
	if n := a.Rooms.Count("clinic"); n != 2 {
		t.Fatalf("%d participants, want host and Guest1", n)
	}
}

// TestHardMuteSurvivesModifiedClient: the moderator hard-mutes Bruno;
// Bruno's page unmutes anyway and says so; the server ignores it: Carla
// still sees him muted and receives no audio packets from him.
func TestHardMuteSurvivesModifiedClient(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	names := []string{"Anna", "Bruno", "Carla"}
	pages := openPages(t, browser, base, "demo", names...)
	for i, p := range pages {
		decoding(t, p, names[i], 2, 3)
	}
	bruno := eval[string](t, pages[1], `window.conferDebug.participantId`)
	packets := func() int { return eval[int](t, pages[2], fmt.Sprintf(`window.conferDebug.audioPackets(%q)`, bruno)) }
	waitJS(t, pages[2], "audio from Bruno", fmt.Sprintf(`window.conferDebug.audioPackets(%q).then(n => n > 20)`, bruno), 15*time.Second)

	gesture(t, pages[0], `document.getElementById('btn-participants').click()`)
	hardMute := fmt.Sprintf(`document.querySelector('[data-mod="hardMute"][data-target=%q]')`, bruno)
	waitJS(t, pages[0], "hard-mute control for Bruno", "!!"+hardMute, 10*time.Second)
	gesture(t, pages[0], hardMute+`.click()`)
	waitJS(t, pages[1], "Bruno hard-muted", `window.conferDebug.hardMuted().includes('audio')`, 10*time.Second)
	// The button refuses; a modified client unmutes anyway.
	gesture(t, pages[1], `document.getElementById('btn-mic').click()`)
	gesture(t, pages[1], `window.conferDebug.forceUnmute()`)
	time.Sleep(700 * time.Millisecond)
	before := packets()
	time.Sleep(1500 * time.Millisecond)
	if after := packets(); after > before+2 {
		t.Fatalf("Carla still receives Bruno's audio: %d → %d packets", before, after)
	}
	if !eval[bool](t, pages[2], fmt.Sprintf(`document.querySelector('.tile[data-participant-id=%q]').dataset.audioMuted === 'true'`, bruno)) {
		t.Fatal("Carla sees Bruno unmuted")
	}
}
