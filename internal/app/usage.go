package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/metrics"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/usage"
	"github.com/confer-dev/confer/internal/usage/usagesql"
	"github.com/confer-dev/confer/internal/webhook"
	"github.com/confer-dev/confer/web"
)

// Accounting is the usage side of the service: durable meeting records,
// reports and budgets, Prometheus metrics and webhooks (docs/usage.md).
type Accounting struct {
	Clock    *usage.Clock // tests freeze and advance it
	Recorder *usage.Recorder
	Service  *usage.Service
	Metrics  *metrics.Metrics
	Webhooks *webhook.Dispatcher
	Store    *usagesql.Store

	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// newAccounting closes what a dead process left open, then starts the
// heartbeat and the webhook dispatcher. It needs a.Store and a.Engine.
func newAccounting(ctx context.Context, a *App) (*Accounting, error) {
	us, ok := a.Store.(interface{ Usage() *usagesql.Store })
	if !ok {
		return nil, errors.New("usage: this store keeps no usage records")
	}
	acc := &Accounting{Clock: &usage.Clock{}, Store: us.Usage(), log: a.log.With("part", "usage"), done: make(chan struct{})}
	acc.Webhooks = webhook.New(webhook.Options{Store: acc.Store, Logger: a.log.With("part", "webhook"),
		AllowPrivate: a.Config.WebhookAllowPrivate, Active: a.leadsWebhooks})
	acc.Metrics = metrics.New(metrics.Sources{
		Engine:  a.Engine,
		Pending: func() float64 { return float64(acc.Recorder.Pending()) },
		WebhooksPending: func() float64 {
			n, _ := acc.Store.PendingDeliveries(context.Background())
			return float64(n)
		},
	})
	hb := a.Config.UsageHeartbeat
	if hb == 0 {
		hb = config.DefaultUsageHeartbeat
	}
	acc.Recorder = usage.NewRecorder(usage.RecorderOptions{
		Store: acc.Store, RoomOrg: roomOrg(a.Directory), Clock: acc.Clock.Now, Heartbeat: hb,
		Logger: a.log.With("part", "usage"), OnMeetingSeconds: acc.Metrics.AddMeetingSeconds,
		AfterWrite: acc.Webhooks.Nudge,
	})
	if _, _, err := acc.Recorder.Recover(ctx); err != nil {
		// The closes stay queued and are retried with the heartbeat.
		a.log.Error("usage recovery", "err", err)
	}
	acc.Service = usage.NewService(acc.Store, a.Store, acc.Recorder, acc.Clock.Now)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	acc.cancel = cancel
	go func() {
		defer close(acc.done)
		go acc.Webhooks.Run(runCtx)
		acc.Recorder.Run(runCtx)
	}()
	return acc, nil
}

// Events is what the room manager reports to: records first, then metrics.
func (acc *Accounting) Events() room.Events { return usage.Tee(acc.Recorder, acc.Metrics) }

// Close stops the loops and stores anything still queued; call it after
// the rooms shut down (their last events are records too).
func (acc *Accounting) Close() {
	acc.cancel()
	<-acc.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = acc.Recorder.Beat(ctx)
}

// register adds /metrics and the usage and webhook API.
func (acc *Accounting) register(mux *http.ServeMux, a *App) {
	auth := adminAuthorizer(a.Login)
	mux.Handle("GET /metrics", metrics.RequireToken(a.Config.MetricsToken, acc.Metrics.Handler()))
	mux.HandleFunc("GET /admin/usage", func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(web.Static, "static/admin/usage.html")
		if err != nil {
			http.Error(w, "page missing from this build", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	})
	usage.NewAPI(acc.Service, auth, a.log.With("part", "usage-api")).Register(mux)
	orgBySlug := func(r *http.Request, slug string) (store.Org, error) { return a.Store.OrgBySlug(r.Context(), slug) }
	wapi := webhook.NewAPI(acc.Store, orgBySlug, auth, a.log.With("part", "webhook-api"))
	wapi.AllowPrivate, wapi.OnRetry = a.Config.WebhookAllowPrivate, acc.Webhooks.Nudge
	wapi.Register(mux)
}

// budgetCheck refuses a new meeting of an org past its budget (when its
// contract says so); joining a meeting in progress is never refused. An
// accounting failure lets the meeting start: hours are recorded anyway.
func (acc *Accounting) budgetCheck(rooms *room.Manager) func(context.Context, int64, string) error {
	return func(ctx context.Context, orgID int64, slug string) error {
		if rooms.Count(slug) > 0 {
			return nil
		}
		err := acc.Service.CheckNewMeeting(ctx, orgID)
		switch {
		case errors.Is(err, usage.ErrOverBudget):
			return signal.ErrOverBudget
		case err != nil:
			acc.log.Error("budget check; meeting allowed", "room", slug, "err", err)
		}
		return nil
	}
}

func roomOrg(d *directory.Directory) usage.RoomOrg {
	return func(ctx context.Context, slug string) (int64, string, error) {
		r, err := d.RoomBySlug(ctx, slug)
		if err != nil {
			return 0, "", fmt.Errorf("room %q: %w", slug, err)
		}
		return r.OrgID, r.OrgSlug, nil
	}
}

// adminAuthorizer lets platform admins and org admins in (API tokens need
// the read scope, or write for changes), as the REST API does.
func adminAuthorizer(lg *login.Manager) usage.Authorize {
	return func(w http.ResponseWriter, r *http.Request) (usage.Viewer, bool) {
		p, err := lg.Authenticate(r)
		var ae *directory.AccessError
		switch {
		case errors.Is(err, login.ErrNoCredentials):
			w.Header().Set("WWW-Authenticate", `Bearer realm="confer"`)
			problem.Error(w, http.StatusUnauthorized, "unauthenticated", "sign in or send an API token")
			return usage.Viewer{}, false
		case errors.As(err, &ae):
			login.WriteAccessError(w, ae)
			return usage.Viewer{}, false
		case err != nil:
			problem.Error(w, http.StatusInternalServerError, "internal", "server error")
			return usage.Viewer{}, false
		}
		scope := "read"
		if !login.Safe(r.Method) {
			scope = "write"
			if !login.CheckCSRF(r, p) {
				problem.Error(w, http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token, or request from another site")
				return usage.Viewer{}, false
			}
		}
		if !p.HasScope(scope) {
			problem.Error(w, http.StatusForbidden, "scope", "this token lacks the "+scope+" scope")
			return usage.Viewer{}, false
		}
		switch p.Account.Role {
		case store.RolePlatformAdmin:
			return usage.Viewer{PlatformAdmin: true}, true
		case store.RoleOrgAdmin:
			return usage.Viewer{OrgID: p.Account.OrgID}, true
		}
		problem.Error(w, http.StatusForbidden, "forbidden", "usage figures are for administrators")
		return usage.Viewer{}, false
	}
}
