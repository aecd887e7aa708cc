package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/signal"
)

// SlotsStreamID is the MediaStream id of every receive slot's track
// (join.slots); other tracks carry their publisher's id.
const SlotsStreamID = "confer-slots"

// applySlots keeps the full map of a `slots` message. The map is kept by
// mid even when no transceiver has that mid yet: the offer that creates
// it may be applied after the map arrives.
func (c *Client) applySlots(data json.RawMessage) error {
	var m signal.Slots
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("slots: %w", err)
	}
	next := make(map[string]signal.Slot, len(m.Slots))
	for _, s := range m.Slots {
		if s.Mid == "" {
			return errors.New("slots: a slot without mid")
		}
		next[s.Mid] = s
	}
	c.mu.Lock()
	c.slots = next
	f := c.opts.OnSlots
	c.mu.Unlock()
	if f != nil {
		f(append([]signal.Slot(nil), m.Slots...))
	}
	return nil
}

// SlotOf returns what the receive slot with transceiver mid carries now
// (TrackID "" = nothing); false if the latest map has no such slot.
func (c *Client) SlotOf(mid string) (signal.Slot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.slots[mid]
	return s, ok
}

// Slots returns the latest slot map, ordered by mid.
func (c *Client) Slots() []signal.Slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.SortedFunc(maps.Values(c.slots), func(a, b signal.Slot) int { return strings.Compare(a.Mid, b.Mid) })
}

// MidOf returns the mid of the subscribe transceiver that r belongs to
// ("" if none): a TrackRemote has no mid of its own.
func (c *Client) MidOf(r *webrtc.RTPReceiver) string {
	for _, tr := range c.sub.GetTransceivers() {
		if tr.Receiver() == r {
			return tr.Mid()
		}
	}
	return ""
}

// SlotOfReceiver is SlotOf for the transceiver of r.
func (c *Client) SlotOfReceiver(r *webrtc.RTPReceiver) (signal.Slot, bool) {
	mid := c.MidOf(r)
	if mid == "" {
		return signal.Slot{}, false
	}
	return c.SlotOf(mid)
}

// trackEvent keeps the set of others' tracks up to date (Tracks).
func (c *Client) trackEvent(typ string, data json.RawMessage) error {
	var t signal.Track
	if err := json.Unmarshal(data, &t); err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	if t.ParticipantID == c.Welcome.ParticipantID {
		return nil // not a tile: the client does not receive itself
	}
	c.mu.Lock()
	if typ == signal.TypeTrackPublished {
		c.tracks[t.ID] = t
	} else {
		delete(c.tracks, t.ID)
	}
	c.mu.Unlock()
	return nil
}

// Tracks returns the others' published tracks known now (welcome, then
// track_published and track_removed), ordered by id. With slots this,
// not the subscribe transceivers, is the list of tiles.
func (c *Client) Tracks() []signal.Track {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.SortedFunc(maps.Values(c.tracks), func(a, b signal.Track) int { return strings.Compare(a.ID, b.ID) })
}
