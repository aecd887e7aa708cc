// Package api is confer's REST API under /api/v1: organisations,
// accounts, rooms, tokens and the signed-in person's profile, with the
// same tenant rules for the web UI, the CLI's peers and automation. Every
// route is declared once in a table that both registers it on the mux and
// describes it in the OpenAPI document.
package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

// Options wire the API to the rest of the process.
type Options struct {
	Directory *directory.Directory
	Login     *login.Manager
	Logger    *slog.Logger
	// SSO names the single sign-on provider shown on the login page; ""
	// when SSO is off.
	SSO string
}

// Server serves the API.
type Server struct {
	o   Options
	d   *directory.Directory
	st  store.Store
	lg  *login.Manager
	log *slog.Logger

	mu       sync.Mutex
	patterns []string
}

// New returns an API server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Server{o: o, d: o.Directory, st: o.Directory.Store(), lg: o.Login, log: o.Logger}
}

// handler is an API handler; p is nil only on public routes.
type handler func(w http.ResponseWriter, r *http.Request, p *login.Principal)

// route is one API operation, for the mux and the OpenAPI document.
type route struct {
	method, path string
	tag, summary string
	// scope a token needs: read, write or admin; "" = no sign-in needed.
	scope  string
	query  []string // documented query parameters
	body   string   // request schema name, "" = none
	resp   string   // response schema name, "" = none (204)
	status int      // success status (default 200)
	h      handler
}

// Register adds every API route, the sign-in routes and the OpenAPI
// document to mux.
func (s *Server) Register(mux *http.ServeMux) {
	handle := func(pattern string, h http.HandlerFunc) {
		s.mu.Lock()
		s.patterns = append(s.patterns, pattern)
		s.mu.Unlock()
		mux.HandleFunc(pattern, h)
	}
	for _, rt := range s.routes() {
		handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	s.lg.Register(handle)
	handle("GET /api/v1/openapi.json", s.openAPI)
}

// Patterns lists every pattern Register added (for the OpenAPI test).
func (s *Server) Patterns() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.patterns...)
}

// wrap authenticates, checks CSRF for cookie writes and the token scope.
func (s *Server) wrap(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.lg.Authenticate(r)
		if rt.scope == "" {
			if err != nil {
				p = nil
			}
			rt.h(w, r, p)
			return
		}
		var ae *directory.AccessError
		switch {
		case errors.Is(err, login.ErrNoCredentials):
			w.Header().Set("WWW-Authenticate", `Bearer realm="confer"`)
			problem.Error(w, http.StatusUnauthorized, "unauthenticated", "sign in or send an API token")
			return
		case errors.As(err, &ae):
			login.WriteAccessError(w, ae)
			return
		case err != nil:
			s.fail(w, err)
			return
		}
		if !login.Safe(r.Method) && !login.CheckCSRF(r, p) {
			problem.Error(w, http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token, or request from another site")
			return
		}
		if !p.HasScope(rt.scope) {
			problem.Error(w, http.StatusForbidden, "scope", "this token lacks the "+rt.scope+" scope")
			return
		}
		rt.h(w, r, p)
	}
}

// errForbidden: the requester knows the object exists (its own org) but
// may not do this with it.
var errForbidden = errors.New("not allowed")

// writeErr maps directory and store errors to problems. Not-found answers
// are identical whatever was missing, so they reveal nothing.
func (s *Server) writeErr(w http.ResponseWriter, err error) {
	var ae *directory.AccessError
	var ie *directory.ImportError
	var be *store.BulkError
	switch {
	case errors.Is(err, errForbidden):
		problem.Error(w, http.StatusForbidden, "forbidden", "you may not do this")
	case errors.As(err, &ae):
		login.WriteAccessError(w, ae)
	case errors.As(err, &ie):
		p := problem.Problem{Status: http.StatusUnprocessableEntity, Code: "rows", Detail: "nothing was imported: fix these lines"}
		for _, r := range ie.Rows {
			p.Rows = append(p.Rows, problem.RowError{Row: r.Line, Error: r.Err.Error()})
		}
		problem.Write(w, p)
	case errors.As(err, &be):
		p := problem.Problem{Status: http.StatusUnprocessableEntity, Code: "rows", Detail: "nothing was written"}
		for _, r := range be.Rows {
			p.Rows = append(p.Rows, problem.RowError{Row: r.Row + 1, Error: r.Err.Error()})
		}
		problem.Write(w, p)
	case errors.Is(err, store.ErrStale):
		problem.Error(w, http.StatusConflict, "stale", "changed by someone else meanwhile: reload and try again")
	case errors.Is(err, store.ErrLimit):
		problem.Error(w, http.StatusConflict, "limit", err.Error())
	case errors.Is(err, store.ErrConflict):
		problem.Error(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, store.ErrNotFound):
		problem.NotFound(w)
	case errors.Is(err, directory.ErrInvalid):
		problem.Error(w, http.StatusBadRequest, "invalid", err.Error())
	default:
		s.fail(w, err)
	}
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	s.log.Error("api", "err", err)
	problem.Error(w, http.StatusInternalServerError, "internal", "something went wrong on the server")
}

func badRequest(w http.ResponseWriter, msg string) {
	problem.Error(w, http.StatusBadRequest, "invalid", msg)
}

// listOptions reads ?q=&limit=&offset=.
func listOptions(r *http.Request) store.ListOptions {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	return store.ListOptions{Query: q.Get("q"), Limit: limit, Offset: offset}.Norm()
}

// version is the version a write is based on: If-Match ("3" or W/"3")
// or the body's version field. 0 means none was given.
func version(r *http.Request, body *int64) int64 {
	if m := strings.TrimPrefix(r.Header.Get("If-Match"), "W/"); m != "" {
		if v, err := strconv.ParseInt(strings.Trim(m, `"`), 10, 64); err == nil {
			return v
		}
	}
	if body != nil {
		return *body
	}
	return 0
}

func etag(w http.ResponseWriter, v int64) { w.Header().Set("ETag", fmt.Sprintf(`"%d"`, v)) }

// needVersion answers 428 when a write names no version: optimistic
// concurrency only works if every writer says what it read.
func needVersion(w http.ResponseWriter, v int64) bool {
	if v == 0 {
		problem.Error(w, http.StatusPreconditionRequired, "version-required", "send If-Match or a version field with the version you read")
		return false
	}
	return true
}

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
