package app

import (
	"encoding/json"
	"net/http"

	"github.com/confer-dev/confer/internal/problem"
)

// mediaRoutes serves the media snapshot (sfu.Snapshot) of every live
// meeting to platform admins: what each publisher sends, layer by layer,
// and what each subscriber gets. It is where an operator starts when
// someone reports a frozen picture.
func (a *App) mediaRoutes(mux *http.ServeMux) {
	auth := adminAuthorizer(a.Login)
	mux.HandleFunc("GET /api/v1/media", func(w http.ResponseWriter, r *http.Request) {
		v, ok := auth(w, r)
		if !ok {
			return
		}
		if !v.PlatformAdmin {
			problem.Error(w, http.StatusForbidden, "forbidden", "the media snapshot is for platform operators")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]any{"rooms": a.Engine.Snapshot()})
	})
}
