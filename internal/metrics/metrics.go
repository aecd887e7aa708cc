// Package metrics exports confer's state for Prometheus at /metrics.
// Labels have bounded cardinality: device classes and nothing per room,
// organisation or participant (a dashboard with one series per room would
// grow without end).
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/sfu"
	"github.com/confer-dev/confer/internal/signal"
)

// Metrics is one process's registry. It implements room.Events for the
// meeting and participant gauges.
type Metrics struct {
	reg            *prometheus.Registry
	meetings       prometheus.Gauge
	participants   *prometheus.GaugeVec
	joins          *prometheus.CounterVec
	meetingSeconds prometheus.Counter
}

var _ room.Events = (*Metrics)(nil)

// Sources are read at scrape time.
type Sources struct {
	Engine *sfu.Engine
	// Pending counts usage events not yet stored; WebhooksPending counts
	// deliveries waiting. Either may be nil.
	Pending         func() float64
	WebhooksPending func() float64
}

// New registers every collector.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.meetings = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "confer_meetings_active", Help: "Meetings in progress (rooms with someone in them).",
	})
	m.participants = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "confer_participants", Help: "Participants in meetings, by device class.",
	}, []string{"device"})
	m.joins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "confer_participant_sessions_total", Help: "Participants who entered a meeting, by device class.",
	}, []string{"device"})
	m.meetingSeconds = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "confer_meeting_seconds_total",
		Help: "Meeting time with at least two people (conference-hours × 3600), as it accrues.",
	})
	for _, d := range []string{"desktop", "phone", "tablet"} {
		m.participants.WithLabelValues(d)
		m.joins.WithLabelValues(d)
	}
	m.reg.MustRegister(m.meetings, m.participants, m.joins, m.meetingSeconds,
		signal.JoinTime, signal.Joins, signal.Reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if e := src.Engine; e != nil {
		stat := func(name, help string, f func(sfu.Stats) uint64) {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
				func() float64 { return float64(f(e.Stats())) }))
		}
		stat("confer_sfu_packets_received_total", "RTP packets read from publishers.", func(s sfu.Stats) uint64 { return s.PacketsReceived })
		stat("confer_sfu_packets_forwarded_total", "RTP packets written to subscribers.", func(s sfu.Stats) uint64 { return s.PacketsForwarded })
		stat("confer_sfu_bytes_forwarded_total", "RTP bytes written to subscribers.", func(s sfu.Stats) uint64 { return s.BytesForwarded })
		stat("confer_sfu_retransmitted_total", "Lost packets resent from the packet caches (NACK).", func(s sfu.Stats) uint64 { return s.Retransmitted })
		stat("confer_sfu_direct_paths_total", "Subscribe connections whose RTP took the direct SRTP path (fewer than connections: some fell back to Pion's).",
			func(s sfu.Stats) uint64 { return s.DirectPaths })
		stat("confer_sfu_direct_receive_paths_total", "Publish connections whose RTP the media socket's reader decrypts itself (fewer than connections: some fell back to Pion's).",
			func(s sfu.Stats) uint64 { return s.DirectReceivePaths })
		stat("confer_sfu_packets_received_direct_total", "RTP packets from publishers read on the direct receive path.",
			func(s sfu.Stats) uint64 { return s.PacketsReceivedDirect })
		stat("confer_sfu_packets_spread_total", "Direct-path packets forwarded by a worker because the media socket's reader was falling behind.",
			func(s sfu.Stats) uint64 { return s.PacketsSpread })
		stat("confer_sfu_gso_segments_total", "Datagrams sent within multi-datagram UDP segmentation offload messages.",
			func(s sfu.Stats) uint64 { return s.GSOSegments })
		stat("confer_sfu_stale_dropped_total", "Publisher RTP packets dropped after waiting over 500 ms in the server: the server is short of CPU.",
			func(s sfu.Stats) uint64 { return s.StaleDropped })
		stat("confer_sfu_subscriber_offers_total", "Offers made to subscribers, each rebuilding a whole session: the cost of people joining and leaving.",
			func(s sfu.Stats) uint64 { return s.SubscriberOffers })
		stat("confer_sfu_slot_assignments_total", "Sources put on a subscriber's receive slot (speaker changes, tiles coming into view).",
			func(s sfu.Stats) uint64 { return s.SlotAssignments })
		gauge := func(name, help string, f func(sfu.Stats) int64) {
			m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
				func() float64 { return float64(f(e.Stats())) }))
		}
		gauge("confer_sfu_published_tracks", "Tracks being received from publishers.", func(s sfu.Stats) int64 { return s.PublishedTracks })
		gauge("confer_sfu_subscribed_tracks", "Tracks being forwarded to subscribers (one per subscriber and track).",
			func(s sfu.Stats) int64 { return s.SubscribedTracks })
		m.reg.MustRegister(qualityCollector{e: e, desc: prometheus.NewDesc("confer_sfu_connections_graded",
			"Participants whose connection is graded fair or poor now (loss both ways); many at once points at a network, not a person.",
			[]string{"quality"}, nil)})
	}
	if src.Pending != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "confer_usage_events_unsaved", Help: "Usage events waiting for the database (should stay 0).",
		}, src.Pending))
	}
	if src.WebhooksPending != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "confer_webhook_deliveries_pending", Help: "Webhook deliveries not yet accepted by their receiver.",
		}, src.WebhooksPending))
	}
	return m
}

// ClusterSources are a multi-node deployment's figures (internal/cluster),
// registered once the node has joined.
type ClusterSources struct {
	Nodes     func() float64 // nodes this one sees, itself included
	Connected func() float64 // 1 while NATS answers
	// Counters: Owner could not ask NATS; rooms moved off a gone node;
	// rooms taken back, meetings moved (after nodes disagreed).
	PlacementFailures, TakenOver, Reclaimed, Yielded func() float64
}

// AddCluster registers the cluster's gauges and counters.
func (m *Metrics) AddCluster(c ClusterSources) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "confer_cluster_nodes", Help: "Nodes of the deployment this node sees (itself included)."}, c.Nodes),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "confer_cluster_nats_connected", Help: "1 while the cluster's NATS answers; 0: meetings are placed where requests land."}, c.Connected),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "confer_cluster_placement_failures_total", Help: "Requests whose meeting's node could not be asked (NATS unreachable); served on this node."}, c.PlacementFailures),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "confer_cluster_rooms_taken_over_total", Help: "Rooms placed anew because the node running them was gone."}, c.TakenOver),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "confer_cluster_rooms_reclaimed_total", Help: "Rooms taken back by the node running their meeting after nodes disagreed."}, c.Reclaimed),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "confer_cluster_meetings_moved_total", Help: "Meetings ended here and rejoined on another node running the same room (after nodes disagreed)."}, c.Yielded),
	)
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Timeout: 10 * time.Second})
}

// AddMeetingSeconds counts accrued meeting time (usage.Recorder hook).
func (m *Metrics) AddMeetingSeconds(s float64) { m.meetingSeconds.Add(s) }

// MeetingStarted implements room.Events.
func (m *Metrics) MeetingStarted(string, time.Time) { m.meetings.Inc() }

// MeetingEnded implements room.Events.
func (m *Metrics) MeetingEnded(string, time.Time) { m.meetings.Dec() }

// ParticipantJoined implements room.Events.
func (m *Metrics) ParticipantJoined(_ string, p room.Info, _ time.Time) {
	d := device(p.Device)
	m.participants.WithLabelValues(d).Inc()
	m.joins.WithLabelValues(d).Inc()
}

// ParticipantLeft implements room.Events.
func (m *Metrics) ParticipantLeft(_ string, p room.Info, _ time.Time) {
	m.participants.WithLabelValues(device(p.Device)).Dec()
}

// device keeps the label set closed whatever a client sends.
func device(d string) string {
	switch d {
	case "phone", "tablet":
		return d
	}
	return "desktop"
}

// qualityCollector reports the fair and poor connection counts from one
// read of the engine's stats.
type qualityCollector struct {
	e    *sfu.Engine
	desc *prometheus.Desc
}

func (c qualityCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c qualityCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.Stats()
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(s.ConnectionsFair), "fair")
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(s.ConnectionsPoor), "poor")
}
