// Package cluster places meetings on the nodes of a multi-node
// deployment. Each room's meeting runs on exactly one node; any node can
// take a participant's request and learn here which node that is. The
// shared state lives in two NATS JetStream key-value buckets, so nothing
// here is a home-made consensus:
//
//   - nodes: node ID → Node (its URL and load), put every heartbeat and
//     expiring when a node stops putting it;
//   - rooms: room slug → owner node ID, claimed with an atomic create (or
//     a compare-and-set when the owner is gone), refreshed by the owner
//     while its meeting is live and deleted when the meeting ends;
//   - leases: name → the one node doing a job that must not run twice
//     (lease.go).
//
// The package knows nothing of HTTP or media: callers proxy requests.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrUnsure: the node running a meeting is not heard from just now, too
// briefly to tell whether it is gone; ask again in a few seconds.
var ErrUnsure = errors.New("cluster: the meeting's node is not answering yet")

// Node is one confer process as the others see it.
type Node struct {
	ID       string `json:"id"`
	URL      string `json:"url"`  // where the other nodes reach its HTTP
	Load     int    `json:"load"` // participants in its meetings
	Draining bool   `json:"draining,omitempty"`
	// Meetings running there: room → participants. Two nodes that both
	// run one (started while they could not agree) settle it with these.
	Meetings map[string]int `json:"meetings,omitempty"`
	Left     bool           `json:"left,omitempty"` // it left the cluster (shut down)
}

// Config says where the cluster's NATS is and who this node is.
type Config struct {
	NATS   string // nats://host:4222, comma-separated for several servers
	NodeID string // unique per node; stable across restarts is best
	URL    string // this node's base URL for the other nodes
	// Prefix names the buckets (<prefix>-nodes, <prefix>-rooms); tests
	// use their own. Default "confer".
	Prefix string
	// Heartbeat is how often the node tells its load and refreshes its
	// rooms; a node silent for three heartbeats is gone. Default 2 s.
	Heartbeat time.Duration
	// Replicas of the buckets in a clustered NATS (default 1).
	Replicas int
	// Live gives the meetings running here (room → participants), each
	// heartbeat; Load, if set, overrides their sum as this node's load.
	Live func() map[string]int
	Load func() int
	// Yield ends this node's meeting of room: the same room's meeting
	// runs on another node, with more people. Its participants join again
	// and reach that node.
	Yield  func(room string)
	Logger *slog.Logger
}

// Cluster is this node's membership.
type Cluster struct {
	cfg Config
	nc  *nats.Conn
	b   atomic.Pointer[buckets] // replaced when NATS lost them (ensureBuckets)
	log *slog.Logger
	// connected is when NATS was last (re)connected (unix ns): only
	// after a few heartbeats since then is a missing node taken as gone.
	connected atomic.Int64
	stats     struct{ failed, takenOver, reclaimed, yielded atomic.Uint64 } // Stats

	mu       sync.Mutex
	known    map[string]Node // every live node, as of the last heartbeat
	live     map[string]int  // meetings here at the last heartbeat: room → participants
	held     map[string]bool // leases this node holds (lease.go)
	draining bool

	stop chan struct{}
	done chan struct{}
}

// Open connects to NATS, creates the buckets if needed, announces this
// node and starts its heartbeat.
func Open(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.NodeID == "" || cfg.URL == "" {
		return nil, errors.New("cluster: a node needs an ID and a URL")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "confer"
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 2 * time.Second
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.Live == nil {
		cfg.Live = func() map[string]int { return nil }
	}
	if cfg.Yield == nil {
		cfg.Yield = func(string) {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Cluster{cfg: cfg, log: cfg.Logger, known: map[string]Node{}, live: map[string]int{}, held: map[string]bool{},
		stop: make(chan struct{}), done: make(chan struct{})}
	c.connected.Store(time.Now().UnixNano())
	nc, err := nats.Connect(cfg.NATS, nats.Name("confer "+cfg.NodeID), nats.MaxReconnects(-1),
		nats.ReconnectHandler(func(*nats.Conn) {
			c.connected.Store(time.Now().UnixNano())
			c.log.Info("cluster: NATS is back")
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: this node closed it
				c.log.Warn("cluster: NATS lost", "err", err)
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS %s: %w", cfg.NATS, err)
	}
	c.nc = nc
	err = c.ensureBuckets(ctx)
	if err == nil {
		err = c.beat(ctx)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	go c.run()
	return c, nil
}

// Stats counts what operators alert on.
type Stats struct {
	PlacementFailures uint64 // Owner could not ask NATS (requests served where they landed)
	TakenOver         uint64 // rooms moved from a node that was gone
	Reclaimed         uint64 // rooms taken back by the node running their meeting
	Yielded           uint64 // meetings moved to another node running the same room
}

// Stats returns the counters since start.
func (c *Cluster) Stats() Stats {
	return Stats{PlacementFailures: c.stats.failed.Load(), TakenOver: c.stats.takenOver.Load(),
		Reclaimed: c.stats.reclaimed.Load(), Yielded: c.stats.yielded.Load()}
}

// Connected says whether NATS is reachable now.
func (c *Cluster) Connected() bool { return c.nc.IsConnected() }

// ensureBuckets creates the buckets, or finds them: at start, and again
// when a NATS server that lost them (a new one, an emptied store) is back.
func (c *Cluster) ensureBuckets(ctx context.Context) error {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return err
	}
	hb := c.cfg.Heartbeat
	nodes, err := bucket(ctx, js, c.cfg.Prefix+"-nodes", 3*hb, c.cfg.Replicas)
	if err != nil {
		return err
	}
	// A room outlives a few missed refreshes; its owner's death is
	// noticed sooner, through the nodes bucket.
	rooms, err := bucket(ctx, js, c.cfg.Prefix+"-rooms", 10*hb, c.cfg.Replicas)
	if err != nil {
		return err
	}
	leases, err := bucket(ctx, js, c.cfg.Prefix+"-leases", 3*hb, c.cfg.Replicas)
	if err != nil {
		return err
	}
	c.b.Store(&buckets{nodes: nodes, rooms: rooms, leases: leases})
	return nil
}

// buckets are the cluster's key-value buckets.
type buckets struct {
	nodes  jetstream.KeyValue
	rooms  jetstream.KeyValue
	leases jetstream.KeyValue // lease.go
}

func (c *Cluster) kv() *buckets { return c.b.Load() }

func bucket(ctx context.Context, js jetstream.JetStream, name string, ttl time.Duration, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, TTL: ttl, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// Self is this node.
func (c *Cluster) Self() Node {
	return Node{ID: c.cfg.NodeID, URL: c.cfg.URL}
}

// Nodes lists the live nodes as of the last heartbeat, by ID.
func (c *Cluster) Nodes() []Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Node, 0, len(c.known))
	for _, n := range c.known {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Drain stops new meetings from being placed here; the meetings already
// running go on. Called before a node is taken out.
func (c *Cluster) Drain(ctx context.Context) error {
	c.mu.Lock()
	c.draining = true
	c.mu.Unlock()
	return c.beat(ctx)
}

// Close stops the heartbeat, gives up this node's rooms and leaves, so the
// others place those rooms anew at once rather than after a timeout.
func (c *Cluster) Close() error {
	select {
	case <-c.stop:
		return nil
	default:
	}
	close(c.stop)
	<-c.done
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c.mu.Lock()
	live := c.live
	c.live = map[string]int{}
	c.mu.Unlock()
	for room := range c.cfg.Live() { // meetings started since the last heartbeat too
		live[room] = 1
	}
	for room := range live {
		c.release(ctx, room)
	}
	c.dropLeases(ctx)
	// A tombstone rather than a delete: the others take this node's rooms
	// at once instead of waiting to be sure it is gone.
	b, _ := json.Marshal(Node{ID: c.cfg.NodeID, URL: c.cfg.URL, Left: true})
	_, err := c.kv().nodes.Put(ctx, c.cfg.NodeID, b)
	c.nc.Close()
	if err != nil {
		return fmt.Errorf("cluster: leave: %w", err)
	}
	return nil
}

func (c *Cluster) run() {
	defer close(c.done)
	t := time.NewTicker(c.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Heartbeat)
		if err := c.beat(ctx); err != nil {
			c.log.Warn("cluster heartbeat", "err", err)
		}
		cancel()
	}
}

// beat announces this node, learns the others and keeps this node's live
// rooms claimed (releasing those whose meetings ended).
func (c *Cluster) beat(ctx context.Context) error {
	now := c.cfg.Live()
	load := 0
	for _, n := range now {
		load += n
	}
	if c.cfg.Load != nil {
		load = c.cfg.Load()
	}
	c.mu.Lock()
	me := Node{ID: c.cfg.NodeID, URL: c.cfg.URL, Load: load, Draining: c.draining, Meetings: now}
	c.mu.Unlock()
	b, _ := json.Marshal(me)
	if _, err := c.kv().nodes.Put(ctx, me.ID, b); err != nil {
		// A NATS that came back without our buckets: make them again.
		if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
			if err := c.ensureBuckets(ctx); err != nil {
				return fmt.Errorf("announce node: recreate buckets: %w", err)
			}
			_, err = c.kv().nodes.Put(ctx, me.ID, b)
		}
		if err != nil {
			return fmt.Errorf("announce node: %w", err)
		}
	}
	known, err := c.list(ctx)
	if err != nil {
		return err
	}
	known[me.ID] = me
	c.mu.Lock()
	c.known = known
	before := c.live
	c.live = now
	c.mu.Unlock()
	for room, n := range now {
		c.keep(ctx, room, n)
	}
	for room := range before {
		if _, ok := now[room]; !ok {
			c.release(ctx, room)
		}
	}
	c.renewLeases(ctx)
	return nil
}

func (c *Cluster) list(ctx context.Context) (map[string]Node, error) {
	keys, err := c.kv().nodes.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	out := map[string]Node{}
	for k := range keys.Keys() {
		if n, ok := c.node(ctx, k); ok {
			out[n.ID] = n
		}
	}
	return out, nil
}

// node reads one node's entry; a node whose entry expired or was deleted
// is gone.
func (c *Cluster) node(ctx context.Context, id string) (Node, bool) {
	e, err := c.kv().nodes.Get(ctx, id)
	if err != nil {
		return Node{}, false
	}
	var n Node
	if json.Unmarshal(e.Value(), &n) != nil || n.ID != id || n.URL == "" || n.Left {
		return Node{}, false
	}
	return n, true
}

// left says whether node id said goodbye (its entry is a tombstone).
func (c *Cluster) left(ctx context.Context, id string) bool {
	e, err := c.kv().nodes.Get(ctx, id)
	if err != nil {
		return false
	}
	var n Node
	return json.Unmarshal(e.Value(), &n) == nil && n.Left
}

// keep refreshes the claim on a room whose meeting runs here (n people),
// and makes it if it is missing (a meeting that started as its key was
// released). When the room is placed on another node, which happens when
// nodes could not agree for a while (NATS unreachable), the larger
// meeting keeps the room and the other is moved to it.
func (c *Cluster) keep(ctx context.Context, room string, n int) {
	e, err := c.kv().rooms.Get(ctx, room)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		_, err = c.kv().rooms.Create(ctx, room, []byte(c.cfg.NodeID))
	case err == nil && string(e.Value()) == c.cfg.NodeID:
		_, err = c.kv().rooms.Update(ctx, room, e.Value(), e.Revision())
	case err == nil:
		other := string(e.Value())
		theirs := 0
		if o, ok := c.node(ctx, other); ok {
			theirs = o.Meetings[room]
		}
		if n > theirs || n == theirs && c.cfg.NodeID < other {
			c.log.Warn("room placed on another node while its meeting runs here: taking it back", "room", room, "other", other, "here", n, "there", theirs)
			if _, err = c.kv().rooms.Update(ctx, room, []byte(c.cfg.NodeID), e.Revision()); err == nil {
				c.stats.reclaimed.Add(1)
			}
		} else {
			c.log.Warn("the room's meeting runs on another node too, with more people: moving ours there", "room", room, "other", other, "here", n, "there", theirs)
			c.stats.yielded.Add(1)
			c.cfg.Yield(room)
			return
		}
	}
	if err != nil {
		c.log.Warn("cluster: refresh room", "room", room, "err", err)
	}
}

// release gives up a room whose meeting ended here, unless another node
// already holds it.
func (c *Cluster) release(ctx context.Context, room string) {
	e, err := c.kv().rooms.Get(ctx, room)
	if err != nil || string(e.Value()) != c.cfg.NodeID {
		return
	}
	if err := c.kv().rooms.Delete(ctx, room, jetstream.LastRevision(e.Revision())); err != nil {
		c.log.Debug("cluster: release room", "room", room, "err", err)
	}
}

// Owner returns the node that runs room's meeting. When no live node
// does, it places the meeting on the least loaded node that is not
// draining (this one on a tie) and returns that. Every node asking at
// the same time gets the same answer.
func (c *Cluster) Owner(ctx context.Context, room string) (Node, error) {
	for attempt := 0; attempt < 5; attempt++ {
		e, err := c.kv().rooms.Get(ctx, room)
		switch {
		case err == nil:
			id := string(e.Value())
			if n, ok := c.alive(ctx, id); ok {
				return n, nil
			}
			// Its node seems gone. Believe it only when the room has not
			// been refreshed for a while and this node has been talking to
			// NATS long enough to have heard the others (after NATS comes
			// back, every node needs a heartbeat to announce itself).
			hb := c.cfg.Heartbeat
			unsure := time.Since(e.Created()) < 3*hb || time.Since(time.Unix(0, c.connected.Load())) < 3*hb
			if unsure && !c.left(ctx, id) {
				if n, ok := c.cached(id); ok {
					return n, nil
				}
				return Node{}, fmt.Errorf("%w: room %s, node %s", ErrUnsure, room, id)
			}
			target := c.pick(ctx)
			if _, err := c.kv().rooms.Update(ctx, room, []byte(target.ID), e.Revision()); err == nil {
				c.log.Info("meeting moved from a node that is gone", "room", room, "from", id, "to", target.ID)
				c.stats.takenOver.Add(1)
				return target, nil
			}
		case errors.Is(err, jetstream.ErrKeyNotFound):
			target := c.pick(ctx)
			if _, err := c.kv().rooms.Create(ctx, room, []byte(target.ID)); err == nil {
				return target, nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				c.stats.failed.Add(1)
				return Node{}, fmt.Errorf("cluster: place %s: %w", room, err)
			}
		default:
			c.stats.failed.Add(1)
			return Node{}, fmt.Errorf("cluster: look up %s: %w", room, err)
		}
		// Another node placed it first: read its choice.
	}
	return Node{}, fmt.Errorf("cluster: place %s: too much contention", room)
}

// cached is node id as of the last heartbeat.
func (c *Cluster) cached(id string) (Node, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.known[id]
	return n, ok
}

// alive returns the node id if it is still in the cluster.
func (c *Cluster) alive(ctx context.Context, id string) (Node, bool) {
	if id == c.cfg.NodeID {
		return c.Self(), true
	}
	return c.node(ctx, id)
}

// pick chooses where a new meeting goes: the least loaded node that is not
// draining, preferring this one on a tie (no hop for the first request).
// The list is a heartbeat old, so another node chosen is checked first.
func (c *Cluster) pick(ctx context.Context) Node {
	for {
		n := c.pickKnown()
		if n.ID == c.cfg.NodeID {
			return n
		}
		if _, ok := c.node(ctx, n.ID); ok {
			return n
		}
		c.mu.Lock()
		delete(c.known, n.ID)
		c.mu.Unlock()
	}
}

func (c *Cluster) pickKnown() Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	var best Node
	found := false
	for _, n := range c.known {
		if n.Draining {
			continue
		}
		better := !found || n.Load < best.Load ||
			n.Load == best.Load && (n.ID == c.cfg.NodeID || best.ID != c.cfg.NodeID && n.ID < best.ID)
		if better {
			best, found = n, true
		}
	}
	if !found {
		return c.Self() // every node draining: better here than nowhere
	}
	// Count the meeting at once, so that a burst of new meetings between
	// two heartbeats spreads instead of piling onto one node.
	best.Load++
	c.known[best.ID] = best
	return best
}
