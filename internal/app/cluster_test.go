package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/cluster/natstest"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
)

// twoNodes starts a deployment of two nodes that know each other, with
// rooms in the demo organisation.
func twoNodes(t *testing.T, rooms ...string) (*apptest.Node, *apptest.Node) {
	t.Helper()
	n := apptest.StartNodes(t, 2)
	for _, r := range rooms {
		apptest.AddRoom(t, n[0].App, r, 10, "")
	}
	return n[0], n[1]
}

// TestMeetingAcrossNodes: two people open the same room on different
// nodes of a deployment (as a load balancer would send them); both land
// in one meeting on one node and see and hear each other, and the
// meeting's HTTP side (documents, encoder tokens, WHIP, the room's live
// count) works through either node.
func TestMeetingAcrossNodes(t *testing.T) {
	a, b := twoNodes(t, "ward")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	anna := &media{name: "Anna", received: map[string]map[string]int{}}
	anna.c = join(t, a.URL, "ward", "Anna", anna.onTrack)
	defer anna.c.Close()
	bruno := &media{name: "Bruno", received: map[string]map[string]int{}}
	bruno.c = join(t, b.URL, "ward", "Bruno", bruno.onTrack)
	defer bruno.c.Close()
	publish(ctx, t, anna.c)
	publish(ctx, t, bruno.c)
	for _, pair := range [][2]*media{{anna, bruno}, {bruno, anna}} {
		to, from := pair[0], pair[1]
		for _, kind := range []string{"audio", "video"} {
			waitFor(t, fmt.Sprintf("%s's %s at %s", from.name, kind, to.name), 20*time.Second, func() bool {
				return to.count(from.c.ID(), kind) > 20
			})
		}
	}
	na, nb := a.App.Rooms.Count("ward"), b.App.Rooms.Count("ward")
	if na+nb != 2 || na != 0 && nb != 0 {
		t.Fatalf("participants on node 1: %d, on node 2: %d; want both on one", na, nb)
	}
	owner, other := a, b
	if nb == 2 {
		owner, other = b, a
	}
	for _, n := range []*apptest.Node{owner, other} {
		var pr struct{ Participants int }
		res, err := http.Get(n.URL + "/api/v1/public/rooms/ward")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(res.Body).Decode(&pr)
		res.Body.Close()
		for _, h := range []string{"X-Content-Type-Options", "Content-Security-Policy", "Referrer-Policy"} {
			if v := res.Header.Values(h); len(v) != 1 {
				t.Errorf("through %s, %s sent %d times: %q", n.URL, h, len(v), v)
			}
		}
		if pr.Participants != 2 {
			t.Errorf("room status through %s: %d participants, want 2", n.URL, pr.Participants)
		}
		// Documents are the live meeting's: the node not running it
		// passes the request on, so a participant is recognised.
		if code, body := doReq(t, http.MethodGet, n.URL+"/api/v1/rooms/ward/files", bruno.c.Welcome.ResumeToken, nil, nil); code != http.StatusOK {
			t.Errorf("documents through %s: %d %s", n.URL, code, body)
		}
	}

	// Anna, the first in, is the host: an encoder token and a WHIP
	// publish, both through the node that does not run the meeting.
	body, _ := json.Marshal(map[string]string{"label": "Ward camera"})
	code, resp := doReq(t, http.MethodPost, other.URL+"/api/v1/rooms/ward/whip-tokens", anna.c.Welcome.ResumeToken, body, nil)
	var tok whipToken
	if err := json.Unmarshal(resp, &tok); err != nil || code != http.StatusCreated {
		t.Fatalf("encoder token through the other node: %d %s", code, resp)
	}
	pc, _ := videoEncoder(t, webrtc.Configuration{})
	res := postOffer(t, other.URL+tok.URL, tok.Token, pc.LocalDescription().SDP)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("WHIP through the other node: %d", res.StatusCode)
	}
	if _, err := bruno.c.WaitEvent(ctx, signal.TypeParticipantJoined, func(d json.RawMessage) bool {
		var p signal.Participant
		return json.Unmarshal(d, &p) == nil && p.Name == "Ward camera"
	}); err != nil {
		t.Fatalf("the encoder never joined the meeting: %v", err)
	}
}

// TestMeetingsSpreadOverNodes: new meetings go to the less loaded node,
// so a deployment's load spreads even when every request reaches one
// node first.
func TestMeetingsSpreadOverNodes(t *testing.T) {
	a, b := twoNodes(t)
	for i := 0; i < 6; i++ {
		slug := fmt.Sprintf("room-%d", i)
		apptest.AddRoom(t, a.App, slug, 10, "")
		c := join(t, a.URL, slug, "Person", nil)
		defer c.Close()
	}
	ra, rb := a.App.Rooms.Rooms(), b.App.Rooms.Rooms()
	if ra+rb != 6 || ra < 2 || rb < 2 {
		t.Fatalf("meetings on node 1: %d, on node 2: %d", ra, rb)
	}
}

// TestMeetingMovesWhenItsNodeLeaves: when the node running a room's
// meeting shuts down, the next person into that room is placed on a
// node that is still there, at once.
func TestMeetingMovesWhenItsNodeLeaves(t *testing.T) {
	a, b := twoNodes(t, "ward")
	first := join(t, a.URL, "ward", "Anna", nil)
	if a.App.Rooms.Count("ward") != 1 {
		t.Fatal("the first meeting did not start on the node it was asked at (both idle)")
	}
	a.Stop()
	first.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Join(ctx, b.URL, "ward", client.Options{Name: "Bruno"}, nil)
	if err != nil {
		t.Fatalf("joining after the node left: %v", err)
	}
	defer c.Close()
	if n := b.App.Rooms.Count("ward"); n != 1 {
		t.Fatalf("after node 1 left, node 2 runs %d participants of ward, want 1", n)
	}
}

// TestSignallingBoundToItsRoom: a node routes a signalling connection by
// the room in its URL, so one opened for a room cannot then join another
// (whose meeting may run elsewhere); in a cluster a connection without a
// room is refused with a clear error.
func TestSignallingBoundToItsRoom(t *testing.T) {
	a, _ := twoNodes(t, "ward")
	res, err := http.Get(a.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("/ws without a room: %d", res.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.URL, "http")+"/ws?room=ward",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {a.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	b, _ := signal.Encode(signal.TypeJoin, signal.Join{Version: signal.ProtocolVersion, Room: "demo", Name: "Eve"})
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	_, msg, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Type string
		Data signal.Error
	}
	if json.Unmarshal(msg, &env) != nil || env.Type != signal.TypeError || env.Data.Code != signal.CodeBadMessage || !env.Data.Fatal {
		t.Fatalf("joining another room on a connection for ward: %s", msg)
	}
	if a.App.Rooms.Count("demo") != 0 {
		t.Fatal("the other room's meeting started")
	}
}

// TestDrainingNodeKeepsItsMeetings: a node being taken out (SIGTERM with
// --drain-timeout) gets no new meetings but keeps running its own, which
// people still join, and finishes draining when the last one ends.
func TestDrainingNodeKeepsItsMeetings(t *testing.T) {
	a, b := twoNodes(t, "ward", "icu")
	anna := join(t, a.URL, "ward", "Anna", nil)
	if a.App.Rooms.Count("ward") != 1 {
		t.Fatal("the first meeting did not start on the node it was asked at (both idle)")
	}
	drained := make(chan int, 1)
	go func() { drained <- a.App.Drain(context.Background(), 60*time.Second) }()
	waitFor(t, "node 2 to see node 1 draining", 10*time.Second, func() bool {
		for _, n := range b.App.Cluster.Nodes() {
			if n.ID == a.App.Cluster.Self().ID {
				return n.Draining
			}
		}
		return false
	})
	carla := join(t, a.URL, "icu", "Carla", nil)
	defer carla.Close()
	if a.App.Rooms.Count("icu") != 0 || b.App.Rooms.Count("icu") != 1 {
		t.Fatalf("a new meeting asked at the draining node: node 1 %d, node 2 %d", a.App.Rooms.Count("icu"), b.App.Rooms.Count("icu"))
	}
	bruno := join(t, b.URL, "ward", "Bruno", nil)
	if a.App.Rooms.Count("ward") != 2 {
		t.Fatalf("Bruno did not join the meeting still running on the draining node (node 1 has %d)", a.App.Rooms.Count("ward"))
	}
	select {
	case n := <-drained:
		t.Fatalf("draining ended with %d meetings still running", n)
	default:
	}
	for _, c := range []*client.Client{anna, bruno} {
		c.Leave(context.Background())
		c.Close()
	}
	select {
	case n := <-drained:
		if n != 0 {
			t.Fatalf("draining ended with %d meetings left", n)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("draining did not end when the last meeting did")
	}
}

// TestMediaSnapshotOfEveryNode: an operator asking any node for the media
// snapshot sees every node's meetings, each with the node running it,
// and the nodes with their load.
func TestMediaSnapshotOfEveryNode(t *testing.T) {
	a, b := twoNodes(t, "ward", "icu")
	// Each asked at its own node: ward while both are idle, icu while
	// node 2 is the less loaded.
	w := join(t, a.URL, "ward", "Anna", nil)
	defer w.Close()
	i := join(t, b.URL, "icu", "Bruno", nil)
	defer i.Close()
	if a.App.Rooms.Count("ward") != 1 || b.App.Rooms.Count("icu") != 1 {
		t.Fatalf("placement: ward on node 1 %d, icu on node 2 %d", a.App.Rooms.Count("ward"), b.App.Rooms.Count("icu"))
	}
	op := apptest.SignIn(t, a.App, b.URL, apptest.AddAccount(t, a.App, "ops@example.org", "", store.RolePlatformAdmin, ""))
	var got struct {
		Rooms []struct{ Node, Room string }
		Nodes []struct {
			ID       string
			Meetings int
			Error    string
		}
	}
	if code, body := op.Do("GET", "/api/v1/media", nil, &got); code != http.StatusOK {
		t.Fatalf("snapshot: %d %s", code, body)
	}
	where := map[string]string{}
	for _, r := range got.Rooms {
		where[r.Room] = r.Node
	}
	if where["ward"] != "node-1" || where["icu"] != "node-2" || len(got.Rooms) != 2 {
		t.Errorf("rooms: %+v", got.Rooms)
	}
	if len(got.Nodes) != 2 || got.Nodes[0].Meetings != 1 || got.Nodes[1].Meetings != 1 || got.Nodes[0].Error != "" || got.Nodes[1].Error != "" {
		t.Errorf("nodes: %+v", got.Nodes)
	}
	if code, _ := apptest.Anonymous(t, a.URL).Do("GET", "/api/v1/media?local=1", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", code)
	}
}

// TestWebhooksDeliveredOnceByTheCluster: meetings on both nodes of a
// deployment send their events to an operator's webhook; one node at a
// time delivers (a cluster lease), so each event arrives once, and when
// that node stops the other takes over.
func TestWebhooksDeliveredOnceByTheCluster(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("Confer-Event-Id")]++
		mu.Unlock()
	}))
	defer recv.Close()
	n := apptest.StartNodes(t, 2, func(c *config.Config) { c.WebhookAllowPrivate = true })
	a, b := n[0], n[1]
	op := apptest.SignIn(t, a.App, a.URL, apptest.AddAccount(t, a.App, "ops@example.org", "", store.RolePlatformAdmin, ""))
	if code, body := op.Do("POST", "/api/v1/usage/webhooks", map[string]string{"url": recv.URL}, nil); code != http.StatusCreated {
		t.Fatalf("webhook: %d %s", code, body)
	}
	events := func() (total int, dup []string) {
		mu.Lock()
		defer mu.Unlock()
		for id, k := range seen {
			total += k
			if k > 1 {
				dup = append(dup, id)
			}
		}
		return total, dup
	}
	meet := func(node *apptest.Node, room string) {
		apptest.AddRoom(t, node.App, room, 10, "")
		c := join(t, node.URL, room, "Person", nil)
		c.Leave(context.Background())
		c.Close()
	}
	meet(a, "ward")
	meet(b, "icu")
	// Each meeting: started, joined, left, ended.
	waitFor(t, "8 events delivered", 20*time.Second, func() bool { total, _ := events(); return total >= 8 })
	time.Sleep(3 * time.Second) // a second dispatcher would have sent its copies by now
	if total, dup := events(); total != 8 || len(dup) > 0 {
		t.Fatalf("%d deliveries, events delivered more than once: %v", total, dup)
	}

	// The node leading stops: the other delivers from then on.
	leader, other := a, b
	if b.App.Cluster.Lead(context.Background(), "webhooks") {
		leader, other = b, a
	}
	leader.Stop()
	meet(other, "clinic")
	waitFor(t, "the other node to deliver", 30*time.Second, func() bool { total, _ := events(); return total >= 12 })
	if _, dup := events(); len(dup) > 0 {
		t.Fatalf("events delivered more than once: %v", dup)
	}
}

// TestSignInLimitsSharedByTheNodes: someone guessing an account's
// password through a load balancer gets the same few attempts as against
// one node, not a few per node.
func TestSignInLimitsSharedByTheNodes(t *testing.T) {
	a, b := twoNodes(t)
	apptest.AddAccount(t, a.App, "anna@clinic.example", "demo", store.RoleHost, "the right password 2026")
	limited := 0
	start := time.Now()
	for i := 0; i < 10; i++ {
		n := []*apptest.Node{a, b}[i%2]
		code, _ := apptest.Anonymous(t, n.URL).Do("POST", "/api/v1/auth/login",
			map[string]string{"email": "anna@clinic.example", "password": fmt.Sprintf("guess %d", i)}, nil)
		switch code {
		case http.StatusTooManyRequests:
			limited++
		case http.StatusUnauthorized:
		default:
			t.Fatalf("attempt %d at %s: %d", i, n.URL, code)
		}
	}
	// One budget: the burst, and one more per interval the attempts took
	// (argon2 under the race detector is slow). Per node, none would have
	// been refused.
	allowed := 10 - limited
	if max := login.AccountBurst + int(time.Since(start)/login.AccountEvery); allowed > max || limited == 0 {
		t.Fatalf("%d of 10 wrong passwords over two nodes were let through, want at most %d (one budget of %d)",
			allowed, max, login.AccountBurst)
	}
}

// TestMeetingsGoOnWhenNATSIsDown: with the cluster's NATS gone, each node
// serves what reaches it (a meeting running there takes new people, a new
// meeting starts, even a second meeting of a room running elsewhere), and
// when NATS is back the nodes claim their meetings again and the smaller
// of two meetings of one room moves to the larger.
func TestMeetingsGoOnWhenNATSIsDown(t *testing.T) {
	ns := natstest.StartServer(t)
	n := apptest.StartNodes(t, 2, func(c *config.Config) { c.Cluster.NATS = ns.URL })
	a, b := n[0], n[1]
	apptest.AddRoom(t, a.App, "ward", 10, "")
	apptest.AddRoom(t, a.App, "icu", 10, "")
	anna := join(t, a.URL, "ward", "Anna", nil)
	defer anna.Close()
	if a.App.Rooms.Count("ward") != 1 {
		t.Fatal("the first meeting did not start on the node it was asked at")
	}

	ns.Stop()
	bruno := join(t, a.URL, "ward", "Bruno", nil)
	defer bruno.Close()
	if n := a.App.Rooms.Count("ward"); n != 2 {
		t.Fatalf("with NATS down, Bruno did not join the meeting running on the node he reached (%d there)", n)
	}
	carla := join(t, b.URL, "icu", "Carla", nil)
	defer carla.Close()
	if n := b.App.Rooms.Count("icu"); n != 1 {
		t.Fatalf("with NATS down, a new meeting did not start on the node asked (%d there)", n)
	}
	// Dave reaches the other node: a second meeting of ward starts there.
	dave := join(t, b.URL, "ward", "Dave", nil)
	defer dave.Close()
	if n := b.App.Rooms.Count("ward"); n != 1 {
		t.Fatalf("with NATS down, Dave's meeting did not start on node 2 (%d there)", n)
	}

	ns.Start()
	// The smaller meeting of ward moves: Dave is told, joins again and
	// reaches the meeting on node 1.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := dave.WaitEvent(ctx, signal.TypeBye, nil)
	if err != nil {
		t.Fatalf("Dave's split meeting was never moved: %v", err)
	}
	var bye signal.Bye
	if json.Unmarshal(d, &bye) != nil || bye.Reason != "moved" {
		t.Fatalf("Dave was told %s, want moved", d)
	}
	dave2 := join(t, b.URL, "ward", "Dave", nil)
	defer dave2.Close()
	if n1, n2 := a.App.Rooms.Count("ward"), b.App.Rooms.Count("ward"); n1 != 3 || n2 != 0 {
		t.Fatalf("after the move ward has %d people on node 1 and %d on node 2, want 3 and 0", n1, n2)
	}
	owner := func(c *apptest.Node, room string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		o, err := c.App.Cluster.Owner(ctx, room)
		if err != nil {
			return err.Error()
		}
		return o.ID
	}
	waitFor(t, "placement to be whole again", 30*time.Second, func() bool {
		return owner(b, "ward") == "node-1" && owner(a, "icu") == "node-2"
	})
	waitFor(t, "the nodes to see each other again", 15*time.Second, func() bool {
		return len(a.App.Cluster.Nodes()) == 2 && len(b.App.Cluster.Nodes()) == 2
	})
	// What an operator's alerts read (at least: a request during the
	// reconnection may have failed too).
	for node, want := range map[*apptest.Node]map[string]float64{
		a: {"confer_cluster_nodes": 2, "confer_cluster_nats_connected": 1, "confer_cluster_placement_failures_total": 1},
		b: {"confer_cluster_meetings_moved_total": 1, "confer_cluster_placement_failures_total": 2},
	} {
		res, err := http.Get(node.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got := map[string]float64{}
		for _, line := range strings.Split(string(body), "\n") {
			var v float64
			if name, val, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
				if _, err := fmt.Sscan(val, &v); err == nil {
					got[name] = v
				}
			}
		}
		for name, min := range want {
			if v, ok := got[name]; !ok || v < min {
				t.Errorf("%s /metrics: %s = %v, want at least %v", node.URL, name, v, min)
			}
		}
	}
}
