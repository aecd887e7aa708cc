package sfu

import "sync/atomic"

// Stats are the engine's cumulative counters since it started.
type Stats struct {
	PacketsReceived uint64 `json:"packetsReceived"` // RTP packets read from publishers
	// Of those, read by the media socket's reader itself (srtpin.go).
	PacketsReceivedDirect uint64 `json:"packetsReceivedDirect"`
	PacketsForwarded      uint64 `json:"packetsForwarded"` // RTP packets written to subscribers
	BytesForwarded        uint64 `json:"bytesForwarded"`
	Retransmitted         uint64 `json:"retransmitted"` // NACKs answered from the packet caches
	// Subscribe connections that switched to the direct RTP path
	// (srtpout.go); fewer than connected subscribers means some fell back.
	DirectPaths uint64 `json:"directPaths"`
	// Publish connections whose RTP the media socket's reader decrypts
	// itself (srtpin.go).
	DirectReceivePaths uint64 `json:"directReceivePaths"`
	// Of PacketsReceivedDirect, forwarded by a worker because the media
	// socket's reader was falling behind (spread.go).
	PacketsSpread uint64 `json:"packetsSpread"`
	// Datagrams sent as part of multi-datagram UDP segmentation
	// offload messages (gso.go).
	GSOSegments uint64 `json:"gsoSegments"`
	// RTP packets from publishers dropped because they waited in the
	// server longer than 500 ms: the server is short of CPU.
	StaleDropped uint64 `json:"staleDropped"`
	// Offers made to subscribers (each rebuilds a whole session, every
	// m-line): the cost of people joining and leaving big meetings.
	SubscriberOffers uint64 `json:"subscriberOffers"`
	// Sources put on a receive slot (slots.go): speaker changes and
	// tiles coming into view, each costing the subscriber a keyframe.
	SlotAssignments uint64 `json:"slotAssignments"`
	// Current gauges, not counters: tracks being received from publishers
	// and forwarded to subscribers now.
	PublishedTracks  int64 `json:"publishedTracks"`
	SubscribedTracks int64 `json:"subscribedTracks"`
	// Participants whose connection is graded fair or poor now
	// (connquality.go): many at once points at a network, not a person.
	ConnectionsFair int64 `json:"connectionsFair"`
	ConnectionsPoor int64 `json:"connectionsPoor"`
}

type engineStats struct {
	received       atomic.Uint64
	receivedDirect atomic.Uint64
	packets        atomic.Uint64
	bytes          atomic.Uint64
	retransmitted  atomic.Uint64
	fastPaths      atomic.Uint64
	directIn       atomic.Uint64
	offers         atomic.Uint64
	slotAssigned   atomic.Uint64
	published      atomic.Int64 // receivers in a router (router.go)
	subscribed     atomic.Int64 // live downTracks (countLive/countDead)
	fair, poor     atomic.Int64 // peers so graded (connquality.go)
}

// A downTrack's gauge state: it counts once, from its attachment to its
// first close, whichever order a close and an attachment race in.
const (
	dtNew int32 = iota
	dtCounted
	dtClosed
)

// countLive counts d as subscribed, unless it was closed already.
func (d *downTrack) countLive() {
	if d.gauge.CompareAndSwap(dtNew, dtCounted) {
		d.recv.router.e.stats.subscribed.Add(1)
	}
}

// countDead uncounts d if it was counted; idempotent.
func (d *downTrack) countDead() {
	if d.gauge.Swap(dtClosed) == dtCounted {
		d.recv.router.e.stats.subscribed.Add(-1)
	}
}

// forwarded counts packets sent to subscribers, bytes in all.
func (s *engineStats) forwarded(packets, bytes int) {
	s.packets.Add(uint64(packets))
	s.bytes.Add(uint64(bytes))
}

// Stats returns the engine's counters (the load tester divides server CPU
// time by PacketsForwarded; /metrics can export them).
func (e *Engine) Stats() Stats {
	return Stats{
		PacketsReceived:       e.stats.received.Load(),
		PacketsReceivedDirect: e.stats.receivedDirect.Load(),
		PacketsForwarded:      e.stats.packets.Load(),
		BytesForwarded:        e.stats.bytes.Load(),
		Retransmitted:         e.stats.retransmitted.Load(),
		DirectPaths:           e.stats.fastPaths.Load(),
		DirectReceivePaths:    e.stats.directIn.Load(),
		StaleDropped:          e.batch.stale.Load(),
		SubscriberOffers:      e.stats.offers.Load(),
		SlotAssignments:       e.stats.slotAssigned.Load(),
		GSOSegments:           e.batch.gsoSegments.Load(),
		PacketsSpread:         e.batch.spread.spreads.Load(),
		PublishedTracks:       e.stats.published.Load(),
		SubscribedTracks:      e.stats.subscribed.Load(),
		ConnectionsFair:       e.stats.fair.Load(),
		ConnectionsPoor:       e.stats.poor.Load(),
	}
}
