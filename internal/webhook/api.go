package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/usage"
)

// API serves /api/v1/usage/webhooks...: endpoints and the delivery log.
type API struct {
	st   Store
	orgs func(r *http.Request, slug string) (store.Org, error)
	auth usage.Authorize
	log  *slog.Logger

	// AllowPrivate accepts endpoints on private addresses
	// (--webhook-allow-private); OnRetry, if set, hears a manual retry
	// (to nudge the dispatcher).
	AllowPrivate bool
	OnRetry      func()
}

// NewAPI returns the webhook API; orgBySlug resolves ?org= for platform
// admins.
func NewAPI(st Store, orgBySlug func(r *http.Request, slug string) (store.Org, error), auth usage.Authorize, log *slog.Logger) *API {
	return &API{st: st, orgs: orgBySlug, auth: auth, log: log}
}

// Register adds the routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/usage/webhooks", a.list)
	mux.HandleFunc("POST /api/v1/usage/webhooks", a.create)
	mux.HandleFunc("DELETE /api/v1/usage/webhooks/{id}", a.remove)
	mux.HandleFunc("GET /api/v1/usage/webhooks/deliveries", a.deliveries)
	mux.HandleFunc("POST /api/v1/usage/webhooks/deliveries/{id}/retry", a.retry)
}

func filterFor(v usage.Viewer) Filter {
	return Filter{All: v.PlatformAdmin, OrgID: v.OrgID}
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	es, err := a.st.ListEndpoints(r.Context(), filterFor(v))
	if err != nil {
		a.fail(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, map[string]any{"endpoints": es})
}

// EndpointCreate is the body of POST /api/v1/usage/webhooks. Org is for
// platform admins: empty makes a platform-wide endpoint.
type EndpointCreate struct {
	URL         string `json:"url"`
	Description string `json:"description"`
	Org         string `json:"org"`
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	var in EndpointCreate
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil {
		problem.Error(w, http.StatusBadRequest, "bad-json", "body: "+err.Error())
		return
	}
	if err := CheckURL(in.URL); err != nil {
		problem.Error(w, http.StatusUnprocessableEntity, "bad-url", err.Error())
		return
	}
	if !a.AllowPrivate {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		err := CheckPublic(ctx, in.URL, nil)
		cancel()
		if err != nil {
			problem.Error(w, http.StatusUnprocessableEntity, "bad-url", err.Error())
			return
		}
	}
	e := Endpoint{URL: strings.TrimSpace(in.URL), Description: strings.TrimSpace(in.Description), Enabled: true,
		Secret: NewSecret(), OrgID: v.OrgID}
	if v.PlatformAdmin && in.Org != "" {
		o, err := a.orgs(r, in.Org)
		if errors.Is(err, store.ErrNotFound) {
			problem.Error(w, http.StatusUnprocessableEntity, "unknown-org", "no organisation "+strconv.Quote(in.Org))
			return
		}
		if err != nil {
			a.fail(w, err)
			return
		}
		e.OrgID, e.Org = o.ID, o.Slug
	}
	out, err := a.st.CreateEndpoint(r.Context(), e)
	if err != nil {
		a.fail(w, err)
		return
	}
	problem.JSON(w, http.StatusCreated, out) // the only time the secret is shown
}

func (a *API) remove(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		problem.NotFound(w)
		return
	}
	err = a.st.DeleteEndpoint(r.Context(), id, filterFor(v))
	switch {
	case errors.Is(err, ErrNotFound):
		problem.NotFound(w)
	case err != nil:
		a.fail(w, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *API) deliveries(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	f := filterFor(v)
	f.Limit, _ = strconv.Atoi(r.URL.Query().Get("limit"))
	ds, err := a.st.Deliveries(r.Context(), f)
	if err != nil {
		a.fail(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

// retry makes a failed delivery due again now ("retry now" in the log).
func (a *API) retry(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		problem.NotFound(w)
		return
	}
	err = a.st.RetryDelivery(r.Context(), id, filterFor(v), time.Now())
	switch {
	case errors.Is(err, ErrNotFound):
		problem.NotFound(w)
	case errors.Is(err, ErrNotFailed):
		problem.Error(w, http.StatusConflict, "not-failed", "only a failed delivery can be retried; pending ones are retried anyway")
	case err != nil:
		a.fail(w, err)
	default:
		if a.OnRetry != nil {
			a.OnRetry()
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// CheckURL accepts absolute http(s) URLs without credentials.
func CheckURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("url: want an absolute https:// (or http://) address")
	}
	if u.User != nil {
		return errors.New("url: no user or password in the address; the signature authenticates")
	}
	if len(s) > 2000 {
		return errors.New("url: too long")
	}
	return nil
}

func (a *API) fail(w http.ResponseWriter, err error) {
	a.log.Error("webhook api", "err", err)
	problem.Error(w, http.StatusInternalServerError, "internal", "server error")
}
