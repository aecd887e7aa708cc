// Package httpapi is confer's HTTP face: the web client's pages and static
// files, the signalling WebSocket, the public room API and health checks.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/signal"
)

// Options wires the handler to the rest of the process.
type Options struct {
	Static    fs.FS // the web client's files: index.html, room.html, js/, css/
	Directory signal.Directory
	Rooms     *room.Manager
	Signal    *signal.Server
	Logger    *slog.Logger
	// Identify tells who sent a request (from its session cookie); nil
	// treats everyone as a guest.
	Identify func(*http.Request) signal.Identity
	// Routes, if set, adds more routes (the REST API, admin pages).
	Routes func(mux *http.ServeMux)
	// TLS says the service is reached over HTTPS (directly or behind a
	// proxy), so HSTS is sent.
	TLS bool
	// Placement, in a multi-node deployment, says which node runs a
	// room's meeting; requests about it are passed on there (route.go),
	// signed with NodeSecret.
	Placement  Placement
	NodeSecret string
	// RoomExists, if set, keeps names of rooms that do not exist (typed
	// links, probes) out of the cluster's placement.
	RoomExists func(ctx context.Context, slug string) (bool, error)
	// TrustedProxies are the reverse proxies whose X-Forwarded-For gives
	// the client's address (realip.go).
	TrustedProxies []netip.Prefix
}

// New returns the root handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	h := &handler{o: o, log: o.Logger, static: loadStatic(o.Static)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.page("index.html"))
	mux.HandleFunc("GET /r/{slug}", h.page("room.html"))
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(h.static)))
	mux.HandleFunc("GET /ws", h.websocket)
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /api/v1/public/rooms/{slug}", h.publicRoom)
	if o.Routes != nil {
		o.Routes(mux)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "not found", "no such API route")
	})
	// A request passed to another node comes back with that node's
	// security headers: route sits outside securityHeaders so that they
	// are not sent twice.
	return realIP(o.TrustedProxies, h.logRequests(h.route(securityHeaders(o.TLS, mux))))
}

type handler struct {
	o      Options
	log    *slog.Logger
	static staticSet // the web client's files (static.go)
}

func (h *handler) identify(r *http.Request) signal.Identity {
	if h.o.Identify == nil {
		return signal.Identity{}
	}
	return h.o.Identify(r)
}

func (h *handler) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, ok := h.static[name]
		if !ok {
			h.log.Error("missing page", "page", name)
			http.Error(w, "page missing from this build", http.StatusInternalServerError)
			return
		}
		f.serve(w, r)
	}
}

func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

type publicRoom struct {
	Slug         string `json:"slug"`
	Title        string `json:"title"`
	PINRequired  bool   `json:"pinRequired"`
	Capacity     int    `json:"capacity"`
	Participants int    `json:"participants"`
}

func (h *handler) publicRoom(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	cfg, err := h.o.Directory.LookupRoom(r.Context(), slug, h.identify(r))
	switch {
	case errors.Is(err, signal.ErrRoomNotFound):
		problem(w, http.StatusNotFound, "room not found", "there is no room with this name")
		return
	case errors.Is(err, signal.ErrRoomUnavailable):
		problem(w, http.StatusForbidden, "room unavailable", "this room is not available")
		return
	case err != nil:
		h.log.Error("room lookup", "room", slug, "err", err)
		problem(w, http.StatusInternalServerError, "server error", "")
		return
	}
	writeJSON(w, http.StatusOK, publicRoom{
		Slug: cfg.Slug, Title: cfg.Title, PINRequired: cfg.PIN != "",
		Capacity: cfg.Capacity, Participants: h.o.Rooms.Count(cfg.Slug),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem writes an RFC 9457 problem document.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": title, "status": status, "detail": detail})
}

// csp allows nothing from other origins: no CDN, no fonts, no trackers.
const csp = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; " +
	"connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

func securityHeaders(tls bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if tls {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController and the WebSocket upgrade reach the
// underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (h *handler) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		h.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}
