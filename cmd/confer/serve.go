package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/config"
)

// serveGCPercent is the server's GOGC unless the environment sets one.
const serveGCPercent = 25

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Parse(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "confer:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if getenv("GOGC") == "" {
		// The media path allocates nothing per packet (a 50-person
		// meeting allocates about 1 MB/s, in signalling and the router's
		// ticks), so collecting four times as often as Go's default costs
		// no measurable CPU and keeps the heap's headroom, much of the
		// memory per participant, at a quarter (docs/benchmarks.md).
		debug.SetGCPercent(serveGCPercent)
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "confer:", err)
		return 1
	}
	defer a.Close()
	// Start-up (migrations, embedded assets) leaves garbage that an idle
	// server would hold for minutes: return it now, once.
	debug.FreeOSMemory()
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		fmt.Fprintln(stderr, "confer:", err)
		return 1
	}
	printWelcome(stdout, a, ln.Addr().String())
	if err := a.Serve(ctx, ln); err != nil {
		fmt.Fprintln(stderr, "confer:", err)
		return 1
	}
	return 0
}

// printWelcome tells the operator where to go, once. It is written in one
// piece so that nobody reading the output (a log collector, a test) sees the
// link without the lines that belong to it.
func printWelcome(out io.Writer, a *app.App, addr string) {
	var w strings.Builder
	defer func() { _, _ = io.WriteString(out, w.String()) }()
	scheme := "http"
	if a.Config.TLSCert != "" || a.Config.SelfSigned {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	base := fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, port))
	fmt.Fprintf(&w, "confer is running: open %s\n", base)
	if r := a.Bootstrap.DemoRoom; r != "" {
		fmt.Fprintf(&w, "  demo room: %s/r/%s\n", base, r)
	}
	fmt.Fprintf(&w, "  data folder: %s, media on UDP and TCP port %d\n", a.Config.Data, a.Engine.Port())
	if t := a.Config.TURN; t.Enabled() {
		how := "no credential (STUN only)"
		switch {
		case t.Secret != "":
			how = "a credential minted per join from the shared secret"
		case t.Username != "":
			how = "one fixed credential"
		}
		fmt.Fprintf(&w, "  browsers are given %s, with %s\n", strings.Join(t.URLs, ", "), how)
	}
	if r := a.Relay; r != nil {
		fmt.Fprintf(&w, "  built-in TURN relay on UDP and TCP %s (relays only to this media server)\n", r.UDP)
		if r.TLS != nil {
			fmt.Fprintf(&w, "  and TURN over TLS on %s\n", r.TLS)
		}
	}
	if c := a.Cluster; c != nil {
		ids := []string{}
		for _, n := range c.Nodes() {
			ids = append(ids, n.ID)
		}
		fmt.Fprintf(&w, "  cluster node %s, reached by the others at %s; nodes now: %s\n", c.Self().ID, c.Self().URL, strings.Join(ids, ", "))
	}
	if a.Bootstrap.AdminCreated {
		fmt.Fprintf(&w, "  platform administrator created: %s\n  password (shown only now): %s\n", a.Bootstrap.AdminEmail, a.Bootstrap.AdminPassword)
	}
	if strings.HasPrefix(host, "127.") || host == "localhost" {
		fmt.Fprintln(&w, "  only this machine can reach it; for others use --http 0.0.0.0:8080 and HTTPS (see README)")
	}
}
