package signal

import (
	"context"
	"errors"
	"math"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-dev/confer/internal/room"
)

// TypeClientMetrics (client to server) reports measurements only the
// client can make, once per join.
const TypeClientMetrics = "client_metrics"

// ClientMetrics carries the client's measurements.
type ClientMetrics struct {
	// JoinMs is from opening the page to the first remote video frame.
	JoinMs float64 `json:"joinMs"`
}

// Signalling metrics. They are process-wide (one signalling layer per
// process); the metrics package registers them with its registry.
var (
	JoinTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "confer_join_seconds",
		Help:    "Time from opening the meeting page to the first remote video frame, as reported by clients.",
		Buckets: []float64{0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 20, 30},
	})
	Joins = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "confer_joins_total", Help: "Successful joins, not counting reconnections.",
	})
	Reconnects = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "confer_reconnects_total", Help: "Participants who took their place back after a dropped connection or reload.",
	})
)

func metricsMessages() map[string]messageSpec {
	return map[string]messageSpec{
		TypeClientMetrics: {decode: decodeAs(checkClientMetrics), handle: handleClientMetrics},
	}
}

// maxJoinMs drops absurd reports (a tab left in the background for hours).
const maxJoinMs = 10 * 60 * 1000

func checkClientMetrics(m *ClientMetrics) error {
	if math.IsNaN(m.JoinMs) || m.JoinMs <= 0 || m.JoinMs > maxJoinMs {
		return errors.New("joinMs must be between 0 and 600000")
	}
	return nil
}

func handleClientMetrics(_ context.Context, s *session, _ *room.Participant, msg any) bool {
	s.mu.Lock()
	dup := s.metricsSeen
	s.metricsSeen = true
	s.mu.Unlock()
	if !dup { // one report per connection: a client cannot skew the histogram
		JoinTime.Observe(msg.(*ClientMetrics).JoinMs / 1000)
	}
	return true
}

func countJoin(resumed bool) {
	if resumed {
		Reconnects.Inc()
		return
	}
	Joins.Inc()
}
