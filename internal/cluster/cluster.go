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
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Node is one confer process as the others see it.
type Node struct {
	ID       string `json:"id"`
	URL      string `json:"url"`  // where the other nodes reach its HTTP
	Load     int    `json:"load"` // participants in its meetings
	Draining bool   `json:"draining,omitempty"`
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
	// Load counts the participants in this node's meetings; Live lists
	// the rooms whose meetings run here. Both are called each heartbeat.
	Load   func() int
	Live   func() []string
	Logger *slog.Logger
}

// Cluster is this node's membership.
type Cluster struct {
	cfg    Config
	nc     *nats.Conn
	nodes  jetstream.KeyValue
	rooms  jetstream.KeyValue
	leases jetstream.KeyValue // lease.go
	log    *slog.Logger

	mu       sync.Mutex
	known    map[string]Node // every live node, as of the last heartbeat
	live     map[string]bool // rooms live here at the last heartbeat
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
	if cfg.Load == nil {
		cfg.Load = func() int { return 0 }
	}
	if cfg.Live == nil {
		cfg.Live = func() []string { return nil }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	nc, err := nats.Connect(cfg.NATS, nats.Name("confer "+cfg.NodeID), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS %s: %w", cfg.NATS, err)
	}
	c := &Cluster{cfg: cfg, nc: nc, log: cfg.Logger, known: map[string]Node{}, live: map[string]bool{}, held: map[string]bool{},
		stop: make(chan struct{}), done: make(chan struct{})}
	js, err := jetstream.New(nc)
	if err == nil {
		c.nodes, err = bucket(ctx, js, cfg.Prefix+"-nodes", 3*cfg.Heartbeat, cfg.Replicas)
	}
	if err == nil {
		// A room outlives a few missed refreshes; its owner's death is
		// noticed sooner, through the nodes bucket.
		c.rooms, err = bucket(ctx, js, cfg.Prefix+"-rooms", 10*cfg.Heartbeat, cfg.Replicas)
	}
	if err == nil {
		c.leases, err = bucket(ctx, js, cfg.Prefix+"-leases", 3*cfg.Heartbeat, cfg.Replicas)
	}
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

func bucket(ctx context.Context, js jetstream.JetStream, name string, ttl time.Duration, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, TTL: ttl, History: 1, Storage: jetstream.MemoryStorage, Replicas: replicas,
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
	c.live = map[string]bool{}
	c.mu.Unlock()
	for room := range live {
		c.release(ctx, room)
	}
	c.dropLeases(ctx)
	err := c.nodes.Delete(ctx, c.cfg.NodeID)
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
	c.mu.Lock()
	me := Node{ID: c.cfg.NodeID, URL: c.cfg.URL, Load: c.cfg.Load(), Draining: c.draining}
	c.mu.Unlock()
	b, _ := json.Marshal(me)
	if _, err := c.nodes.Put(ctx, me.ID, b); err != nil {
		return fmt.Errorf("announce node: %w", err)
	}
	known, err := c.list(ctx)
	if err != nil {
		return err
	}
	known[me.ID] = me
	now := map[string]bool{}
	for _, room := range c.cfg.Live() {
		now[room] = true
	}
	c.mu.Lock()
	c.known = known
	before := c.live
	c.live = now
	c.mu.Unlock()
	for room := range now {
		c.keep(ctx, room)
	}
	for room := range before {
		if !now[room] {
			c.release(ctx, room)
		}
	}
	c.renewLeases(ctx)
	return nil
}

func (c *Cluster) list(ctx context.Context) (map[string]Node, error) {
	keys, err := c.nodes.ListKeys(ctx)
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
	e, err := c.nodes.Get(ctx, id)
	if err != nil {
		return Node{}, false
	}
	var n Node
	if json.Unmarshal(e.Value(), &n) != nil || n.ID != id || n.URL == "" {
		return Node{}, false
	}
	return n, true
}

// keep refreshes the claim on a room whose meeting runs here, and makes
// it if it is missing (a meeting that started as its key was released).
func (c *Cluster) keep(ctx context.Context, room string) {
	e, err := c.rooms.Get(ctx, room)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		_, err = c.rooms.Create(ctx, room, []byte(c.cfg.NodeID))
	case err == nil && string(e.Value()) == c.cfg.NodeID:
		_, err = c.rooms.Update(ctx, room, e.Value(), e.Revision())
	case err == nil:
		c.log.Warn("a meeting runs here but the room is placed on another node", "room", room, "owner", string(e.Value()))
		return
	}
	if err != nil {
		c.log.Warn("cluster: refresh room", "room", room, "err", err)
	}
}

// release gives up a room whose meeting ended here, unless another node
// already holds it.
func (c *Cluster) release(ctx context.Context, room string) {
	e, err := c.rooms.Get(ctx, room)
	if err != nil || string(e.Value()) != c.cfg.NodeID {
		return
	}
	if err := c.rooms.Delete(ctx, room, jetstream.LastRevision(e.Revision())); err != nil {
		c.log.Debug("cluster: release room", "room", room, "err", err)
	}
}

// Owner returns the node that runs room's meeting. When no live node
// does, it places the meeting on the least loaded node that is not
// draining (this one on a tie) and returns that. Every node asking at
// the same time gets the same answer.
func (c *Cluster) Owner(ctx context.Context, room string) (Node, error) {
	for attempt := 0; attempt < 5; attempt++ {
		e, err := c.rooms.Get(ctx, room)
		switch {
		case err == nil:
			id := string(e.Value())
			if n, ok := c.alive(ctx, id); ok {
				return n, nil
			}
			target := c.pick(ctx)
			if _, err := c.rooms.Update(ctx, room, []byte(target.ID), e.Revision()); err == nil {
				c.log.Info("meeting moved from a node that is gone", "room", room, "from", id, "to", target.ID)
				return target, nil
			}
		case errors.Is(err, jetstream.ErrKeyNotFound):
			target := c.pick(ctx)
			if _, err := c.rooms.Create(ctx, room, []byte(target.ID)); err == nil {
				return target, nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return Node{}, fmt.Errorf("cluster: place %s: %w", room, err)
			}
		default:
			return Node{}, fmt.Errorf("cluster: look up %s: %w", room, err)
		}
		// Another node placed it first: read its choice.
	}
	return Node{}, fmt.Errorf("cluster: place %s: too much contention", room)
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
