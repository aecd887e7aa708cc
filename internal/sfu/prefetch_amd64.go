package sfu

import "unsafe"

// prefetch asks the CPU to start loading the cache lines of
// [p, p+size) (prefetch_amd64.s). It is a hint: it never faults and
// never waits.
//
//go:noescape
func prefetch(p unsafe.Pointer, size uintptr)

// prefetchWrite is prefetch for lines about to be written: they come in
// owned, so the stores need not wait for them.
//
//go:noescape
func prefetchWrite(p unsafe.Pointer, size uintptr)
