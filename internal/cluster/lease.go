package cluster

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// Lead reports whether this node holds the lease called name, taking it
// when nobody does. One node at a time holds a lease: for work that must
// not run twice on one database (the webhook dispatcher delivers in order
// only if alone). The heartbeat renews a held lease; a node that stops
// renewing loses it after three heartbeats, and the next caller of Lead
// elsewhere takes it.
func (c *Cluster) Lead(ctx context.Context, name string) bool {
	c.mu.Lock()
	held := c.held[name]
	c.mu.Unlock()
	if held {
		return true
	}
	_, err := c.kv().leases.Create(ctx, name, []byte(c.cfg.NodeID))
	if err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			c.log.Warn("cluster: take lease", "lease", name, "err", err)
		}
		return false
	}
	c.log.Info("this node now leads", "lease", name)
	c.mu.Lock()
	c.held[name] = true
	c.mu.Unlock()
	return true
}

// renewLeases keeps this node's leases; one it cannot renew is dropped.
func (c *Cluster) renewLeases(ctx context.Context) {
	c.mu.Lock()
	names := make([]string, 0, len(c.held))
	for name := range c.held {
		names = append(names, name)
	}
	c.mu.Unlock()
	for _, name := range names {
		e, err := c.kv().leases.Get(ctx, name)
		if err == nil && string(e.Value()) == c.cfg.NodeID {
			_, err = c.kv().leases.Update(ctx, name, e.Value(), e.Revision())
		} else if err == nil {
			err = errors.New("held by " + string(e.Value()))
		}
		if err != nil {
			c.log.Warn("this node no longer leads", "lease", name, "err", err)
			c.mu.Lock()
			delete(c.held, name)
			c.mu.Unlock()
		}
	}
}

// dropLeases gives up this node's leases (leaving the cluster).
func (c *Cluster) dropLeases(ctx context.Context) {
	c.mu.Lock()
	held := c.held
	c.held = map[string]bool{}
	c.mu.Unlock()
	for name := range held {
		if e, err := c.kv().leases.Get(ctx, name); err == nil && string(e.Value()) == c.cfg.NodeID {
			_ = c.kv().leases.Delete(ctx, name, jetstream.LastRevision(e.Revision()))
		}
	}
}
