package usage

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

// Viewer is who asks for usage: a platform admin sees every organisation,
// an organisation admin only theirs.
type Viewer struct {
	PlatformAdmin bool
	OrgID         int64
}

// Authorize checks the request (sign-in, CSRF for writes, admin role); on
// refusal it writes the answer and returns false.
type Authorize func(w http.ResponseWriter, r *http.Request) (Viewer, bool)

// API serves /api/v1/usage/...
type API struct {
	svc  *Service
	auth Authorize
	log  *slog.Logger
}

// NewAPI returns the usage API.
func NewAPI(svc *Service, auth Authorize, log *slog.Logger) *API {
	return &API{svc: svc, auth: auth, log: log}
}

// Register adds the routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/usage/report", a.report)
	mux.HandleFunc("GET /api/v1/usage/concurrency", a.concurrency)
	mux.HandleFunc("GET /api/v1/usage/budgets", a.budgets)
}

// scope resolves ?org= for v: platform admins may pick any org or none
// (all), org admins get theirs whatever they ask.
func (a *API) scope(w http.ResponseWriter, r *http.Request, v Viewer) (store.Org, bool) {
	slug := strings.TrimSpace(r.URL.Query().Get("org"))
	switch {
	case !v.PlatformAdmin:
		o, err := a.svc.orgs.OrgByID(r.Context(), v.OrgID)
		if err != nil {
			a.fail(w, err)
			return store.Org{}, false
		}
		if slug != "" && slug != o.Slug {
			problem.NotFound(w)
			return store.Org{}, false
		}
		return o, true
	case slug == "":
		return store.Org{}, true
	}
	o, err := a.svc.orgs.OrgBySlug(r.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		problem.NotFound(w)
		return store.Org{}, false
	}
	if err != nil {
		a.fail(w, err)
		return store.Org{}, false
	}
	return o, true
}

func (a *API) report(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	org, ok := a.scope(w, r, v)
	if !ok {
		return
	}
	q := r.URL.Query()
	year := a.svc.Now().In(Location).Format("2006")
	from, to := cmpOr(q.Get("from"), year+"-01"), cmpOr(q.Get("to"), year+"-12")
	start, end, err := MonthRange(from, to)
	if err != nil {
		problem.Error(w, http.StatusBadRequest, "bad-range", err.Error())
		return
	}
	rep, err := a.svc.Report(r.Context(), start, end, org.ID)
	if err != nil {
		a.fail(w, err)
		return
	}
	if q.Get("format") != "csv" {
		problem.JSON(w, http.StatusOK, rep)
		return
	}
	by := cmpOr(q.Get("by"), ByDetail)
	name := fmt.Sprintf("confer-usage-%s-%s-%s-%s.csv", cmpOr(org.Slug, "all"), by, from, to)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := WriteCSV(w, rep, CSVOptions{By: by, Italian: q.Get("locale") == "it"}); err != nil {
		a.log.Info("usage csv", "err", err)
	}
}

type concurrencyView struct {
	Date    string   `json:"date"`
	Step    string   `json:"step"`
	Buckets []Bucket `json:"buckets"`
}

func (a *API) concurrency(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	org, ok := a.scope(w, r, v)
	if !ok {
		return
	}
	q := r.URL.Query()
	day, err := time.ParseInLocation(time.DateOnly, cmpOr(q.Get("date"), a.svc.Now().In(Location).Format(time.DateOnly)), Location)
	if err != nil {
		problem.Error(w, http.StatusBadRequest, "bad-date", "date: want YYYY-MM-DD")
		return
	}
	step, err := time.ParseDuration(cmpOr(q.Get("step"), "15m"))
	if err != nil || step < 5*time.Minute || step > 6*time.Hour {
		problem.Error(w, http.StatusBadRequest, "bad-step", "step: want a duration from 5m to 6h")
		return
	}
	bs, err := a.svc.Concurrency(r.Context(), day, org.ID, step)
	if err != nil {
		a.fail(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, concurrencyView{Date: day.Format(time.DateOnly), Step: step.String(), Buckets: bs})
}

// budgets: the operator's list (platform admin, every org with a
// budget, fullest first) or the org admin's own figure, for the banner.
func (a *API) budgets(w http.ResponseWriter, r *http.Request) {
	v, ok := a.auth(w, r)
	if !ok {
		return
	}
	org, ok := a.scope(w, r, v)
	if !ok {
		return
	}
	if org.ID == 0 {
		bs, err := a.svc.Budgets(r.Context())
		if err != nil {
			a.fail(w, err)
			return
		}
		problem.JSON(w, http.StatusOK, map[string]any{"budgets": bs})
		return
	}
	b, err := a.svc.Budget(r.Context(), org)
	if err != nil {
		a.fail(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, map[string]any{"budgets": []Budget{b}})
}

func (a *API) fail(w http.ResponseWriter, err error) {
	a.log.Error("usage api", "err", err)
	problem.Error(w, http.StatusInternalServerError, "internal", "server error")
}

func cmpOr(s, def string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return def
}
