package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// bySource fills res's per-source figures: slot maps and switches, what
// each participant received from whom, and the subscribers' time to the
// stage's first video packet.
func bySource(res *Result, parts []*participant) {
	var stage []time.Duration
	for _, p := range parts {
		if p.slots != nil {
			res.SlotMaps += p.slots.maps.Load()
		}
		res.SourceSwitches += p.recv.switches.Load()
		n := names(p)
		named := func(m map[string]uint64) map[string]uint64 {
			out := make(map[string]uint64, len(m))
			for id, v := range m {
				k := n[id]
				if k == "" {
					k = id
				}
				out[k] += v
			}
			return out
		}
		res.Received = append(res.Received, Received{Name: p.name,
			Audio: named(p.recv.sources(false)), Video: named(p.recv.sources(true))})
		if p.pub {
			continue
		}
		for id, name := range n {
			if strings.HasPrefix(name, "pub-000") {
				if v, ok := p.recv.videoFirstBySrc.Load(id); ok {
					stage = append(stage, time.Duration(v.(int64)-p.start.UnixNano()))
				}
			}
		}
	}
	sort.Slice(res.Received, func(i, j int) bool { return res.Received[i].Name < res.Received[j].Name })
	res.StageP50, res.StageP95 = percentile(stage, 50), percentile(stage, 95)
}

// printSources is the human-readable part of bySource.
func printSources(out io.Writer, res Result) {
	var audio, video int
	for _, r := range res.Received {
		audio += len(r.Audio)
		video += len(r.Video)
	}
	if n := len(res.Received); n > 0 {
		fmt.Fprintf(out, "sources per participant over the run: %.1f video, %.1f audio\n",
			float64(video)/float64(n), float64(audio)/float64(n))
	}
	if res.StageP50 > 0 {
		fmt.Fprintf(out, "join to the stage's (pub-000) first video packet, subscribers: p50 %v  p95 %v\n",
			res.StageP50.Round(time.Millisecond), res.StageP95.Round(time.Millisecond))
	}
	if res.Slots {
		fmt.Fprintf(out, "receive slots: %d slot maps received, %d source switches on received streams\n",
			res.SlotMaps, res.SourceSwitches)
	}
}
