// Command confer is the whole confer service in one binary: `confer serve`
// (the default) runs it, `confer admin` manages organisations and rooms
// offline on the same data folder.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	ossignal "os/signal"
	"syscall"
)

const usage = `confer: video meetings for organisations, in one binary

Usage:
  confer [serve] [flags]   start the service (confer serve -h lists the flags)
  confer admin ...         manage organisations and rooms (confer admin -h)
  confer loadtest ...      synthetic participants against a server (confer loadtest -h)
  confer version           print the version
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := ossignal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal starts a graceful stop (which may drain a node for
	// a while); a second one stops the process at once.
	go func() { <-ctx.Done(); stop() }()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout, stderr)
	case "admin":
		return runAdmin(ctx, args, getenv, stdout, stderr)
	case "loadtest":
		return runLoadtest(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "confer", version)
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "confer: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}
