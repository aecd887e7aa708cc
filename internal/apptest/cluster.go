package apptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/cluster/natstest"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
)

// Node is one node of a test deployment.
type Node struct {
	App  *app.App
	URL  string // its base URL, http://127.0.0.1:port
	stop func()
}

// Stop ends the node as a shutdown would: it leaves the cluster, its
// meetings end and its HTTP server closes.
func (n *Node) Stop() { n.stop() }

// StartNodes runs n nodes of one deployment: one new PostgreSQL database,
// the local NATS, a cluster name of the test's own (so tests running at
// once never meet). The first node creates the demo organisation. edit,
// if given, changes every node's configuration. It returns once every
// node sees the others.
func StartNodes(t testing.TB, n int, edit ...func(*config.Config)) []*Node {
	t.Helper()
	db := pgtest.NewDB(t)
	nats := natstest.URL(t)
	b := make([]byte, 4)
	rand.Read(b)
	name := "test-" + hex.EncodeToString(b)
	natstest.DropWhenDone(t, nats, name)
	nodes := make([]*Node, n)
	for i := range nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(t)
		cfg.DB = db
		cfg.Cluster = config.Cluster{NATS: nats, NodeID: fmt.Sprintf("node-%d", i+1), NodeURL: "http://" + ln.Addr().String(),
			Secret: "test-cluster-secret-0123456789abcdef", Name: name}
		for _, e := range edit {
			e(&cfg)
		}
		a, err := app.NewWithOptions(context.Background(), cfg, Logger(), app.Options{})
		if err != nil {
			ln.Close()
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(a.Handler())
		srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				a.Close()
				srv.Close()
			}
		}
		t.Cleanup(stop)
		nodes[i] = &Node{App: a, URL: srv.URL, stop: stop}
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, nd := range nodes {
		for len(nd.App.Cluster.Nodes()) < n {
			if time.Now().After(deadline) {
				t.Fatal("the nodes never saw each other")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nodes
}
