package sfu

import "sync/atomic"

// Stats are the engine's cumulative counters since it started.
type Stats struct {
	PacketsReceived  uint64 `json:"packetsReceived"`  // RTP packets read from publishers
	PacketsForwarded uint64 `json:"packetsForwarded"` // RTP packets written to subscribers
	BytesForwarded   uint64 `json:"bytesForwarded"`
	Retransmitted    uint64 `json:"retransmitted"` // NACKs answered from the packet caches
}

type engineStats struct {
	received      atomic.Uint64
	packets       atomic.Uint64
	bytes         atomic.Uint64
	retransmitted atomic.Uint64
}

func (s *engineStats) forwarded(n int) {
	s.packets.Add(1)
	s.bytes.Add(uint64(n))
}

// Stats returns the engine's counters (the load tester divides server CPU
// time by PacketsForwarded; /metrics can export them).
func (e *Engine) Stats() Stats {
	return Stats{
		PacketsReceived:  e.stats.received.Load(),
		PacketsForwarded: e.stats.packets.Load(),
		BytesForwarded:   e.stats.bytes.Load(),
		Retransmitted:    e.stats.retransmitted.Load(),
	}
}
