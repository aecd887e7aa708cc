package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/store"
)

// TestMeetingAcrossClusterNodes: a deployment of two nodes behind a load
// balancer that sent Anna to one and Bruno to the other. Their pages
// meet in one meeting on one node, decode each other's video, and when
// Bruno's signalling drops his page resumes, through his node again,
// with its media kept.
func TestMeetingAcrossClusterNodes(t *testing.T) {
	nodes := apptest.StartNodes(t, 2)
	_, anna, bruno := annaAndBruno(t, nodes)

	decoding(t, anna, "Anna", 1, 5)
	decoding(t, bruno, "Bruno", 1, 5)
	n1, n2 := nodes[0].App.Rooms.Count("demo"), nodes[1].App.Rooms.Count("demo")
	if n1+n2 != 2 || n1 != 0 && n2 != 0 {
		t.Fatalf("node 1 runs %d participants, node 2 %d: want both on one", n1, n2)
	}

	welcomes := watchWelcomes(t, bruno)
	if st := eval[string](t, bruno, `window.conferDebug.dropSignalling()`); st != "reconnecting" {
		t.Fatalf("after the blip Bruno's page is %q, want reconnecting", st)
	}
	waitJS(t, bruno, "Bruno back", `window.conferDebug.state === 'joined'`, 20*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for len(welcomes.list()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if w := welcomes.list(); len(w) != 1 || !w[0].Resumed || !w[0].MediaKept {
		t.Fatalf("welcomes after the blip: %+v, want one resumed with media kept", w)
	}
	before := videoFrames(t, bruno)
	waitJS(t, bruno, "Bruno decodes Anna after the blip", fmt.Sprintf(`(async () => {
	  const s = await (%s);
	  return s.some(r => r.kind === 'video' && r.frames >= %d);
	})()`, inboundJS, before+30), 30*time.Second)
}

// TestMeetingMovesWhenItsNodeStops: the node running a meeting shuts
// down. Bruno, whose page reached it through the other node, is told the
// meeting was interrupted and his page joins again by itself: the room
// is now placed on the node still up, where Carla joins him and they see
// each other.
func TestMeetingMovesWhenItsNodeStops(t *testing.T) {
	nodes := apptest.StartNodes(t, 2)
	browser, _, bruno := annaAndBruno(t, nodes)
	decoding(t, bruno, "Bruno", 1, 5)
	if n := nodes[0].App.Rooms.Count("demo"); n != 2 {
		t.Fatalf("node 1 runs %d participants, want Anna's and Bruno's (Anna asked it first, both idle)", n)
	}

	nodes[0].Stop()
	waitJS(t, bruno, "Bruno told the meeting was interrupted",
		`window.conferDebug.state === 'left' && document.querySelector('#left-title').textContent !== ''`, 15*time.Second)
	waitJS(t, bruno, "Bruno's page joins again by itself", `window.conferDebug.state === 'joined'`, 30*time.Second)
	if n := nodes[1].App.Rooms.Count("demo"); n != 1 {
		t.Fatalf("after node 1 stopped, node 2 runs %d participants of demo, want Bruno", n)
	}
	carla := newTab(t, browser)
	navigate(t, carla, roomURL(nodes[1].URL, "demo", "Carla"))
	joinedAll(t, []context.Context{carla}, []string{"Carla"})
	decoding(t, bruno, "Bruno", 1, 5)
	decoding(t, carla, "Carla", 1, 5)
}

// TestOperatorSeesLiveMeetings: the platform operator's "Live" page lists
// each node with its load and every meeting now with the node running it,
// its participants and their connections, whichever node serves the page.
func TestOperatorSeesLiveMeetings(t *testing.T) {
	nodes := apptest.StartNodes(t, 2)
	apptest.AddAccount(t, nodes[0].App, "ops@example.org", "", store.RolePlatformAdmin, "operator password 2026")
	browser := newBrowser(t)
	meeting := newTab(t, browser)
	navigate(t, meeting, roomURL(nodes[0].URL, "demo", "Anna"))
	joinedAll(t, []context.Context{meeting}, []string{"Anna"})

	setLangEN(t, browser, nodes[1].URL)
	signIn(t, browser, nodes[1].URL, "ops@example.org", "operator password 2026", "/admin")
	navigate(t, browser, nodes[1].URL+"/admin#/live")
	waitJS(t, browser, "the demo meeting listed with its node", `(() => {
	  const row = [...document.querySelectorAll('#view table.list tbody tr')].find((tr) => tr.textContent.includes('demo'));
	  if (!row) return false;
	  const cell = (label) => row.querySelector('td[data-label="' + label + '"]')?.textContent;
	  return cell('Node') === 'node-1' && cell('Participants') === '1' && cell('Connections') === '1 good';
	})()`, 20*time.Second)
	waitJS(t, browser, "both nodes listed", `[...document.querySelectorAll('#view table.list tbody tr')]
	  .filter((tr) => /node-[12]/.test(tr.querySelector('td')?.textContent || '') && tr.textContent.includes('Active')).length === 2`, 10*time.Second)
	if got := eval[string](t, browser, `document.querySelector('#view h1').textContent`); got != "Live meetings" {
		t.Errorf("heading %q", got)
	}
	topShot(t, browser, "admin-live-desktop.png", 1280, 800)
	topShot(t, browser, "admin-live-phone.png", 360, 640)
	// The refresh button is a labelled control that works from the keyboard.
	eval[bool](t, browser, `(document.querySelector('#btn-live-refresh').focus(), document.activeElement.id === 'btn-live-refresh')`)
}

// annaAndBruno opens Anna's page in the demo room on node 1, then Bruno's
// on node 2, as a load balancer could have sent them.
func annaAndBruno(t *testing.T, nodes []*apptest.Node) (browser, anna, bruno context.Context) {
	t.Helper()
	browser = newBrowser(t)
	anna = browser
	navigate(t, anna, roomURL(nodes[0].URL, "demo", "Anna"))
	joinedAll(t, []context.Context{anna}, []string{"Anna"})
	bruno = newTab(t, browser)
	navigate(t, bruno, roomURL(nodes[1].URL, "demo", "Bruno"))
	joinedAll(t, []context.Context{bruno}, []string{"Bruno"})
	return browser, anna, bruno
}
