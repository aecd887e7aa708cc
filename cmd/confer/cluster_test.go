package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/cluster/natstest"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
)

// TestServeAsClusterNodes: two `confer serve` processes configured as
// nodes of one deployment (shared PostgreSQL, NATS) print their cluster
// line, and two people who open the demo room on different nodes meet.
func TestServeAsClusterNodes(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	name := "cmdtest-" + strings.ToLower(t.Name())
	natstest.DropWhenDone(t, natstest.URL(t), name)
	env := map[string]string{
		"CONFER_DB": db, "CONFER_CLUSTER": natstest.URL(t), "CONFER_CLUSTER_NAME": name,
		"CONFER_CLUSTER_SECRET": "never-printed-cluster-secret-0123456789",
	}
	var bases []string
	var dones []chan int
	for _, id := range []string{"node-1", "node-2"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // serve listens there itself
		out := &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--http", addr, "--media-port", "0", "--dev", "--log-level", "error",
				"--node-id", id, "--node-url", "http://" + addr}, func(k string) string { return env[k] }, out, out)
		}()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "cluster node "+id) {
			select {
			case code := <-done:
				t.Fatalf("%s exited with %d: %s", id, code, out.String())
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s printed no cluster line: %s", id, out.String())
			}
		}
		if strings.Contains(out.String(), "never-printed") {
			t.Errorf("the cluster secret was printed:\n%s", out.String())
		}
		bases = append(bases, "http://"+addr)
		dones = append(dones, done)
	}
	jctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	first, err := client.Join(jctx, bases[0], "demo", client.Options{Name: "Anna"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := client.Join(jctx, bases[1], "demo", client.Options{Name: "Bruno"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if _, err := first.WaitEvent(jctx, signal.TypeParticipantJoined, func(d json.RawMessage) bool {
		var p signal.Participant
		return json.Unmarshal(d, &p) == nil && p.Name == "Bruno"
	}); err != nil {
		t.Fatalf("Anna (node 1) never saw Bruno (node 2) join: %v", err)
	}
	stop()
	for _, d := range dones {
		select {
		case <-d:
		case <-time.After(15 * time.Second):
			t.Fatal("a node did not stop")
		}
	}
}
