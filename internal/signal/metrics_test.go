package signal

import (
	"context"
	"errors"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

func TestClientMetricsDecode(t *testing.T) {
	for msg, ok := range map[string]bool{
		`{"type":"client_metrics","data":{"joinMs":1834}}`:    true,
		`{"type":"client_metrics","data":{"joinMs":0}}`:       false,
		`{"type":"client_metrics","data":{"joinMs":-5}}`:      false,
		`{"type":"client_metrics","data":{"joinMs":9999999}}`: false,
		`{"type":"client_metrics","data":{"joinMs":"x"}}`:     false,
	} {
		typ, v, err := Decode([]byte(msg))
		if (err == nil) != ok {
			t.Errorf("Decode(%s) err = %v, want ok %v", msg, err, ok)
		}
		if ok && (typ != TypeClientMetrics || v.(*ClientMetrics).JoinMs != 1834) {
			t.Errorf("Decode(%s) = %s %+v", msg, typ, v)
		}
	}
}

func joinObservations(t *testing.T) uint64 {
	t.Helper()
	var m dto.Metric
	if err := JoinTime.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

func TestClientMetricsCountedOncePerConnection(t *testing.T) {
	h := messageTable[TypeClientMetrics].handle
	s := &session{}
	n0 := joinObservations(t)
	h(context.Background(), s, nil, &ClientMetrics{JoinMs: 1500})
	h(context.Background(), s, nil, &ClientMetrics{JoinMs: 1500})
	if got := joinObservations(t) - n0; got != 1 {
		t.Errorf("observations = %d, want 1", got)
	}
	if !errors.Is(ErrOverBudget, ErrRoomUnavailable) {
		t.Error("ErrOverBudget must match ErrRoomUnavailable for callers that only know that")
	}
}
