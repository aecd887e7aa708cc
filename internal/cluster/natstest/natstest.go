// Package natstest gives tests the local NATS server (with JetStream). It
// fails (never skips) when the server is unreachable, so a CI run without
// NATS cannot pass by testing nothing.
package natstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultURL is the NATS server of a developer machine and of CI
// (scripts/test-deps.sh starts it).
const DefaultURL = "nats://127.0.0.1:4222"

// URL returns $CONFER_TEST_NATS or DefaultURL, after checking that a
// server with JetStream answers there.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CONFER_TEST_NATS")
	if u == "" {
		u = DefaultURL
	}
	nc, err := nats.Connect(u, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("NATS is not reachable at %s (set CONFER_TEST_NATS or start it: scripts/test-deps.sh): %v", u, err)
	}
	defer nc.Close()
	if _, err := nc.Request("$JS.API.INFO", nil, 5*time.Second); err != nil {
		t.Fatalf("NATS at %s has no JetStream (start nats-server with -js): %v", u, err)
	}
	return u
}

// DropWhenDone deletes a test deployment's buckets (every one named
// <name>-…) when the test ends, after its nodes have stopped: call it
// before starting them.
func DropWhenDone(t testing.TB, url, name string) {
	t.Helper()
	t.Cleanup(func() {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Errorf("drop test buckets: %v", err)
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Errorf("drop test buckets: %v", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		names := js.KeyValueStoreNames(ctx)
		var mine []string
		for b := range names.Name() {
			if strings.HasPrefix(b, name+"-") {
				mine = append(mine, b)
			}
		}
		for _, b := range mine {
			if err := js.DeleteKeyValue(ctx, b); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
				t.Errorf("drop test bucket %s: %v", b, err)
			}
		}
	})
}

// Server is a NATS server of the test's own (the machine's nats-server
// binary), for tests that stop and restart it.
type Server struct {
	URL  string
	port int
	dir  string
	cmd  *exec.Cmd
	t    testing.TB
}

// StartServer runs a private nats-server with JetStream on a free port;
// it stops when the test ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), port: port, dir: t.TempDir(), t: t}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and store.
func (s *Server) Start() {
	s.t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
	}
	s.cmd = exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(s.port), "-js", "-sd", s.dir)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start nats-server (scripts/test-deps.sh installs it): %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := nats.Connect(s.URL)
		if err == nil {
			_, err = nc.Request("$JS.API.INFO", nil, time.Second)
			nc.Close()
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("nats-server at %s did not come up: %v", s.URL, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server (as a crash would).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}
