package client

import (
	"encoding/json"
	"testing"

	"github.com/confer-dev/confer/internal/signal"
)

// A slots message replaces the whole map; lookups are by mid, and an
// empty slot is kept (trackId "").
func TestApplySlots(t *testing.T) {
	var got [][]signal.Slot
	c := &Client{opts: Options{OnSlots: func(s []signal.Slot) { got = append(got, s) }}}
	msg := `{"slots":[{"mid":"0","kind":"audio","trackId":"mic-a","participantId":"a"},` +
		`{"mid":"2","kind":"video","trackId":"","participantId":""}]}`
	if err := c.applySlots(json.RawMessage(msg)); err != nil {
		t.Fatal(err)
	}
	if s, ok := c.SlotOf("0"); !ok || s.TrackID != "mic-a" || s.ParticipantID != "a" || s.Kind != "audio" {
		t.Fatalf("slot 0 = %+v, %v", s, ok)
	}
	if s, ok := c.SlotOf("2"); !ok || s.TrackID != "" {
		t.Fatalf("empty slot 2 = %+v, %v", s, ok)
	}
	if _, ok := c.SlotOf("1"); ok {
		t.Fatal("slot 1 was never announced")
	}
	if err := c.applySlots(json.RawMessage(`{"slots":[{"mid":"2","kind":"video","trackId":"cam-b","participantId":"b"}]}`)); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.SlotOf("0"); ok {
		t.Fatal("the second map has no slot 0: the map is replaced, not merged")
	}
	if all := c.Slots(); len(all) != 1 || all[0].TrackID != "cam-b" {
		t.Fatalf("Slots() = %+v", all)
	}
	if len(got) != 2 || len(got[1]) != 1 {
		t.Fatalf("OnSlots got %+v", got)
	}
	for _, bad := range []string{`{"slots":[{"trackId":"x"}]}`, `{"slots":7}`} {
		if err := c.applySlots(json.RawMessage(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if s, ok := c.SlotOf("2"); !ok || s.TrackID != "cam-b" {
		t.Fatal("a bad message changed the map")
	}
}
