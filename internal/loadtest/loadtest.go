// Package loadtest runs synthetic meeting participants against a confer
// server through its real signalling: publishers send real VP8 (optionally
// simulcast) and Opus with audio levels, subscribers report tile sizes as
// the web client's layouts do. It measures what the participants see and,
// given the server's PID, the server's CPU time per forwarded packet.
package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
)

// Config is one load test run.
type Config struct {
	URL         string // http://host:port of the server
	Room        string // room slug
	PIN         string
	Publishers  int
	Subscribers int
	Duration    time.Duration // measurement window, after everyone joined
	Simulcast   bool
	AudioOnly   bool
	// VideoPublishers > 0: only the first N publishers send video, the
	// others audio only (big rooms on a machine that also runs the
	// generator).
	VideoPublishers int
	Layout          string // "speaker" or "grid"
	ServerPID       int    // 0: no server-side figures
	// JoinConcurrency bounds simultaneous joins (default 4).
	JoinConcurrency int
	// Visible is how many thumbnails each receiver shows in the speaker
	// layout, besides the stage; the others get 0×0, which pauses them,
	// as the web client does for tiles off screen. Receiver i shows the
	// Visible publishers after it (by index, wrapping), so every camera
	// is watched by someone. < 0: all tiles visible.
	Visible int
	// NACK makes receivers send NACKs for lost packets (Pion's NACK
	// generator on every receive stream). Off by default: on loopback
	// nothing is lost that a NACK would recover in time, and the
	// generator's CPU is the limit of big runs.
	NACK bool
	// Reports makes receivers send RTCP receiver reports. The SFU only
	// uses their loss figure together with REMB, which the load tester
	// does not send, so they are off by default.
	Reports bool
	// Slots makes every participant join with receive slots (join.slots)
	// as the web client does; `confer loadtest` sets it unless
	// --slots=false. Per-source figures then follow the slot map.
	Slots bool
	// OnePC makes every participant join with join.onePC (implies
	// Slots): one PeerConnection each, the client makes every offer, as
	// the web client does; `confer loadtest` sets it unless
	// --one-pc=false.
	OnePC bool
}

// Result is what Run measured.
type Result struct {
	Publishers, Subscribers int
	Joined                  int
	JoinP50, JoinP95        time.Duration
	RecvPPS, RecvMbps       float64
	LossPct                 float64
	Freezes                 uint64
	ServerCPUPct            float64 // of one core, 0 if unknown
	ServerUSPerPkt          float64 // server CPU µs per forwarded packet
	ServerRSSMiB            float64
	ServerRSSPerSubKiB      float64
	ServerPeakRSSMiB        float64 // the server's largest RSS so far (the joins)
	ForwardedPPS            float64
	Slots, OnePC            bool
	// SlotMaps is how many slot maps the participants got in all (0:
	// the server did not use slots).
	SlotMaps uint64
	// SourceSwitches counts received streams changing source (slots).
	SourceSwitches uint64
	// StageP50/P95: for subscribers, join to the first packet of the
	// stage's (pub-000's) video, attributed through the slot map.
	StageP50, StageP95 time.Duration
	// Received is what each participant received over the whole run, by
	// source (not on the RESULT line).
	Received []Received
}

// Received is what one participant received, by publisher display name:
// packets of that publisher's audio and of its video.
type Received struct {
	Name         string
	Audio, Video map[string]uint64
}

// Line renders the one RESULT line.
func (r Result) Line() string {
	return fmt.Sprintf("RESULT publishers=%d subscribers=%d joined=%d recv_pps=%.0f recv_mbps=%.2f loss_pct=%.3f freezes=%d join_p50_ms=%d join_p95_ms=%d server_cpu_pct=%.1f server_us_per_pkt=%.2f server_rss_mib=%.1f server_rss_per_sub_kib=%.0f server_rss_peak_mib=%.1f fwd_pps=%.0f slots=%v one_pc=%v",
		r.Publishers, r.Subscribers, r.Joined, r.RecvPPS, r.RecvMbps, r.LossPct, r.Freezes,
		r.JoinP50.Milliseconds(), r.JoinP95.Milliseconds(), r.ServerCPUPct, r.ServerUSPerPkt,
		r.ServerRSSMiB, r.ServerRSSPerSubKiB, r.ServerPeakRSSMiB, r.ForwardedPPS, r.Slots, r.OnePC)
}

type participant struct {
	c    *client.Client
	pubr *client.Publisher
	recv *counters
	name string
	idx  int
	pub  bool
	join time.Duration
	// start is when it began to join; slots is its slot map (nil without
	// slots); ready is closed once c is set.
	start time.Time
	slots *slotSources
	ready chan struct{}
}

// Run joins the participants, measures for cfg.Duration and leaves. A
// human-readable report goes to out; the last line is Result.Line().
func Run(ctx context.Context, cfg Config, out io.Writer) (Result, error) {
	if cfg.Layout == "" {
		cfg.Layout = "speaker"
	}
	if cfg.Layout != "speaker" && cfg.Layout != "grid" {
		return Result{}, errors.New("layout must be speaker or grid")
	}
	if cfg.JoinConcurrency <= 0 {
		cfg.JoinConcurrency = 4
	}
	m, err := loadMedia()
	if err != nil {
		return Result{}, err
	}
	if cfg.Visible == 0 && cfg.Layout == "speaker" {
		cfg.Visible = DefaultVisible
	}
	cfg.Slots = cfg.Slots || cfg.OnePC
	api, err := newAPIs(isLoopbackURL(cfg.URL), cfg)
	if err != nil {
		return Result{}, err
	}
	res := Result{Publishers: cfg.Publishers, Subscribers: cfg.Subscribers, Slots: cfg.Slots, OnePC: cfg.OnePC}
	var baseRSS uint64
	if cfg.ServerPID > 0 {
		baseRSS, _ = procRSS(cfg.ServerPID)
	}

	var mu sync.Mutex
	var parts []*participant
	defer func() {
		lctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, p := range parts {
			p.c.Leave(lctx)
		}
	}()
	// With slots each participant keeps its layout current from its join
	// on (layoutLoop); this context ends those loops before everyone
	// leaves.
	layoutCtx, stopLayouts := context.WithCancel(ctx)
	defer stopLayouts()
	join := func(i int, pub bool) error {
		p := &participant{idx: i, pub: pub, recv: &counters{}, start: time.Now(), ready: make(chan struct{})}
		name := fmt.Sprintf("sub-%03d", i)
		if pub {
			name = fmt.Sprintf("pub-%03d", i)
		}
		p.name = name
		start := p.start
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		opts := client.Options{Name: name, PIN: cfg.PIN, API: api.pub, SubscribeAPI: api.sub, Slots: cfg.Slots, OnePC: cfg.OnePC}
		if cfg.OnePC && pub {
			opts.API = api.one
		} else if cfg.OnePC {
			opts.API = api.sub // it only receives
		}
		if cfg.Slots {
			p.slots = &slotSources{}
			opts.OnSlots = p.slots.update
		}
		if pub {
			// Published while joining: with one connection in the first
			// offer, as the web client does.
			opts.Media = &client.MediaOptions{Audio: m.audio, AudioLevel: levelFor(i)}
			if !cfg.AudioOnly && (cfg.VideoPublishers <= 0 || i < cfg.VideoPublishers) {
				if cfg.Simulcast {
					opts.Media.Video = m.video[:]
				} else {
					opts.Media.Video = m.video[2:]
				}
			}
		}
		c, err := client.Join(jctx, cfg.URL, cfg.Room, opts,
			func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
				go func() { p.recv.readTrack(t, p.sourceOf(t, r)) }()
			})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		p.c = c
		close(p.ready)
		mu.Lock()
		parts = append(parts, p)
		mu.Unlock()
		if cfg.Slots {
			go layoutLoop(layoutCtx, p, cfg)
		}
		if pub {
			p.pubr = c.Publisher()
			p.join = time.Since(start)
			return nil
		}
		// A subscriber has joined when its first packet arrives.
		for p.recv.firstMedia.Load() == 0 {
			select {
			case <-jctx.Done():
				return fmt.Errorf("%s: no media within 30 s", name)
			case <-time.After(5 * time.Millisecond):
			}
		}
		p.join = time.Duration(p.recv.firstMedia.Load() - start.UnixNano())
		return nil
	}

	fmt.Fprintf(out, "joining %d publishers and %d subscribers to %s/r/%s (simulcast=%v audio-only=%v layout=%s visible=%d nack=%v reports=%v slots=%v one-pc=%v)\n",
		cfg.Publishers, cfg.Subscribers, cfg.URL, cfg.Room, cfg.Simulcast, cfg.AudioOnly, cfg.Layout, cfg.Visible, cfg.NACK, cfg.Reports, cfg.Slots, cfg.OnePC)
	t0 := time.Now()
	if err := runLimited(ctx, cfg.Publishers, cfg.JoinConcurrency, func(i int) error { return join(i, true) }); err != nil {
		return res, err
	}
	if err := runLimited(ctx, cfg.Subscribers, cfg.JoinConcurrency, func(i int) error { return join(i, false) }); err != nil {
		return res, err
	}
	fmt.Fprintf(out, "everyone joined in %v\n", time.Since(t0).Round(time.Millisecond))
	res.Joined = len(parts)

	// Tile sizes, now and every 2 s (new tracks, speaker changes); with
	// slots, layoutLoop does it.
	prefsCtx, stopPrefs := context.WithCancel(ctx)
	defer stopPrefs()
	if !cfg.Slots {
		go func() {
			for {
				for _, p := range parts {
					sendLayout(prefsCtx, p, cfg.Layout, cfg.Visible, cfg.Publishers)
				}
				select {
				case <-prefsCtx.Done():
					return
				case <-time.After(2 * time.Second):
				}
			}
		}()
	}
	select { // settle: layer switches, keyframes
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
		return res, ctx.Err()
	}

	before := snapshot(parts)
	cpu0, _ := procCPU(cfg.ServerPID)
	gen0, _ := procCPU(os.Getpid())
	drops0, dropsErr := udpRcvbufErrors()
	plis0 := plis(parts)
	w0 := time.Now()
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
	}
	window := time.Since(w0)
	var live, tracks int
	for _, p := range parts {
		live += p.recv.liveVideo(time.Now().Add(-time.Second))
		tracks += int(p.recv.videoTracks.Load())
	}
	cpu1, cpuErr := procCPU(cfg.ServerPID)
	gen1, _ := procCPU(os.Getpid())
	drops1, _ := udpRcvbufErrors()
	plis1 := plis(parts)
	after := snapshot(parts)

	d := after.minus(before)
	secs := window.Seconds()
	res.RecvPPS = float64(d.packets) / secs
	res.RecvMbps = float64(d.bytes) * 8 / secs / 1e6
	if d.expected > 0 && d.expected > d.packets {
		res.LossPct = 100 * float64(d.expected-d.packets) / float64(d.expected)
	}
	res.Freezes = d.freezes
	var joins []time.Duration
	for _, p := range parts {
		joins = append(joins, p.join)
	}
	res.JoinP50, res.JoinP95 = percentile(joins, 50), percentile(joins, 95)
	// Every packet a participant receives was forwarded by the server
	// once (retransmissions and the few lost packets aside).
	res.ForwardedPPS = res.RecvPPS
	if cfg.ServerPID > 0 && cpuErr == nil {
		used := cpu1 - cpu0
		res.ServerCPUPct = 100 * used.Seconds() / secs
		if d.packets > 0 {
			res.ServerUSPerPkt = float64(used.Microseconds()) / float64(d.packets)
		}
		if rss, err := procRSS(cfg.ServerPID); err == nil {
			res.ServerRSSMiB = float64(rss) / (1 << 20)
			if n := cfg.Subscribers + cfg.Publishers; n > 0 && rss > baseRSS {
				res.ServerRSSPerSubKiB = float64(rss-baseRSS) / 1024 / float64(n)
			}
		}
		if peak, err := procPeakRSS(cfg.ServerPID); err == nil {
			res.ServerPeakRSSMiB = float64(peak) / (1 << 20)
		}
	}

	bySource(&res, parts)

	fmt.Fprintf(out, "window %v\n", window.Round(time.Millisecond))
	fmt.Fprintf(out, "join time (to first media for subscribers): p50 %v  p95 %v\n", res.JoinP50.Round(time.Millisecond), res.JoinP95.Round(time.Millisecond))
	layers := map[string]int{}
	for _, p := range parts {
		if p.pubr != nil {
			for _, r := range p.pubr.ActiveLayers() {
				layers[r]++
			}
		}
	}
	if cfg.Simulcast {
		fmt.Fprintf(out, "simulcast layers the publishers send at the end (dynacast): q=%d h=%d f=%d\n", layers["q"], layers["h"], layers["f"])
	}
	fmt.Fprintf(out, "load generator: %.1f %% CPU; publishers got %.1f keyframe requests/s\n",
		100*(gen1-gen0).Seconds()/window.Seconds(), float64(plis1-plis0)/window.Seconds())
	if len(parts) > 0 {
		fmt.Fprintf(out, "video tracks per participant at the end: %.1f received, %.1f flowing (a packet in the last second)\n",
			float64(tracks)/float64(len(parts)), float64(live)/float64(len(parts)))
	}
	if dropsErr == nil {
		// Where loss comes from on one machine: a receive queue (the
		// server's media socket or a generator socket) that overflowed.
		fmt.Fprintf(out, "UDP datagrams dropped by full receive queues on this machine during the window: %d\n", drops1-drops0)
	}
	printSources(out, res)
	fmt.Fprintf(out, "received: %.0f packets/s, %.2f Mbit/s, loss %.3f %%, freezes %d\n", res.RecvPPS, res.RecvMbps, res.LossPct, res.Freezes)
	if cfg.ServerPID > 0 {
		fmt.Fprintf(out, "server: %.1f %% CPU, %.2f µs CPU per forwarded packet, RSS %.1f MiB (%.0f KiB per participant), peak RSS %.1f MiB\n",
			res.ServerCPUPct, res.ServerUSPerPkt, res.ServerRSSMiB, res.ServerRSSPerSubKiB, res.ServerPeakRSSMiB)
	}
	fmt.Fprintln(out, res.Line())
	return res, nil
}

// levelFor gives publisher i a voice: the first is clearly the loudest (the
// speaker), the next two talk now and then, the rest are quiet.
func levelFor(i int) func() uint8 {
	n := 0
	return func() uint8 {
		n++
		switch {
		case i == 0:
			return 25
		case i < 3 && (n/100)%3 == 0:
			return uint8(40 + 5*i)
		default:
			return uint8(min(127, 90+i))
		}
	}
}

// DefaultVisible is the number of thumbnails a speaker-layout receiver
// shows besides the stage when Config.Visible is 0: a desktop's filmstrip
// or a phone's grid shows 9–25 tiles, not 49.
const DefaultVisible = 9

// sendLayout reports tile sizes like the web client, for the videos the
// participant has received (without slots; see knownTiles for slots).
func sendLayout(ctx context.Context, p *participant, layout string, visible, publishers int) {
	sendTiles(ctx, p, transceiverTiles(p), layout, visible, publishers)
}

// sendTiles sends video_prefs for tiles.
func sendTiles(ctx context.Context, p *participant, tiles []tile, layout string, visible, publishers int) {
	if len(tiles) == 0 {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_ = p.c.SendVideoPrefs(sctx, layoutPrefs(p, tiles, names(p), layout, visible, publishers))
}

// layoutPrefs sizes tiles: in the speaker layout publisher 0 is on the
// stage (1280×720) and up to visible others are thumbnails (320×180), the
// rest 0×0 (not on screen, paused); the grid divides 1920×1080 among all
// videos. name maps a participant id to its display name.
func layoutPrefs(p *participant, tiles []tile, name map[string]string, layout string, visible, publishers int) map[string][2]int {
	prefs := make(map[string][2]int, len(tiles))
	cols := int(math.Ceil(math.Sqrt(float64(len(tiles)))))
	for _, t := range tiles {
		n := name[t.participant]
		switch {
		case layout == "grid":
			w := 1920 / cols
			prefs[t.id] = [2]int{w, w * 9 / 16}
		case strings.HasPrefix(n, "pub-000"):
			prefs[t.id] = [2]int{1280, 720}
		case thumbVisible(p, n, visible, publishers):
			prefs[t.id] = [2]int{320, 180}
		default:
			prefs[t.id] = [2]int{0, 0}
		}
	}
	return prefs
}

// thumbVisible says whether receiver p shows publisher name (pub-NNN) as a
// thumbnail: the visible publishers after p's own index, wrapping around
// and skipping the stage (pub-000), so the thumbnails are spread over all
// cameras. visible < 0 shows all.
func thumbVisible(p *participant, name string, visible, publishers int) bool {
	if visible < 0 {
		return true
	}
	var j int
	if _, err := fmt.Sscanf(name, "pub-%d", &j); err != nil || j <= 0 || publishers <= 1 {
		return visible > 0
	}
	// Publishers 1..publishers-1 in a ring: publisher j sits at j-1, and
	// receiver i starts at i (for a publisher, the one after itself; its
	// own slot comes last, and it does not receive itself anyway).
	n := publishers - 1
	d := ((j-1-p.idx)%n + n) % n
	return d < visible
}

// names maps the participant ids the client was told of (welcome,
// participant_joined) to display names, in one pass over its events.
func names(p *participant) map[string]string {
	m := make(map[string]string, len(p.c.Welcome.Participants))
	for _, x := range p.c.Welcome.Participants {
		m[x.ID] = x.Name
	}
	for _, e := range p.c.Events() {
		if e.Type != signal.TypeParticipantJoined {
			continue
		}
		var x signal.Participant
		if json.Unmarshal(e.Data, &x) == nil {
			if _, ok := m[x.ID]; !ok {
				m[x.ID] = x.Name
			}
		}
	}
	return m
}

// plis counts the keyframe requests (PLI/FIR) the publishers received.
func plis(parts []*participant) uint64 {
	var n uint64
	for _, p := range parts {
		if p.pubr != nil {
			n += p.pubr.Stats.PLIs.Load()
		}
	}
	return n
}

type totals struct{ packets, bytes, expected, freezes uint64 }

func (a totals) minus(b totals) totals {
	return totals{a.packets - b.packets, a.bytes - b.bytes, a.expected - b.expected, a.freezes - b.freezes}
}

func snapshot(parts []*participant) totals {
	var t totals
	for _, p := range parts {
		t.packets += p.recv.packets.Load()
		t.bytes += p.recv.bytes.Load()
		t.expected += p.recv.expected.Load()
		t.freezes += p.recv.freezes.Load()
	}
	return t
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[min(i, len(s)-1)]
}

// runLimited runs f(0..n-1) with at most conc at a time; the first error
// wins.
func runLimited(ctx context.Context, n, conc int, f func(int) error) error {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(i); err != nil {
				once.Do(func() { first = err })
			}
		}(i)
	}
	wg.Wait()
	return first
}
