package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Options tune a Dispatcher.
type Options struct {
	Store  Store
	Client *http.Client // default: 10 s timeout, public addresses only (guard.go)
	// AllowPrivate lets the default client reach loopback, private and
	// link-local addresses (--webhook-allow-private).
	AllowPrivate bool
	Logger       *slog.Logger
	// Backoff is the wait after the first failure, doubled after each
	// further one up to MaxBackoff (defaults 2 s and 1 h).
	Backoff, MaxBackoff time.Duration
	// MaxAttempts before a delivery is marked failed (default 20, about
	// a day with the default backoff).
	MaxAttempts int
	// Poll is how often the outbox is checked without a Nudge (default 2 s).
	Poll time.Duration
	// Workers bounds parallel deliveries to different endpoints (default 4).
	Workers int
	// Active, if set, is asked before each round: the dispatcher delivers
	// only while it says so. A multi-node deployment lets one node at a
	// time deliver (a cluster lease), so events stay in order.
	Active func(context.Context) bool
}

// Dispatcher sends pending deliveries. Only one should deliver per
// database at a time (Options.Active); a second would deliver twice, which
// receivers must tolerate anyway (at least once), but not out of order.
type Dispatcher struct {
	o     Options
	log   *slog.Logger
	nudge chan struct{}
}

// New returns a Dispatcher; start it with Run.
func New(o Options) *Dispatcher {
	if o.Client == nil {
		o.Client = newClient(o.AllowPrivate)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	return &Dispatcher{o: o, log: o.Logger, nudge: make(chan struct{}, 1)}
}

// Nudge says new deliveries may be waiting (the recorder calls it after
// each event); it never blocks.
func (d *Dispatcher) Nudge() {
	select {
	case d.nudge <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.nudge:
		}
		if d.o.Active != nil && !d.o.Active(ctx) {
			t.Reset(d.o.Poll)
			continue
		}
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("webhooks", "err", err)
		}
		wait := d.o.Poll
		if n > 0 {
			wait = 0 // the next event of each endpoint may be due already
		}
		t.Reset(wait)
	}
}

// RunOnce makes one attempt for the head delivery of every endpoint that
// is due and returns how many were accepted.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	due, err := d.o.Store.DueDeliveries(ctx, time.Now(), 100)
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	ok, sem := 0, make(chan struct{}, d.o.Workers)
	for _, dl := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if d.attempt(ctx, dl) {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ok, nil
}

// attempt posts one delivery and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, dl Delivery) bool {
	now := time.Now()
	status, err := d.post(ctx, dl, now)
	dl.Attempts++
	dl.LastAt, dl.LastStatus, dl.LastError = now, status, ""
	accepted := err == nil
	switch {
	case accepted:
		dl.Status, dl.NextAt = StatusDelivered, now
	case dl.Attempts >= d.o.MaxAttempts:
		dl.Status, dl.LastError, dl.NextAt = StatusFailed, err.Error(), now
		d.log.Warn("webhook delivery given up", "endpoint", dl.EndpointURL, "event", dl.EventID, "err", err)
	default:
		dl.LastError, dl.NextAt = err.Error(), now.Add(d.backoff(dl.Attempts))
	}
	if err := d.o.Store.SaveAttempt(context.WithoutCancel(ctx), dl); err != nil {
		d.log.Error("webhook attempt not saved; it will be sent again", "err", err)
		return false
	}
	return accepted
}

func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.o.Backoff
	for i := 1; i < attempts && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.o.MaxBackoff)
}

func (d *Dispatcher) post(ctx context.Context, dl Delivery, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.EndpointURL, bytes.NewReader(dl.Payload))
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "confer-webhooks/1")
	req.Header.Set("Confer-Event", dl.Kind)
	req.Header.Set("Confer-Event-Id", dl.EventID)
	req.Header.Set("Confer-Delivery", strconv.FormatInt(dl.ID, 10))
	req.Header.Set(SignatureHeader, Sign(dl.Secret, now, dl.Payload))
	resp, err := d.o.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
