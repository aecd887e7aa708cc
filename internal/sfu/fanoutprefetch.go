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
// that are used are asked for: prefetching the whole of each object (25
// lines a subscriber) filled the CPU's miss buffers, and the stall moved
// into the prefetches (docs/benchmarks.md § Twelfth session).

// gcmStateSize covers the standard library's AES-GCM state (key
// schedules and, on amd64, the GHASH table: 760 bytes in Go 1.26). If a
// release changes it, prefetching only becomes less complete.
const gcmStateSize = 768

// prefetchFanOut prefetches for the destinations after dts[i].
func prefetchFanOut(dts []*downTrack, i int) {
	if i+3 < len(dts) {
		d := dts[i+3]
		prefetch(unsafe.Pointer(&d.curA), 256) // the fields writeRTP reads first
	}
	if i+2 < len(dts) {
		if o := dts[i+2].fast; o != nil {
			prefetch(unsafe.Pointer(o), unsafe.Sizeof(srtpOut{}))
		}
	}
	if i+1 < len(dts) {
		if o := dts[i+1].fast; o != nil {
			if g := o.sealer.Load(); g != nil {
				prefetch(unsafe.Pointer(g), unsafe.Sizeof(gcmSRTP{}))
				st := g.state()
				prefetch(st, 256)                               // the AES key schedule
				prefetch(unsafe.Add(st, gcmStateSize-256), 256) // the GHASH table
			}
		}
	}
}
