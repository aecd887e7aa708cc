package sfu

import (
	"strings"
	"time"
)

const (
	// tickInterval paces audio ranking and the dominant speaker; layer
	// allocation and dynacast run every allocEvery ticks.
	tickInterval = 250 * time.Millisecond
	allocEvery   = 2
	// layerLinger: a layer nobody needs keeps being sent this long before
	// the publisher is told to pause it, so a tile that shrinks and grows
	// again does not cost a keyframe round trip.
	layerLinger = 3 * time.Second
)

// SpeakerHandler is an optional extension of RouterHandler: a handler that
// implements it hears dominant-speaker changes (smoothed, sticky), through
// the same ordered event queue.
type SpeakerHandler interface {
	ActiveSpeaker(peerID string)
}

// LayerHandler is an optional extension of PeerHandler: a handler that
// implements it is told which simulcast layers of one of its published
// tracks anybody needs ("dynacast"); the client should set
// encodings[i].active accordingly (RTCRtpSender.setParameters). Browsers
// cannot be told to pause a layer over RTCP. clientTrackID is the track id
// in the client's own offer (TrackInfo.ClientTrackID); rids lists the
// layers to keep sending, lowest first.
type LayerHandler interface {
	PublishLayers(clientTrackID string, rids []string)
}

// stdRIDs are the rids confer's clients publish, lowest layer first.
var stdRIDs = [maxLayers]string{"q", "h", "f"}

// kick asks the tick goroutine to run an allocation now.
func (r *Router) kick() {
	select {
	case r.kickCh <- struct{}{}:
	default:
	}
}

// loop runs the router's periodic work until it closes.
func (r *Router) loop() {
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	n := 0
	last := time.Now()
	for {
		select {
		case <-r.stop:
			return
		case <-r.kickCh:
			r.assignSlots()
			r.allocateAll(time.Now(), 0)
		case now := <-t.C:
			r.updateAudio(now)
			r.assignSlots()
			n++
			if n%allocEvery == 0 {
				r.allocateAll(now, now.Sub(last))
				last = now
			}
			if n%reportEvery == 0 {
				r.sendReports(now)
			}
			if n%qualityEvery == 0 {
				r.updateQuality(now)
			}
		}
	}
}

// sendReports sends every subscriber its sender reports.
func (r *Router) sendReports(now time.Time) {
	for _, p := range r.peerList() {
		p.sendReports(now)
	}
}

// peerList is a snapshot of the router's peers.
func (r *Router) peerList() []*Peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peersLocked()
}

// peersLocked is peerList for a caller that holds r.mu.
func (r *Router) peersLocked() []*Peer {
	return r.appendPeersLocked(make([]*Peer, 0, len(r.peers)))
}

// appendPeersLocked appends the router's peers to out.
func (r *Router) appendPeersLocked(out []*Peer) []*Peer {
	for _, p := range r.peers {
		out = append(out, p)
	}
	return out
}

// allocateAll measures layer bitrates (when dt > 0), allocates every
// subscriber, then tells publishers which layers are needed.
func (r *Router) allocateAll(now time.Time, dt time.Duration) {
	r.mu.Lock()
	recvs := make([]*receiver, 0, len(r.receivers))
	for _, recv := range r.receivers {
		recvs = append(recvs, recv)
	}
	r.mu.Unlock()
	peers := r.peerList()
	if dt > 0 {
		for _, recv := range recvs {
			recv.measureLayers(dt)
		}
	}
	speaker := r.ActiveSpeaker()
	for _, p := range peers {
		if !p.publishOnly {
			p.allocate(now, speaker)
		}
	}
	for _, recv := range recvs {
		if recv.simulcast.Load() {
			recv.dynacast(now)
		}
	}
}

// dynacast works out which layers of a simulcast track any subscriber
// wants or still receives, and tells the publisher when that set changes.
// The lowest layer always stays on: it is cheap and the fallback when a
// subscriber's bandwidth drops.
func (r *receiver) dynacast(now time.Time) {
	need := [maxLayers]bool{true}
	for _, d := range *r.downTracks.Load() {
		if w := int(d.want.Load()); w >= 0 {
			need[w] = true
		}
		if c := d.current(); c >= 0 {
			need[c] = true
		}
		if t := d.target(); t >= 0 {
			need[t] = true
		}
	}
	var rids []string
	for i := range r.layers {
		l := r.layers[i].Load()
		if need[i] {
			r.unneeded[i] = time.Time{}
		} else if r.unneeded[i].IsZero() {
			r.unneeded[i] = now
		}
		if need[i] || now.Sub(r.unneeded[i]) < layerLinger || now.Sub(r.created) < layerLinger {
			if l != nil && l.rid != "" {
				rids = append(rids, l.rid)
			} else {
				rids = append(rids, stdRIDs[i])
			}
		}
	}
	key := strings.Join(rids, ",")
	r.mu.Lock()
	changed := key != r.activeRIDs
	r.activeRIDs = key
	r.mu.Unlock()
	if !changed || r.publisher == nil {
		return
	}
	h, ok := r.publisher.h.(LayerHandler)
	if !ok {
		return
	}
	r.log.Debug("dynacast", "track", r.info.ID, "active", key)
	id := r.info.ClientTrackID
	r.publisher.events.post(func() { h.PublishLayers(id, rids) })
}
