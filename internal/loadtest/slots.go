package loadtest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
)

// source is what a received stream carries now: the publishing
// participant's id, nil while unknown or empty. A legacy track's never
// changes; a receive slot's follows the slot map.
type source = atomic.Pointer[string]

func fixedSource(id string) *source {
	s := new(source)
	s.Store(&id)
	return s
}

// slotSources is one participant's slot map as the receive loops read
// it: one atomic cell per mid, so a packet costs one atomic load.
type slotSources struct {
	mids sync.Map // mid → *source
	maps atomic.Uint64
}

func (s *slotSources) cell(mid string) *source {
	if v, ok := s.mids.Load(mid); ok {
		return v.(*source)
	}
	v, _ := s.mids.LoadOrStore(mid, new(source))
	return v.(*source)
}

// update applies a full slot map (client.Options.OnSlots).
func (s *slotSources) update(slots []signal.Slot) {
	s.maps.Add(1)
	listed := make(map[string]bool, len(slots))
	for _, sl := range slots {
		listed[sl.Mid] = true
		var id *string
		if sl.ParticipantID != "" {
			pid := sl.ParticipantID
			id = &pid
		}
		s.cell(sl.Mid).Store(id)
	}
	s.mids.Range(func(k, v any) bool {
		if !listed[k.(string)] {
			v.(*source).Store(nil)
		}
		return true
	})
}

// sourceOf finds what track t (of receiver r) carries: its stream id
// (the publisher) for a legacy track, the slot map's cell for a slot.
// It waits until p.c is set: Pion may start a track before Join returns.
func (p *participant) sourceOf(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) *source {
	if p.slots == nil || t.StreamID() != client.SlotsStreamID {
		return fixedSource(t.StreamID())
	}
	<-p.ready
	return p.slots.cell(p.c.MidOf(r))
}

// tile is one remote video the layout places: its publisher and track id.
type tile struct{ participant, id string }

// transceiverTiles: without slots the client lays out the videos it has
// received (one m-line per track).
func transceiverTiles(p *participant) []tile {
	var out []tile
	for _, t := range p.c.SubscribePC().GetTransceivers() {
		if r := t.Receiver(); r != nil && r.Track() != nil && r.Track().Kind() == webrtc.RTPCodecTypeVideo {
			out = append(out, tile{r.Track().StreamID(), r.Track().ID()})
		}
	}
	return out
}

// knownTiles: with slots the client lays out every video it was told
// of, received or not: the server assigns video slots from those prefs.
func knownTiles(p *participant) []tile {
	var out []tile
	for _, t := range p.c.Tracks() {
		if t.Kind == "video" {
			out = append(out, tile{t.ParticipantID, t.ID})
		}
	}
	return out
}

// layoutLoop keeps a slot participant's prefs current from its join on,
// as the web client does: a message when a video appears or goes, none
// otherwise (the server keeps the last sizes). A video never listed gets
// no slot, so waiting for everyone to join as the legacy loop does would
// leave it without video until then. Nothing goes before the receiving
// connection is up, also as the web client: a slot's first keyframe
// before DTLS is lost, and the next waits out the server's keyframe
// throttle (~500 ms).
func layoutLoop(ctx context.Context, p *participant, cfg Config) {
	var last []tile
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.c.Done():
			return
		case <-t.C:
		}
		if p.c.SubscribePC().ConnectionState() != webrtc.PeerConnectionStateConnected {
			t.Reset(10 * time.Millisecond)
			continue
		}
		if tiles := knownTiles(p); len(tiles) > 0 && !slices.Equal(tiles, last) {
			sendTiles(ctx, p, tiles, cfg.Layout, cfg.Visible, cfg.Publishers)
			last = tiles
			if !allNamed(p, tiles) {
				last = nil // its size depends on the name: again next time
			}
		}
		t.Reset(100 * time.Millisecond)
	}
}

// allNamed says whether p knows the display name of every tile's
// publisher (participant_joined comes before its track_published, so an
// unknown name is rare).
func allNamed(p *participant, tiles []tile) bool {
	n := names(p)
	for _, t := range tiles {
		if n[t.participant] == "" {
			return false
		}
	}
	return true
}
