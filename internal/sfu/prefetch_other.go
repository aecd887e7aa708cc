//go:build !amd64

package sfu

import "unsafe"

// prefetch does nothing here: it is only a hint (prefetch_amd64.s).
func prefetch(p unsafe.Pointer, size uintptr) {}

// prefetchWrite does nothing here.
func prefetchWrite(p unsafe.Pointer, size uintptr) {}
