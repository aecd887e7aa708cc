package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/cluster"
	"github.com/confer-dev/confer/internal/httpapi"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/metrics"
	"github.com/confer-dev/confer/internal/store"
)

// joinCluster makes this process a node of a multi-node deployment when
// one is configured: its meetings are placed through NATS and requests
// about a meeting elsewhere are passed on (httpapi/route.go).
func (a *App) joinCluster(ctx context.Context) error {
	k := a.Config.Cluster
	if k.NATS == "" {
		return nil
	}
	c, err := cluster.Open(ctx, cluster.Config{
		NATS: k.NATS, NodeID: k.NodeID, URL: k.NodeURL, Prefix: k.Name,
		Live: a.Rooms.Counts, Yield: func(room string) { a.Rooms.Move(room) },
		Logger: a.log.With("part", "cluster"),
	})
	if err != nil {
		return fmt.Errorf("join the cluster: %w", err)
	}
	a.Cluster = c
	a.joined.Store(c)
	stat := func(f func(cluster.Stats) uint64) func() float64 {
		return func() float64 { return float64(f(c.Stats())) }
	}
	a.Usage.Metrics.AddCluster(metrics.ClusterSources{
		Nodes: func() float64 { return float64(len(c.Nodes())) },
		Connected: func() float64 {
			if c.Connected() {
				return 1
			}
			return 0
		},
		PlacementFailures: stat(func(s cluster.Stats) uint64 { return s.PlacementFailures }),
		TakenOver:         stat(func(s cluster.Stats) uint64 { return s.TakenOver }),
		Reclaimed:         stat(func(s cluster.Stats) uint64 { return s.Reclaimed }),
		Yielded:           stat(func(s cluster.Stats) uint64 { return s.Yielded }),
	})
	return nil
}

// leadsWebhooks says whether this process delivers webhooks: always on
// one node; in a cluster only the node holding the "webhooks" lease, so
// that deliveries stay in order (none before the node has joined).
func (a *App) leadsWebhooks(ctx context.Context) bool {
	if a.Config.Cluster.NATS == "" {
		return true
	}
	c := a.joined.Load()
	return c != nil && c.Lead(ctx, "webhooks")
}

// signInLimits are the sign-in rate limits: in a cluster shared by every
// node (otherwise n nodes would allow n times the attempts); nil, nil on
// one node (login's own).
func (a *App) signInLimits(ctx context.Context) (login.Limiter, login.Limiter, error) {
	if a.Cluster == nil {
		return nil, nil, nil
	}
	addr, err := a.Cluster.Limiter(ctx, "signin-addr", login.AddrEvery, login.AddrBurst)
	if err != nil {
		return nil, nil, err
	}
	account, err := a.Cluster.Limiter(ctx, "signin-account", login.AccountEvery, login.AccountBurst)
	if err != nil {
		return nil, nil, err
	}
	return addr, account, nil
}

// roomExists says whether slug names a room (for routing: unknown names
// are not placed in the cluster).
func (a *App) roomExists(ctx context.Context, slug string) (bool, error) {
	_, err := a.Directory.RoomBySlug(ctx, slug)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// placement adapts the cluster to httpapi.Placement.
type placement struct{ c *cluster.Cluster }

func (p placement) Owner(ctx context.Context, room string) (string, error) {
	n, err := p.c.Owner(ctx, room)
	if errors.Is(err, cluster.ErrUnsure) {
		return "", fmt.Errorf("%w: %w", httpapi.ErrTryAgain, err)
	}
	if err != nil || n.ID == p.c.Self().ID {
		return "", err
	}
	return n.URL, nil
}

// leaveCluster gives this node's rooms up so the others place them at
// once; safe to call twice.
func (a *App) leaveCluster() {
	if a.Cluster == nil {
		return
	}
	if err := a.Cluster.Close(); err != nil {
		a.log.Warn("leaving the cluster", "err", err)
	}
}

// Drain takes this node out of the placement of new meetings and waits,
// at most timeout, for its running meetings to end (people still join
// those). It returns how many were still running. On a single node, or
// with timeout 0, it returns at once.
func (a *App) Drain(ctx context.Context, timeout time.Duration) int {
	if a.Cluster == nil || timeout <= 0 {
		return a.Rooms.Rooms()
	}
	if err := a.Cluster.Drain(ctx); err != nil {
		a.log.Warn("draining: could not tell the cluster", "err", err)
	}
	n := a.Rooms.Rooms()
	a.log.Info("draining: no new meetings here; waiting for the running ones to end", "meetings", n, "at_most", timeout)
	end := time.NewTimer(timeout)
	defer end.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for n > 0 {
		select {
		case <-ctx.Done():
			return n
		case <-end.C:
			a.log.Info("draining: time is up", "meetings", n)
			return n
		case <-tick.C:
			n = a.Rooms.Rooms()
		}
	}
	a.log.Info("draining: every meeting here has ended")
	return 0
}
