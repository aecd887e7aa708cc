package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
)

// CONFER_PPROF=127.0.0.1:6060 serves Go's profiler on that address (an
// opt-in debug listener for profiling the media engine under load; never
// expose it). It is separate from the application's HTTP server.
func init() {
	addr := os.Getenv("CONFER_PPROF")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			slog.Error("pprof listener", "addr", addr, "err", err)
		}
	}()
}
