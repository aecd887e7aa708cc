package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/confer-dev/confer/internal/cluster/natstest"
)

const beat = 300 * time.Millisecond

// node starts a cluster member on the test's own buckets; load and live
// can be changed by the test while it runs.
type testNode struct {
	*Cluster
	load    atomic.Int64
	mu      sync.Mutex
	rms     map[string]int
	yielded []string
}

// setLive says which meetings run here, one person each.
func (n *testNode) setLive(rooms ...string) {
	m := map[string]int{}
	for _, r := range rooms {
		m[r] = 1
	}
	n.setMeetings(m)
}

func (n *testNode) setMeetings(m map[string]int) {
	n.mu.Lock()
	n.rms = m
	n.mu.Unlock()
}

func (n *testNode) yields() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.yielded...)
}

func startNode(t *testing.T, prefix, id string, load int) *testNode {
	t.Helper()
	n := &testNode{}
	n.load.Store(int64(load))
	c, err := Open(context.Background(), Config{
		NATS: NATSURL(t), NodeID: id, URL: "http://" + id + ".test:8080", Prefix: prefix, Heartbeat: beat,
		Load: func() int { return int(n.load.Load()) },
		Live: func() map[string]int {
			n.mu.Lock()
			defer n.mu.Unlock()
			m := map[string]int{}
			for r, k := range n.rms {
				m[r] = k
			}
			return m
		},
		Yield: func(room string) {
			n.mu.Lock()
			defer n.mu.Unlock()
			n.yielded = append(n.yielded, room)
			delete(n.rms, room) // its meeting ends
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	n.Cluster = c
	t.Cleanup(func() { _ = c.Close() })
	return n
}

// newPrefix gives a test its own buckets and deletes them afterwards.
func newPrefix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	p := "test-" + hex.EncodeToString(b)
	natstest.DropWhenDone(t, NATSURL(t), p)
	return p
}

// pair starts nodes a and b with the given loads on the test's own
// buckets, once they see each other.
func pair(t *testing.T, loadA, loadB int) (prefix string, a, b *testNode) {
	t.Helper()
	prefix = newPrefix(t)
	a, b = startNode(t, prefix, "a", loadA), startNode(t, prefix, "b", loadB)
	settle(t, a, b)
	return prefix, a, b
}

// settle waits until every node has seen every other one.
func settle(t *testing.T, nodes ...*testNode) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ok := true
		for _, n := range nodes {
			ok = ok && len(n.Nodes()) == len(nodes)
		}
		if ok {
			return
		}
		time.Sleep(beat / 3)
	}
	t.Fatal("the nodes did not see each other")
}

func owner(t *testing.T, n *testNode, room string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := n.Owner(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// Two nodes asked at the same moment about the same rooms agree on every
// owner, and new meetings spread over both.
func TestEveryRoomHasOneOwner(t *testing.T) {
	_, a, b := pair(t, 0, 0)
	per := map[string]int{}
	for i := 0; i < 30; i++ {
		room := fmt.Sprintf("room-%d", i)
		var fromA, fromB string
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); fromA = owner(t, a, room) }()
		go func() { defer wg.Done(); fromB = owner(t, b, room) }()
		wg.Wait()
		if fromA != fromB {
			t.Fatalf("%s: node a says %q, node b says %q", room, fromA, fromB)
		}
		if again := owner(t, b, room); again != fromA {
			t.Fatalf("%s moved from %s to %s", room, fromA, again)
		}
		per[fromA]++
	}
	if per["a"] < 5 || per["b"] < 5 {
		t.Fatalf("new meetings did not spread: %v", per)
	}
	got := a.Nodes()
	if len(got) != 2 || got[0].URL != "http://a.test:8080" || got[1].URL != "http://b.test:8080" {
		t.Fatalf("nodes: %+v", got)
	}
}

func TestNewMeetingGoesToTheLeastLoadedNode(t *testing.T) {
	_, a, _ := pair(t, 40, 3)
	if o := owner(t, a, "ward-7"); o != "b" {
		t.Fatalf("asked at the loaded node a, the meeting went to %s", o)
	}
}

// A node that stops (crash) loses its rooms once it misses its
// heartbeats; one that leaves cleanly gives them up at once.
func TestRoomsOfAGoneNodeMove(t *testing.T) {
	p, a, b := pair(t, 0, 5)
	if o := owner(t, a, "crash-room"); o != "a" {
		t.Fatalf("owner %s", o)
	}
	a.setLive("crash-room")
	time.Sleep(2 * beat)
	if o := owner(t, b, "crash-room"); o != "a" {
		t.Fatalf("while a runs it, b sees owner %s", o)
	}
	a.crash()
	deadline := time.Now().Add(10 * time.Second)
	for owner(t, b, "crash-room") != "b" {
		if time.Now().After(deadline) {
			t.Fatal("the room of a crashed node never moved")
		}
		time.Sleep(beat)
	}

	c := startNode(t, p, "c", 0)
	settle(t, b, c)
	if o := owner(t, c, "clean-room"); o != "c" {
		t.Fatalf("owner %s", o)
	}
	c.setLive("clean-room")
	time.Sleep(2 * beat)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if o := owner(t, b, "clean-room"); o != "b" {
		t.Fatalf("right after node c left, its room is still on %s", o)
	}
}

// When a meeting ends its room is released, so the next meeting there is
// placed afresh (maybe elsewhere).
func TestEndedMeetingReleasesItsRoom(t *testing.T) {
	p := newPrefix(t)
	a := startNode(t, p, "a", 0)
	if o := owner(t, a, "clinic"); o != "a" {
		t.Fatalf("owner %s", o)
	}
	a.setLive("clinic")
	time.Sleep(3 * beat)
	ctx := context.Background()
	if _, err := a.kv().rooms.Get(ctx, "clinic"); err != nil {
		t.Fatalf("live room not held: %v", err)
	}
	a.setLive()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := a.kv().rooms.Get(ctx, "clinic")
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ended meeting's room still held: %v", err)
		}
		time.Sleep(beat / 2)
	}
	// A meeting that starts here without a claim (it raced a release)
	// is claimed back by the heartbeat.
	a.setLive("clinic")
	time.Sleep(3 * beat)
	e, err := a.kv().rooms.Get(ctx, "clinic")
	if err != nil || string(e.Value()) != "a" {
		t.Fatalf("running meeting not claimed again: %v", err)
	}
}

// A draining node keeps its running meetings but gets no new ones.
func TestDrainingNodeGetsNoNewMeetings(t *testing.T) {
	_, a, b := pair(t, 0, 30)
	if o := owner(t, a, "running"); o != "a" {
		t.Fatalf("owner %s", o)
	}
	a.setLive("running")
	if err := a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * beat)
	if o := owner(t, a, "new-one"); o != "b" {
		t.Fatalf("draining node a was given a new meeting (%s)", o)
	}
	if o := owner(t, b, "running"); o != "a" {
		t.Fatalf("a's running meeting moved to %s while draining", o)
	}
}

func TestUnreachableNATSIsAClearError(t *testing.T) {
	_, err := Open(context.Background(), Config{NATS: "nats://127.0.0.1:1", NodeID: "x", URL: "http://x"})
	if err == nil || !strings.Contains(err.Error(), "NATS") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Open(context.Background(), Config{NATS: NATSURL(t)}); err == nil {
		t.Fatal("a node without an ID or URL was accepted")
	}
}

func NATSURL(t testing.TB) string { return natstest.URL(t) }

// crash stops the node as a killed process would: no heartbeat, no
// goodbye.
func (c *Cluster) crash() {
	close(c.stop)
	<-c.done
	c.nc.Close()
}

// One node at a time leads a lease; when it dies another takes over, and
// one that leaves cleanly hands it over at once.
func TestLeaseHasOneHolder(t *testing.T) {
	p := newPrefix(t)
	a, b := startNode(t, p, "a", 0), startNode(t, p, "b", 0)
	ctx := context.Background()
	if !a.Lead(ctx, "webhooks") {
		t.Fatal("a free lease was not taken")
	}
	if b.Lead(ctx, "webhooks") {
		t.Fatal("two nodes lead webhooks")
	}
	time.Sleep(5 * beat) // longer than the lease lives without renewal
	if !a.Lead(ctx, "webhooks") || b.Lead(ctx, "webhooks") {
		t.Fatal("the holder's heartbeat did not keep its lease")
	}
	a.crash()
	deadline := time.Now().Add(10 * time.Second)
	for !b.Lead(ctx, "webhooks") {
		if time.Now().After(deadline) {
			t.Fatal("the lease of a crashed node was never taken over")
		}
		time.Sleep(beat / 2)
	}
	c := startNode(t, p, "c", 0)
	if c.Lead(ctx, "webhooks") {
		t.Fatal("c took a lease b holds")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if !c.Lead(ctx, "webhooks") {
		t.Fatal("the lease of a node that left was not free at once")
	}
}

// Two nodes share one budget of attempts per key: what one took, the
// other cannot; other keys are not touched; the budget refills.
func TestLimiterSharedByTheNodes(t *testing.T) {
	p := newPrefix(t)
	a, b := startNode(t, p, "a", 0), startNode(t, p, "b", 0)
	ctx := context.Background()
	la, err := a.Limiter(ctx, "signin", time.Second, 4)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.Limiter(ctx, "signin", time.Second, 4)
	if err != nil {
		t.Fatal(err)
	}
	key := "anna@example.org"
	allowed := 0
	for i := 0; i < 8; i++ {
		l := la
		if i%2 == 1 {
			l = lb
		}
		if l.Allow(key) {
			allowed++
		}
	}
	if allowed != 4 {
		t.Fatalf("%d attempts allowed across two nodes, want the burst of 4", allowed)
	}
	if !la.Allow("bruno@example.org") {
		t.Fatal("another key was limited")
	}
	time.Sleep(1100 * time.Millisecond)
	if !lb.Allow(key) {
		t.Fatal("the budget did not refill")
	}
	if lb.Allow(key) {
		t.Fatal("more than one attempt refilled after one interval")
	}
	// Concurrent attempts from both nodes still add up to the burst at
	// most (some may give up under contention: refused, never let in).
	if la, err = a.Limiter(ctx, "slow", time.Minute, 4); err != nil {
		t.Fatal(err)
	}
	if lb, err = b.Limiter(ctx, "slow", time.Minute, 4); err != nil {
		t.Fatal(err)
	}
	key = "carla@example.org"
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := la
			if i%2 == 1 {
				l = lb
			}
			if l.Allow(key) {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := ok.Load(); n > 4 || n < 2 {
		t.Fatalf("%d concurrent attempts allowed, burst is 4", n)
	}
}

// Two nodes that each started a meeting of one room (while they could not
// agree) settle it: the larger meeting keeps the room, the other is told
// to move; a room taken from a node still running its meeting with nobody
// on the taker's side goes back.
func TestSplitMeetingSettles(t *testing.T) {
	_, a, b := pair(t, 0, 0)
	ctx := context.Background()
	a.setMeetings(map[string]int{"ward": 3})
	b.setMeetings(map[string]int{"ward": 1})
	if _, err := b.kv().rooms.Put(ctx, "ward", []byte("b")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(b.yields()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the smaller meeting was never moved")
		}
		time.Sleep(beat / 3)
	}
	if y := b.yields(); y[0] != "ward" {
		t.Fatalf("b moved %v", y)
	}
	time.Sleep(2 * beat)
	if o := owner(t, b, "ward"); o != "a" {
		t.Fatalf("ward is on %s, want a (3 people there)", o)
	}
	if y := a.yields(); len(y) != 0 {
		t.Fatalf("the larger meeting was moved too: %v", y)
	}

	// Taken while a runs it, by a node where nobody joined: a takes it back.
	a.setMeetings(map[string]int{"icu": 2})
	time.Sleep(2 * beat)
	if _, err := b.kv().rooms.Put(ctx, "icu", []byte("b")); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for owner(t, b, "icu") != "a" {
		if time.Now().After(deadline) {
			t.Fatal("the room never went back to the node running its meeting")
		}
		time.Sleep(beat / 3)
	}
	if len(a.yields())+len(b.yields()) != 1 {
		t.Fatalf("a meeting moved for nothing: a %v, b %v", a.yields(), b.yields())
	}
}
