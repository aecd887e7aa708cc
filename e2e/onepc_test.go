package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
)

// The tests here run meetings whose pages join with onePC (one
// PeerConnection both ways, docs/protocol.md) and, for comparison, with
// ?onepc=0 (a publish and a subscribe PeerConnection).

// watchPeersJS counts, from the page's first script on, every
// RTCPeerConnection the page makes and every signalling message it gets
// (by type, and pc for offers and answers).
const watchPeersJS = `(() => {
  window.__pcs = [];
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PC {
    constructor(...a) { super(...a); window.__pcs.push(this); }
  };
  window.__rx = {};
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        try {
          const m = JSON.parse(e.data);
          const k = m.type + (m.data && m.data.pc ? ':' + m.data.pc : '');
          window.__rx[k] = (window.__rx[k] || 0) + 1;
        } catch (err) { /* not JSON */ }
      });
    }
  };
})()`

// deniedMediaJS makes every getUserMedia fail as if the person said no.
const deniedMediaJS = `(() => {
  const md = navigator.mediaDevices;
  if (md) md.getUserMedia = async () => { throw new DOMException('denied', 'NotAllowedError'); };
})()`

// peersJS reports the page's PeerConnections: how many the page made and
// how many are open, what the client says it holds, and the recvonly
// transceivers (receive slots) of the one that receives.
const peersJS = `(() => {
  const d = window.conferDebug;
  const recv = {audio: 0, video: 0};
  for (const tr of d.subscribePC.getTransceivers()) {
    if (tr.direction === 'recvonly' && tr.mid != null) recv[tr.receiver.track.kind]++;
  }
  return {made: window.__pcs.length, open: window.__pcs.filter((p) => p.signalingState !== 'closed').length,
    client: d.pcs().length, onePC: d.onePC, same: d.publishPC === d.subscribePC, recv, rx: window.__rx};
})()`

type peersState struct {
	Made   int            `json:"made"`
	Open   int            `json:"open"`
	Client int            `json:"client"`
	OnePC  bool           `json:"onePC"`
	Same   bool           `json:"same"`
	Recv   map[string]int `json:"recv"`
	RX     map[string]int `json:"rx"`
}

// checkPeers checks that the page of ctx has one PeerConnection both ways
// (onePC) or two, and that the server never offered to a onePC page.
func checkPeers(t *testing.T, ctx context.Context, name string, onePC bool) peersState {
	t.Helper()
	s := eval[peersState](t, ctx, peersJS)
	want := 2
	if onePC {
		want = 1
	}
	if s.Open != want || s.Client != want || s.OnePC != onePC || s.Same != onePC {
		t.Errorf("%s: %d PeerConnections open (%d made, %d the client holds, onePC %v, one both ways %v), want %d",
			name, s.Open, s.Made, s.Client, s.OnePC, s.Same, want)
	}
	if onePC && s.RX["offer:subscribe"] > 0 {
		t.Errorf("%s: the server sent %d subscribe offers to a onePC page", name, s.RX["offer:subscribe"])
	}
	if !onePC && s.RX["slots_wanted"] > 0 {
		t.Errorf("%s: slots_wanted without onePC", name)
	}
	return s
}

// TestOnePCMeeting: four people with colour cameras and one who denied
// her camera and microphone meet with one PeerConnection each. Every page
// has exactly one, sees every camera in its owner's tile and hears the
// audio slots; an early joiner got its video slots through slots_wanted;
// a screen share reaches the others' stage; a network blip keeps the
// PeerConnection and the media.
func TestOnePCMeeting(t *testing.T) { onePCMeeting(t, true) }

// TestOnePCOffMeeting: the same with ?onepc=0, the client's path with a
// publish and a subscribe PeerConnection.
func TestOnePCOffMeeting(t *testing.T) { onePCMeeting(t, false) }

func onePCMeeting(t *testing.T, onePC bool) {
	a, base := apptest.Start(t)
	browser := newBrowser(t)
	logMediaOnFailure(t, a)
	names := []string{"Anna", "Bruno", "Carla", "Dario", "Elena"}
	const viewer = 4 // Elena: no camera, no microphone
	pages := make([]context.Context, len(names))
	ids := make([]string, len(names))
	for i, name := range names {
		if i == 0 {
			pages[i] = browser
		} else {
			pages[i] = newTab(t, browser)
		}
		onNewDocument(t, pages[i], watchPeersJS)
		if i == viewer {
			onNewDocument(t, pages[i], deniedMediaJS)
		} else {
			colorCamera(t, pages[i], slotColors[i])
		}
		url := roomURL(base, "demo", name)
		if !onePC {
			url += "&onepc=0"
		}
		navigate(t, pages[i], url)
		if i == viewer {
			waitJS(t, pages[i], name+" told her media is denied", `document.getElementById('error').dataset.code === 'media_denied'`, 20*time.Second)
			eval[bool](t, pages[i], `document.querySelector('#error-actions button:nth-child(2)').click(), true`)
		}
		waitJS(t, pages[i], name+" joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
		ids[i] = eval[string](t, pages[i], `window.conferDebug.participantId`)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i, p := range pages {
			s, err := tryEval[string](p, `JSON.stringify({slots: window.conferDebug.slots(), rx: window.__rx})`)
			t.Logf("%s: %s %v", names[i], s, err)
		}
	})

	// Every camera in its owner's tile on every page, and the audio slots
	// playing with packets rising.
	for i, p := range pages {
		for j := range names {
			if i != j && j != viewer {
				showsRightly(t, p, names[i], names[j], ids[j], j, 45*time.Second)
			}
		}
	}
	for i, p := range pages {
		slotAudio(t, p, names[i])
		s := checkPeers(t, p, names[i], onePC)
		t.Logf("%s: recvonly transceivers %v, messages %v", names[i], s.Recv, s.RX)
		if onePC && (s.Recv["audio"] < 3 || s.Recv["video"] < 3) {
			t.Errorf("%s: receive slots %v, want at least 3 audio and 3 video", names[i], s.Recv)
		}
	}
	// Each page's first offer was made while its join was on the way
	// (connection.js, prepare), not after the welcome.
	for i, p := range pages {
		if onePC && !eval[bool](t, p, `window.conferDebug.marks.early != null`) {
			t.Errorf("%s: the first offer was made after the welcome", names[i])
		}
	}
	if s := checkPeers(t, pages[0], names[0], onePC); onePC && s.RX["slots_wanted"] == 0 {
		t.Errorf("%s joined first, yet the server never asked for more slots: %v", names[0], s.RX)
	}
	// The viewer's first offer already had its slots: nothing published.
	if s := checkPeers(t, pages[viewer], names[viewer], onePC); onePC && s.RX["answer:publish"] != 1 {
		t.Errorf("%s: %d answers, want the one of her first offer", names[viewer], s.RX["answer:publish"])
	}

	// A screen share: a new sendonly transceiver, offered by the client,
	// on the others' stage.
	gesture(t, pages[0], `document.getElementById('btn-share').click()`)
	waitJS(t, pages[0], "Anna shares", `document.getElementById('btn-share').getAttribute('aria-pressed') === 'true'`, 10*time.Second)
	for i, p := range pages[1:] {
		waitJS(t, p, names[i+1]+" decodes Anna's screen", fmt.Sprintf(`(async () => {
			const s = window.conferDebug.stage();
			const v = document.querySelector('#stage-view video');
			if (s.participantId !== %q || !s.width || !v || v.dataset.videoWaiting) return false;
			const n = v.getVideoPlaybackQuality().totalVideoFrames;
			await new Promise(r => setTimeout(r, 500));
			return v.getVideoPlaybackQuality().totalVideoFrames > n;
		})()`, ids[0]), 20*time.Second)
	}
	// The cameras stay in their tiles (now a strip) next to the share.
	for j := range 4 {
		if j != 2 {
			showsRightly(t, pages[2], names[2]+" with a share", names[j], ids[j], j, 20*time.Second)
		}
	}
	gesture(t, pages[0], `document.getElementById('btn-share').click()`)
	for i, p := range pages[1:] {
		waitJS(t, p, names[i+1]+" sees the share end", `window.conferDebug.stage().count === 0`, 15*time.Second)
	}

	// A network blip on Bruno's page: the PeerConnection is kept (ICE
	// restart by the client's offer) and the media keeps flowing.
	b := pages[1]
	if st := eval[string](t, b, `(window.__pc = window.conferDebug.subscribePC, window.conferDebug.dropSignalling())`); st != "reconnecting" {
		t.Fatalf("after the blip the page is %q, want reconnecting", st)
	}
	waitJS(t, b, "Bruno back", `window.conferDebug.state === 'joined'`, 15*time.Second)
	if !eval[bool](t, b, `window.__pc === window.conferDebug.subscribePC`) {
		t.Fatal("Bruno: the blip replaced the PeerConnection")
	}
	for j := range names {
		if j != 1 && j != viewer {
			showsRightly(t, b, "Bruno after the blip", names[j], ids[j], j, 20*time.Second)
		}
	}
	slotAudio(t, b, "Bruno after the blip")
	checkPeers(t, b, "Bruno after the blip", onePC)
	showsRightly(t, pages[viewer], names[viewer]+" after Bruno's blip", names[1], ids[1], 1, 20*time.Second)
}

// welcomeICEServersJS makes every welcome the page gets list a STUN
// server (one that never answers), as a server configured with ICE
// servers would: the page must hand them to its prepared PeerConnection.
const welcomeICEServersJS = `(() => {
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    set onmessage(fn) {
      super.onmessage = fn && ((e) => {
        let data = e.data;
        try {
          const m = JSON.parse(data);
          if (m.type === 'welcome') { m.data.iceServers = [{urls: ['stun:127.0.0.1:9']}]; data = JSON.stringify(m); }
        } catch (err) { /* not JSON */ }
        fn.call(this, new MessageEvent('message', {data}));
      });
    }
    get onmessage() { return super.onmessage; }
  };
})()`

// TestPreparedOfferTakesTheWelcomesICEServers: Bruno's page builds its
// PeerConnection and first offer before the welcome; the welcome's ICE
// servers still reach that PeerConnection, its prepared offer is the one
// sent, and he sees Anna's camera.
func TestPreparedOfferTakesTheWelcomesICEServers(t *testing.T) {
	a, base := apptest.Start(t)
	browser := newBrowser(t)
	logMediaOnFailure(t, a)
	colorCamera(t, browser, slotColors[0])
	navigate(t, browser, roomURL(base, "demo", "Anna"))
	waitJS(t, browser, "Anna joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	anna := eval[string](t, browser, `window.conferDebug.participantId`)

	bruno := newTab(t, browser)
	onNewDocument(t, bruno, welcomeICEServersJS)
	colorCamera(t, bruno, slotColors[1])
	navigate(t, bruno, roomURL(base, "demo", "Bruno"))
	waitJS(t, bruno, "Bruno joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	showsRightly(t, bruno, "Bruno", "Anna", anna, 0, 30*time.Second)
	if !eval[bool](t, bruno, `window.conferDebug.marks.early != null`) {
		t.Error("Bruno's first offer was made after the welcome")
	}
	if got := eval[string](t, bruno, `JSON.stringify(window.conferDebug.publishPC.getConfiguration().iceServers)`); !strings.Contains(got, "stun:127.0.0.1:9") {
		t.Errorf("Bruno's PeerConnection has ICE servers %s, want the welcome's", got)
	}
}
