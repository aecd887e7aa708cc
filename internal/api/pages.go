package api

import (
	"io/fs"
	"log/slog"
	"net/http"
)

// Pages maps the web UI's addresses to its files under web/static/admin.
// The pages hold no data: everything comes from the API, with its tenant
// checks, after they load.
var Pages = map[string]string{
	"/login":   "admin/login.html",
	"/signup":  "admin/signup.html",
	"/reset":   "admin/reset.html",
	"/account": "admin/app.html",
	"/admin":   "admin/app.html",
}

// RegisterPages serves Pages from static.
func RegisterPages(mux *http.ServeMux, static fs.FS, log *slog.Logger) {
	for path, file := range Pages {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			b, err := fs.ReadFile(static, file)
			if err != nil {
				log.Error("missing page", "page", file, "err", err)
				http.Error(w, "page missing from this build", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(b)
		})
	}
}
