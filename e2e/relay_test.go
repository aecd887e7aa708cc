package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/turncred"
)

// relayOnlyJS restricts the page's PeerConnections to relayed candidates
// ("relay" transport policy), as a network that lets nothing out but the
// TURN relay does: without the welcome's TURN servers it cannot connect.
// %q, if not empty, is the one transport the network lets reach the relay
// ("tcp": it blocks UDP too); the TURN URLs of the other are dropped.
const relayOnlyJS = `(() => {
  const Native = window.RTCPeerConnection;
  const only = %q;
  const servers = (list) => !only ? list : (list || []).map(s => ({ ...s,
    urls: [].concat(s.urls).filter(u => u.endsWith('transport=' + only)) })).filter(s => s.urls.length);
  const relay = (c) => ({ ...(c || {}), iceServers: servers(c && c.iceServers), iceTransportPolicy: 'relay' });
  window.RTCPeerConnection = class extends Native {
    constructor(c, ...rest) { super(relay(c), ...rest); }
    setConfiguration(c) { return super.setConfiguration(relay(c)); }
  };
})()`

// selectedTypeJS: the candidate type of the page's selected local ICE
// candidate ("host", "srflx", "relay", with "/tcp" for a relay reached
// over TCP), or "none".
const selectedTypeJS = `(async () => {
  const pc = window.conferDebug && window.conferDebug.publishPC;
  if (!pc) return 'none';
  const stats = await pc.getStats();
  let type = 'none';
  stats.forEach(r => {
    if (r.type !== 'transport' || !r.selectedCandidatePairId) return;
    const pair = stats.get(r.selectedCandidatePairId);
    const local = pair && stats.get(pair.localCandidateId);
    if (local) type = local.candidateType + (local.relayProtocol === 'tcp' ? '/tcp' : '');
  });
  return type;
})()`

// TestMeetingThroughTURNRelay: two people whose browsers can reach
// nothing but the TURN relay the operator configured (with a shared
// secret) see each other through it: Anna's network blocks UDP as well,
// so she reaches the relay over TCP; Bruno over UDP. After Bruno's signalling drops, his
// page resumes with its media kept, restarts ICE with the new welcome's
// credential, and his picture of Anna keeps coming through the relay.
func TestMeetingThroughTURNRelay(t *testing.T) {
	const secret = "e2e-relay-secret"
	r := apptest.StartRelay(t, secret)
	a, base := apptest.StartConfig(t, func(c *config.Config) {
		c.TURN = turncred.Config{URLs: []string{"turn:" + r.Addr + "?transport=udp", "turn:" + r.TCPAddr + "?transport=tcp"}, Secret: secret}
	}, app.Options{})
	browser := newBrowser(t)
	logMediaOnFailure(t, a)
	names := []string{"Anna", "Bruno"}
	pages := relayedPages(t, browser, base, names)
	ids := make([]string, len(names))
	for i, p := range pages {
		ids[i] = eval[string](t, p, `window.conferDebug.participantId`)
	}
	for i := range pages {
		if !r.Accepted(ids[i]) {
			t.Errorf("the relay never accepted %s's credential (it accepted %v)", names[i], r.Users())
		}
	}

	// A credential names its expiry in whole seconds: wait for the next
	// second, so that the resumed welcome's credential differs.
	time.Sleep(1100 * time.Millisecond)
	if !r.AcceptedOverTCP(ids[0]) {
		t.Errorf("Anna never reached the relay over TCP")
	}
	welcomes := watchWelcomes(t, pages[1])
	if st := eval[string](t, pages[1], `window.conferDebug.dropSignalling()`); st != "reconnecting" {
		t.Fatalf("after the blip Bruno's page is %q, want reconnecting", st)
	}
	waitJS(t, pages[1], "Bruno back", `window.conferDebug.state === 'joined'`, 20*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for len(welcomes.list()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if w := welcomes.list(); len(w) != 1 || !w[0].Resumed || !w[0].MediaKept {
		t.Fatalf("welcomes after the blip: %+v, want one resumed with media kept", w)
	}
	before := videoFrames(t, pages[1])
	waitJS(t, pages[1], "Bruno decodes Anna after the blip", fmt.Sprintf(`(async () => {
	  const s = await (%s);
	  return s.some(r => r.kind === 'video' && r.frames >= %d);
	})()`, inboundJS, before+30), 30*time.Second)
	if typ := eval[string](t, pages[1], selectedTypeJS); typ != "relay" {
		t.Errorf("after the blip Bruno's connection uses a %q candidate, want relay", typ)
	}
	// The ICE restart allocated on the relay with the new credential.
	waitFor := time.Now().Add(10 * time.Second)
	for len(usernamesOf(r, ids[1])) < 2 && time.Now().Before(waitFor) {
		time.Sleep(100 * time.Millisecond)
	}
	if u := usernamesOf(r, ids[1]); len(u) < 2 {
		t.Errorf("the relay saw Bruno's credentials %v: the resumed welcome's was not used", u)
	}
}

// usernamesOf lists the distinct relay usernames minted for participant id.
func usernamesOf(r *apptest.Relay, id string) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range r.Users() {
		if strings.HasSuffix(u, ":"+id) && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// videoFrames is how many video frames the page has decoded in all.
func videoFrames(t *testing.T, page context.Context) int {
	t.Helper()
	n := 0
	for _, s := range eval[[]inbound](t, page, inboundJS) {
		if s.Kind == "video" {
			n += s.Frames
		}
	}
	return n
}

// TestRelayCredentialsRenewed: in a long meeting the server sends fresh
// TURN credentials every half lifetime (20 s here instead of 24 h); a page
// whose connection is relayed restarts ICE and allocates on the relay with
// the new credential, before the old one would be refused.
func TestRelayCredentialsRenewed(t *testing.T) {
	const secret = "e2e-renew-secret"
	r := apptest.StartRelay(t, secret)
	a, base := apptest.StartConfig(t, func(c *config.Config) {
		c.TURN = turncred.Config{URLs: []string{"turn:" + r.Addr + "?transport=udp"}, Secret: secret, TTL: 20 * time.Second}
	}, app.Options{})
	browser := newBrowser(t)
	logMediaOnFailure(t, a)
	onNewDocument(t, browser, fmt.Sprintf(relayOnlyJS, ""))
	navigate(t, browser, roomURL(base, "demo", "Anna"))
	waitJS(t, browser, "Anna joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
	id := eval[string](t, browser, `window.conferDebug.participantId`)
	waitJS(t, browser, "Anna connected through the relay", `(async () => (await (`+selectedTypeJS+`)) === 'relay')()`, 20*time.Second)

	deadline := time.Now().Add(30 * time.Second)
	for len(usernamesOf(r, id)) < 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if u := usernamesOf(r, id); len(u) < 2 {
		t.Fatalf("the relay saw only %v for Anna: no allocation with a renewed credential", u)
	}
	if typ := eval[string](t, browser, selectedTypeJS); typ != "relay" || eval[string](t, browser, `window.conferDebug.state`) != "joined" {
		t.Errorf("after the renewal: candidate %q, state %q", typ, eval[string](t, browser, `window.conferDebug.state`))
	}
}

// TestMeetingThroughBuiltInRelay: with confer's own relay (--turn-listen)
// two browsers that can reach nothing but a relay meet through it, Anna
// over TCP (her network blocks UDP), Bruno over UDP.
func TestMeetingThroughBuiltInRelay(t *testing.T) {
	a, base := apptest.StartConfig(t, func(c *config.Config) { c.TURNListen = "127.0.0.1:0" }, app.Options{})
	browser := newBrowser(t)
	logMediaOnFailure(t, a)
	relayedPages(t, browser, base, []string{"Anna", "Bruno"})
}

// relayedPages opens Anna's and Bruno's pages in the demo room, each able
// to reach nothing but a relay: Anna's network blocks UDP, Bruno's lets
// the relay's UDP port through. It returns once both decode each other
// through the relay, Anna over TCP.
func relayedPages(t *testing.T, browser context.Context, base string, names []string) []context.Context {
	t.Helper()
	pages := openPagesWith(t, browser, base, "demo", func(name string, page context.Context) {
		onNewDocument(t, page, fmt.Sprintf(relayOnlyJS, map[string]string{"Anna": "tcp", "Bruno": "udp"}[name]))
	}, names...)
	for i, p := range pages {
		decoding(t, p, names[i], 1, 5)
		want := map[string]string{"Anna": "relay/tcp", "Bruno": "relay"}[names[i]]
		if typ := eval[string](t, p, selectedTypeJS); typ != want {
			t.Errorf("%s's connection uses a %q candidate, want %s", names[i], typ, want)
		}
	}
	return pages
}
