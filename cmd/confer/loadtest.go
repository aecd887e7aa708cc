package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/confer-dev/confer/internal/loadtest"
)

// flagSet says whether the command line set flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// runLoadtest is `confer loadtest`: synthetic participants against a
// running server, through its real signalling.
func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("confer loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadtest.Config
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base URL")
	fs.StringVar(&cfg.Room, "room", "", "room slug (required)")
	fs.StringVar(&cfg.PIN, "pin", "", "room PIN, if any")
	fs.IntVar(&cfg.Publishers, "publishers", 1, "participants sending audio and video")
	fs.IntVar(&cfg.Subscribers, "subscribers", 10, "participants only receiving")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measurement window after everyone joined")
	fs.BoolVar(&cfg.Simulcast, "simulcast", false, "publish three VP8 layers (180p/360p/720p)")
	fs.BoolVar(&cfg.AudioOnly, "audio-only", false, "publish audio only")
	fs.IntVar(&cfg.VideoPublishers, "video-publishers", 0, "only the first N publishers send video (0: all)")
	fs.StringVar(&cfg.Layout, "layout", "speaker", "tile sizes subscribers report: speaker or grid")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "server process id: report its CPU per forwarded packet and RSS")
	fs.IntVar(&cfg.JoinConcurrency, "join-concurrency", 4, "participants joining at the same time")
	fs.IntVar(&cfg.Visible, "visible", loadtest.DefaultVisible, "speaker layout: thumbnails each receiver shows besides the stage; the rest report 0×0 and are paused (-1: all; 0: the default)")
	fs.BoolVar(&cfg.NACK, "nack", false, "receivers send NACKs (Pion's NACK generator per receive stream)")
	fs.BoolVar(&cfg.Reports, "rtcp-reports", false, "receivers send RTCP receiver reports")
	fs.BoolVar(&cfg.Slots, "slots", true, "join with receive slots, as the web client does (false: one m-line per published track)")
	fs.BoolVar(&cfg.OnePC, "one-pc", true, "one PeerConnection per participant, as the web client does (implies --slots; false: a publish and a subscribe one)")
	cpuprofile := fs.String("cpuprofile", "", "write the load generator's CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.Room == "" {
		fmt.Fprintln(stderr, "confer loadtest: -room is required")
		return 2
	}
	if !cfg.Slots && cfg.OnePC {
		// --slots=false alone means the legacy mode; asked for both, it
		// is a contradiction.
		if flagSet(fs, "one-pc") {
			fmt.Fprintln(stderr, "confer loadtest: --one-pc needs receive slots; drop --slots=false")
			return 2
		}
		cfg.OnePC = false
	}
	if os.Getenv("GOGC") == "" {
		// The generator allocates per packet inside Pion; collecting
		// less often costs memory (plenty here), not the server's CPU.
		debug.SetGCPercent(400)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, "confer loadtest:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "confer loadtest:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if _, err := loadtest.Run(ctx, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "confer loadtest:", err)
		return 1
	}
	return 0
}
