package loadtest

import (
	"fmt"
	"testing"

	"github.com/confer-dev/confer/internal/signal"
)

func TestThumbVisible(t *testing.T) {
	const pubs, visible = 50, 9
	seen := make([]int, pubs)
	for i := 0; i < pubs+10; i++ { // publishers, then 10 plain subscribers
		p := &participant{idx: i, pub: i < pubs}
		if !p.pub {
			p.idx = i - pubs
		}
		n := 0
		for j := 1; j < pubs; j++ {
			if p.pub && j == p.idx {
				continue // not received
			}
			if thumbVisible(p, fmt.Sprintf("pub-%03d", j), visible, pubs) {
				n++
				seen[j]++
			}
		}
		if n != visible {
			t.Errorf("receiver %d (pub=%v) shows %d thumbnails, want %d", p.idx, p.pub, n, visible)
		}
	}
	for j := 1; j < pubs; j++ {
		if seen[j] == 0 {
			t.Errorf("pub-%03d is shown to nobody", j)
		}
	}
	p := &participant{idx: 3, pub: true}
	if !thumbVisible(p, "pub-004", -1, pubs) || !thumbVisible(p, "pub-040", -1, pubs) {
		t.Error("visible < 0 must show everything")
	}
	if thumbVisible(p, "pub-040", 0, pubs) {
		t.Error("visible 0 must show no thumbnail")
	}
}

// With slots the layout covers every video the participant was told of,
// received or not: the stage, the visible thumbnails, and 0×0 for the
// rest (a video never listed gets no slot).
func TestLayoutPrefs(t *testing.T) {
	p := &participant{idx: 0}
	var tiles []tile
	name := map[string]string{}
	for j := range 5 {
		id := fmt.Sprintf("p%d", j)
		name[id] = fmt.Sprintf("pub-%03d", j)
		tiles = append(tiles, tile{participant: id, id: "cam-" + id})
	}
	got := layoutPrefs(p, tiles, name, "speaker", 2, 5)
	want := map[string][2]int{"cam-p0": {1280, 720}, "cam-p1": {320, 180}, "cam-p2": {320, 180}, "cam-p3": {0, 0}, "cam-p4": {0, 0}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("speaker: %v, want %v", got, want)
	}
	for id, wh := range layoutPrefs(p, tiles, name, "grid", 2, 5) {
		if wh != [2]int{640, 360} { // 5 tiles: 3 columns of 1920
			t.Errorf("grid: %s is %v", id, wh)
		}
	}
	// An unknown participant (no name yet) is a thumbnail candidate, not
	// left out.
	if got := layoutPrefs(p, []tile{{"x", "cam-x"}}, name, "speaker", 2, 5); len(got) != 1 {
		t.Errorf("unnamed: %v", got)
	}
}

// The slot map as the receive loops see it: by mid, switched in place,
// emptied, and a mid the map no longer lists carries nothing.
func TestSlotSources(t *testing.T) {
	var s slotSources
	early := s.cell("3") // a receive loop may ask before any map
	s.update([]signal.Slot{{Mid: "0", ParticipantID: "a"}, {Mid: "3", ParticipantID: "b"}})
	if p := early.Load(); p == nil || *p != "b" {
		t.Fatalf("mid 3 = %v", p)
	}
	s.update([]signal.Slot{{Mid: "0", ParticipantID: ""}, {Mid: "3", ParticipantID: "c"}})
	if p := s.cell("0").Load(); p != nil {
		t.Errorf("empty slot carries %q", *p)
	}
	if p := early.Load(); p == nil || *p != "c" {
		t.Errorf("switched mid 3 = %v", p)
	}
	s.update([]signal.Slot{{Mid: "0", ParticipantID: "a"}})
	if early.Load() != nil || s.maps.Load() != 3 {
		t.Errorf("unlisted mid 3 = %v, maps %d", early.Load(), s.maps.Load())
	}
}
