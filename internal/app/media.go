package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/confer-dev/confer/internal/cluster"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/sfu"
)

// mediaRoutes serves the media snapshot (sfu.Snapshot) of every live
// meeting to platform admins: what each publisher sends, layer by layer,
// and what each subscriber gets. It is where an operator starts when
// someone reports a frozen picture. In a multi-node deployment it gathers
// every node's (?local=1: this node's only) and lists the nodes.
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
		if a.Cluster == nil || r.URL.Query().Get("local") == "1" {
			_ = json.NewEncoder(w).Encode(map[string]any{"rooms": a.Engine.Snapshot()})
			return
		}
		rooms, nodes := a.clusterSnapshot(r)
		_ = json.NewEncoder(w).Encode(map[string]any{"rooms": rooms, "nodes": nodes})
	})
}

// nodeRoom is one meeting's snapshot and the node running it.
type nodeRoom struct {
	Node string `json:"node"`
	sfu.Snapshot
}

// nodeView is a node as the snapshot lists it.
type nodeView struct {
	cluster.Node
	Meetings int    `json:"meetings"`
	Error    string `json:"error,omitempty"` // its snapshot could not be read
}

// clusterSnapshot asks every other node for its snapshot with the
// operator's own credentials (sessions live in the shared database).
func (a *App) clusterSnapshot(r *http.Request) ([]nodeRoom, []nodeView) {
	self := a.Cluster.Self().ID
	rooms := []nodeRoom{}
	var nodes []nodeView
	for _, n := range a.Cluster.Nodes() {
		var snaps []sfu.Snapshot
		var err error
		if n.ID == self {
			snaps = a.Engine.Snapshot()
		} else {
			snaps, err = fetchSnapshot(r, n.URL)
		}
		view := nodeView{Node: n, Meetings: len(snaps)}
		if err != nil {
			view.Error = err.Error()
			a.log.Warn("media snapshot of a node", "node", n.ID, "err", err)
		}
		nodes = append(nodes, view)
		for _, s := range snaps {
			rooms = append(rooms, nodeRoom{Node: n.ID, Snapshot: s})
		}
	}
	return rooms, nodes
}

func fetchSnapshot(in *http.Request, base string) ([]sfu.Snapshot, error) {
	ctx, cancel := context.WithTimeout(in.Context(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/media?local=1", nil)
	if err != nil {
		return nil, err
	}
	for _, h := range []string{"Cookie", "Authorization"} {
		if v := in.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("unreachable: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered %s", res.Status)
	}
	var body struct{ Rooms []sfu.Snapshot }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("bad snapshot: %w", err)
	}
	return body.Rooms, nil
}
