package sfu

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The snapshot shows what an operator needs when a picture freezes: the
// publisher's layers with packets and keyframes, and the subscriber
// getting the track, on its slot, with packets going out.
func TestSnapshotShowsWhatFlows(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	newTestClient(t, r, "a")
	b := newTestClientOpts(t, r, "b", clientOpts{slots: true})
	eventually(t, 5*time.Second, "a's video published", func() (bool, string) {
		return slices.ContainsFunc(r.Tracks(), func(ti TrackInfo) bool { return ti.ID == "a-video-0" }), ""
	})
	b.peer.SetVideoPrefs([]VideoPref{{TrackID: "a-video-0", Width: 320, Height: 180}})

	var snap Snapshot
	eventually(t, 10*time.Second, "b gets a's video, as the snapshot tells", func() (bool, string) {
		snap = r.Snapshot()
		var track *TrackSnapshot
		for i := range snap.Tracks {
			if snap.Tracks[i].ID == "a-video-0" {
				track = &snap.Tracks[i]
			}
		}
		if track == nil || len(track.Layers) == 0 || track.Layers[0].Packets == 0 || track.Layers[0].KeyframeAgeMs < 0 {
			return false, fmt.Sprintf("%+v", snap.Tracks)
		}
		for _, p := range snap.Peers {
			if p.ID != "b" {
				continue
			}
			for _, s := range p.Subscriptions {
				if s.TrackID == "a-video-0" && s.Started && s.Packets > 0 && s.Current >= 0 && s.Slot != "" && s.SentAgeMs >= 0 && s.TileW == 320 {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%+v", snap.Peers)
	})
	if snap.Room != "room" {
		t.Errorf("snapshot of room %q", snap.Room)
	}
	all := e.Snapshot()
	if len(all) != 1 || all[0].Room != "room" {
		t.Errorf("engine snapshot: %+v", all)
	}
	if _, err := json.Marshal(all); err != nil {
		t.Fatal(err)
	}
}
