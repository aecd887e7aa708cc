package sfu

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// A Snapshot is a point-in-time picture of one meeting's media: what each
// publisher sends, layer by layer, and what each subscriber gets of it. It
// is what an operator looks at when someone says "X's picture is frozen"
// (the admin API serves it), and what a failing test prints.
type Snapshot struct {
	Room          string          `json:"room"`
	ActiveSpeaker string          `json:"activeSpeaker,omitempty"`
	Tracks        []TrackSnapshot `json:"tracks"`
	Peers         []PeerSnapshot  `json:"peers"`
}

// TrackSnapshot is one published track.
type TrackSnapshot struct {
	ID     string          `json:"id"`
	PeerID string          `json:"peerId"`
	Kind   string          `json:"kind"`
	Source string          `json:"source,omitempty"`
	Muted  bool            `json:"muted,omitempty"`
	Layers []LayerSnapshot `json:"layers"`
	// ActiveRIDs: the layers the publisher was last told to send (dynacast).
	ActiveRIDs string `json:"activeRids,omitempty"`
}

// LayerSnapshot is one incoming stream of a track. Ages are milliseconds
// before the snapshot, -1 for never.
type LayerSnapshot struct {
	RID              string `json:"rid,omitempty"`
	Packets          uint64 `json:"packets"`
	Bitrate          uint64 `json:"bitrate"`
	Width            uint32 `json:"width,omitempty"`
	Height           uint32 `json:"height,omitempty"`
	PacketAgeMs      int64  `json:"packetAgeMs"`
	KeyframeAgeMs    int64  `json:"keyframeAgeMs"`
	KeyframeRequests uint64 `json:"keyframeRequests"`
	Direct           bool   `json:"direct"` // decrypted by the direct receive path
}

// PeerSnapshot is one participant's connection as a subscriber.
type PeerSnapshot struct {
	ID            string        `json:"id"`
	Slots         bool          `json:"slots,omitempty"`
	OnePC         bool          `json:"onePc,omitempty"`
	Connected     bool          `json:"connected"`
	AvailableBps  uint64        `json:"availableBps,omitempty"` // 0: not estimated yet
	Quality       string        `json:"quality"`                // connection quality: good, fair, poor (connquality.go)
	UpLossPct     float64       `json:"upLossPct"`              // the loss it was graded on: its uplink's,
	DownLossPct   float64       `json:"downLossPct"`            // and its downlink's own (worst of the last 5 s)
	Subscriptions []SubSnapshot `json:"subscriptions"`
}

// SubSnapshot is one track as one subscriber gets it. Layers are indexes
// into the track's Layers, -1 for none (paused).
type SubSnapshot struct {
	TrackID   string `json:"trackId"`
	Slot      string `json:"slot,omitempty"`
	Current   int    `json:"current"`
	Target    int    `json:"target"`
	Allocated int    `json:"allocated"`
	TileW     uint32 `json:"tileW,omitempty"`
	TileH     uint32 `json:"tileH,omitempty"`
	Hidden    bool   `json:"hidden,omitempty"` // the client said the tile is out of view
	Started   bool   `json:"started"`
	Packets   uint32 `json:"packets"`
	SentAgeMs int64  `json:"sentAgeMs"`
}

// Snapshot returns the meeting's media state now.
func (r *Router) Snapshot() Snapshot {
	now := time.Now()
	r.mu.Lock()
	recvs := slices.Collect(maps.Values(r.receivers))
	peers := r.peersLocked()
	r.mu.Unlock()
	s := Snapshot{Room: r.name, ActiveSpeaker: r.ActiveSpeaker()}
	for _, recv := range recvs {
		s.Tracks = append(s.Tracks, recv.snapshot(now))
	}
	for _, p := range peers {
		s.Peers = append(s.Peers, p.snapshot(now))
	}
	slices.SortFunc(s.Tracks, func(a, b TrackSnapshot) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.Peers, func(a, b PeerSnapshot) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

// Snapshot returns the media state of every meeting on this engine.
func (e *Engine) Snapshot() []Snapshot {
	e.mu.Lock()
	routers := slices.Collect(maps.Keys(e.routers))
	e.mu.Unlock()
	out := make([]Snapshot, 0, len(routers))
	for _, r := range routers {
		out = append(out, r.Snapshot())
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return cmp.Compare(a.Room, b.Room) })
	return out
}

func ageMs(now time.Time, at int64) int64 {
	if at == 0 {
		return -1
	}
	return now.Sub(time.Unix(0, at)).Milliseconds()
}

func (r *receiver) snapshot(now time.Time) TrackSnapshot {
	t := TrackSnapshot{ID: r.info.ID, PeerID: r.info.PeerID, Kind: r.info.Kind, Muted: r.muted.Load()}
	if src := r.source.Load(); src != nil {
		t.Source = *src
	}
	r.mu.Lock()
	t.ActiveRIDs = r.activeRIDs
	r.mu.Unlock()
	for i := range r.layers {
		l := r.layers[i].Load()
		if l == nil {
			continue
		}
		ls := LayerSnapshot{
			RID: l.rid, Packets: l.packets.Load(), Bitrate: l.bitrate.Load(),
			Width: l.width.Load(), Height: l.height.Load(),
			PacketAgeMs: ageMs(now, l.lastAt.Load()), KeyframeAgeMs: ageMs(now, l.keyAt.Load()),
			Direct: l.taken.Load(),
		}
		if l.keyframes != nil {
			ls.KeyframeRequests = l.keyframes.sent.Load()
		}
		t.Layers = append(t.Layers, ls)
	}
	return t
}

func (p *Peer) snapshot(now time.Time) PeerSnapshot {
	ps := PeerSnapshot{ID: p.id, Slots: p.slotMode, OnePC: p.onePC, Connected: p.subUp.Load(), AvailableBps: p.bwe.available(now),
		Quality: p.ConnectionQuality().String()}
	ps.UpLossPct, ps.DownLossPct = p.measuredLoss()
	p.mu.Lock()
	dts := p.downTrackList()
	p.mu.Unlock()
	for _, d := range dts {
		ps.Subscriptions = append(ps.Subscriptions, d.snapshot(now))
	}
	slices.SortFunc(ps.Subscriptions, func(a, b SubSnapshot) int { return cmp.Compare(a.TrackID, b.TrackID) })
	return ps
}

func (d *downTrack) snapshot(now time.Time) SubSnapshot {
	s := SubSnapshot{
		TrackID: d.id, Allocated: int(d.want.Load()),
		TileW: d.prefW.Load(), TileH: d.prefH.Load(), Hidden: d.prefPaused.Load(),
	}
	if d.slot != nil {
		s.Slot = d.slot.id
	}
	d.mu.Lock()
	s.Current, s.Target, s.Started = d.cur, d.tgt, d.started
	s.Packets, s.SentAgeMs = d.sr.packets, ageMs(now, d.sr.at)
	d.mu.Unlock()
	return s
}
