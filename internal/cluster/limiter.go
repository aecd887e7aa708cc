package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/confer-dev/confer/internal/ratelimit"
)

// Limiter limits attempts per key across every node: Burst at once, then
// one per Every, as ratelimit.Limiter does in one process. Without it, a
// deployment of n nodes behind a load balancer would allow n times the
// sign-in attempts. Each key holds its "theoretical arrival time" (GCRA),
// updated with compare-and-set.
type Limiter struct {
	kv    jetstream.KeyValue
	every time.Duration
	burst int
	local *ratelimit.Limiter // when NATS does not answer: limited here at least
	log   *slog.Logger
}

// Limiter returns the cluster-wide limiter called name (a-z, 0-9, '-').
func (c *Cluster) Limiter(ctx context.Context, name string, every time.Duration, burst int) (*Limiter, error) {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return nil, fmt.Errorf("cluster: limiter %s: %w", name, err)
	}
	// A key untouched for Burst×Every is full again: it can go.
	ttl := max(time.Duration(burst)*every, time.Second)
	kv, err := bucket(ctx, js, c.cfg.Prefix+"-limit-"+name, ttl, c.cfg.Replicas)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	return &Limiter{kv: kv, every: every, burst: burst, local: ratelimit.New(every, burst), log: c.log}, nil
}

// Allow takes one attempt for key and says whether it is allowed.
func (l *Limiter) Allow(key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	k := limiterKey(key)
	window := time.Duration(l.burst) * l.every
	for attempt := 0; attempt < 8; attempt++ {
		now := time.Now()
		tat := now
		e, err := l.kv.Get(ctx, k)
		switch {
		case err == nil && len(e.Value()) == 8:
			if t := time.Unix(0, int64(binary.BigEndian.Uint64(e.Value()))); t.After(now) {
				tat = t
			}
		case err != nil && !errors.Is(err, jetstream.ErrKeyNotFound):
			return l.fallback(key, err)
		}
		next := tat.Add(l.every)
		if next.Sub(now) > window {
			return false
		}
		v := binary.BigEndian.AppendUint64(nil, uint64(next.UnixNano()))
		if err == nil {
			_, err = l.kv.Update(ctx, k, v, e.Revision())
		} else {
			_, err = l.kv.Create(ctx, k, v)
		}
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return l.fallback(key, err)
		}
		// Another node took an attempt meanwhile: read again.
	}
	return false
}

func (l *Limiter) fallback(key string, err error) bool {
	l.log.Warn("cluster rate limit unavailable; limiting on this node", "err", err)
	return l.local.Allow(key)
}

// limiterKey makes any key (an email address) a valid bucket key; a hash
// also keeps addresses out of NATS.
func limiterKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}
