package sfu

import "unsafe"

// Each forwarded packet goes to many subscribers, and each subscriber's
// state (its downTrack, its SRTP path, its AES key schedule and GHASH
// table) is cold by the time the next packet of the track comes: perf
// annotate put ≈ 8 % of the server's CPU at 10 × 40 on the first loads
// of those, one subscriber after another. The fan-out therefore asks for
// them a few subscribers ahead, in three steps because each step reads
// pointers out of what the step before brought in: the downTrack three
// ahead, its SRTP path two ahead, its keys one ahead. Only the lines
// writeRTP uses are asked for, ≈ 17 a subscriber: prefetching the whole
// of each object (the SRTP path alone is 52 lines, most of them its RTCP
// state) only moved the stall into the prefetches (docs/benchmarks.md
// § Twelfth session).

// gcmStateSize covers the standard library's AES-GCM state (key
// schedules and, on amd64, the GHASH table: 760 bytes in Go 1.26). If a
// release changes it, prefetching only becomes less complete.
const gcmStateSize = 768

// prefetchFanOut prefetches for the destinations after dts[i].
func prefetchFanOut(dts []*downTrack, i int) {
	if i+3 < len(dts) {
		d := unsafe.Pointer(dts[i+3])
		// From fast to the munger's current state, and the send counts
		// and rollover count; not the munger's history, which only a
		// retransmission reads.
		prefetch(unsafe.Add(d, dtHotStart), dtHotEnd-dtHotStart)
		prefetch(unsafe.Add(d, dtTailStart), dtTailEnd-dtTailStart)
	}
	if i+2 < len(dts) {
		if o := dts[i+2].fast; o != nil {
			// ready, mu, seal, conn, dst: not the RTCP state behind them.
			prefetch(unsafe.Pointer(o), srtpOutHot)
		}
	}
	if i+1 < len(dts) {
		if o := dts[i+1].fast; o != nil {
			if g := o.seal.Load(); g != nil {
				prefetch(unsafe.Pointer(g), unsafe.Sizeof(gcmSRTP{}))
				st := g.state()
				prefetch(st, 256)                               // the AES key schedule
				prefetch(unsafe.Add(st, gcmStateSize-256), 256) // the GHASH table
			}
		}
	}
}

var (
	dtHotStart  = unsafe.Offsetof(downTrack{}.fast)
	dtHotEnd    = unsafe.Offsetof(downTrack{}.m) + 64
	dtTailStart = unsafe.Offsetof(downTrack{}.sr)
	dtTailEnd   = unsafe.Offsetof(downTrack{}.roc) + unsafe.Sizeof(rocTracker{})
	srtpOutHot  = unsafe.Offsetof(srtpOut{}.hdr)
)
