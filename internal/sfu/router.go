package sfu

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"
)

// ErrClosed is returned when using a closed Router or Peer.
var ErrClosed = errors.New("sfu: closed")

// Router is one meeting's media: every peer receives every other peer's
// tracks.
type Router struct {
	e    *Engine
	name string
	h    RouterHandler
	log  *slog.Logger

	mu        sync.Mutex
	peers     map[string]*Peer
	receivers map[string]*receiver
	order     uint64 // insertion counter, for a stable Tracks() order
	tracksGen uint64 // counts additions and removals of receivers (slots.go)
	// qualityStale: the engine's stale-drop count at the last grading
	// (connquality.go; router loop only).
	qualityStale uint64
	rank         map[string]uint64
	closed       bool

	slotScratch slotScratch // assignSlots' (slots.go), on the tick goroutine

	events notifier // RouterHandler calls, in order

	// Periodic work (tick.go): audio ranking, allocation, dynacast.
	kickCh        chan struct{}
	stop          chan struct{}
	speaker       speakerState // tick goroutine only
	activeSpeaker atomic.Pointer[string]
}

type nopRouterHandler struct{}

func (nopRouterHandler) TrackAdded(TrackInfo)   {}
func (nopRouterHandler) TrackRemoved(TrackInfo) {}

// NewRouter creates the router of one meeting. h may be nil.
func (e *Engine) NewRouter(name string, h RouterHandler) *Router {
	if h == nil {
		h = nopRouterHandler{}
	}
	r := &Router{
		e:         e,
		name:      name,
		h:         h,
		log:       e.log.With("router", name),
		peers:     map[string]*Peer{},
		receivers: map[string]*receiver{},
		rank:      map[string]uint64{},
		kickCh:    make(chan struct{}, 1),
		stop:      make(chan struct{}),
	}
	e.mu.Lock()
	if e.closed {
		r.closed = true
		close(r.stop)
	} else {
		e.routers[r] = struct{}{}
		go r.loop()
	}
	e.mu.Unlock()
	return r
}

// AddPeer creates a participant's two PeerConnections and subscribes it
// to every track already published in the router.
func (r *Router) AddPeer(id string, h PeerHandler) (*Peer, error) {
	if h == nil {
		return nil, errors.New("sfu: nil PeerHandler")
	}
	return r.addPeer(id, h, false, PeerOptions{})
}

// AddPeerWith is AddPeer with options (receive slots).
func (r *Router) AddPeerWith(id string, h PeerHandler, o PeerOptions) (*Peer, error) {
	if h == nil {
		return nil, errors.New("sfu: nil PeerHandler")
	}
	return r.addPeer(id, h, false, o)
}

// AddPublisher creates a peer that only publishes: it has a publish
// PeerConnection and no subscribe one, and receives nothing. It is meant
// for WHIP ingest (OBS, ffmpeg): Peer.HandleOffer takes the client's
// complete offer and returns a complete answer (candidates included), so
// no trickling is needed.
func (r *Router) AddPublisher(id string, h PeerHandler) (*Peer, error) {
	return r.addPeer(id, h, true, PeerOptions{})
}

func (r *Router) addPeer(id string, h PeerHandler, publishOnly bool, o PeerOptions) (*Peer, error) {
	if h == nil {
		return nil, errors.New("sfu: nil PeerHandler")
	}
	p, err := newPeer(r, id, h, publishOnly, o)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		p.closePCs()
		return nil, ErrClosed
	}
	if _, dup := r.peers[id]; dup {
		r.mu.Unlock()
		p.closePCs()
		return nil, fmt.Errorf("sfu: peer %q already in router %q", id, r.name)
	}
	r.peers[id] = p
	existing := r.sortedReceiversLocked()
	r.mu.Unlock()

	for _, recv := range existing {
		p.subscribe(recv)
	}
	r.log.Debug("peer added", "peer", id, "tracks", len(existing))
	return p, nil
}

// Tracks returns the tracks currently published, oldest first.
func (r *Router) Tracks() []TrackInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	recvs := r.sortedReceiversLocked()
	out := make([]TrackInfo, len(recvs))
	for i, recv := range recvs {
		out[i] = recv.info
	}
	return out
}

func (r *Router) sortedReceiversLocked() []*receiver {
	return r.appendSortedReceiversLocked(make([]*receiver, 0, len(r.receivers)))
}

// appendSortedReceiversLocked appends the receivers to out in join order.
func (r *Router) appendSortedReceiversLocked(out []*receiver) []*receiver {
	n := len(out)
	for _, recv := range r.receivers {
		out = append(out, recv)
	}
	slices.SortFunc(out[n:], func(a, b *receiver) int { return cmp.Compare(r.rank[a.info.ID], r.rank[b.info.ID]) })
	return out
}

// Close closes every peer.
func (r *Router) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.stop)
	peers := r.peersLocked()
	r.mu.Unlock()
	for _, p := range peers {
		p.Close()
	}
	r.e.forgetRouter(r)
}

// addTrack registers a stream the publisher has started sending. Simulcast
// layers of one track arrive as separate streams of the same RTPReceiver:
// the first creates the receiver and subscribes every other peer, the
// others join it as layers.
func (r *Router) addTrack(pub *Peer, track *webrtc.TrackRemote, rr *webrtc.RTPReceiver) {
	// The layers' OnTrack calls may run concurrently.
	pub.addMu.Lock()
	defer pub.addMu.Unlock()
	if track.RID() != "" {
		if recv := pub.receiverFor(rr); recv != nil {
			if l := recv.addLayer(track.RID(), track); l != nil {
				r.log.Debug("simulcast layer added", "track", recv.info.ID, "rid", track.RID(), "ssrc", track.SSRC())
				r.runLayer(pub, recv, l)
			}
			return
		}
	}
	info := TrackInfo{
		ID:            pub.nextTrackID(track.Kind().String()),
		PeerID:        pub.id,
		Kind:          track.Kind().String(),
		ClientTrackID: track.ID(),
	}
	recv := newReceiver(info, track.Codec(), pub, rr, r.log.With("track", info.ID),
		sendPLIFunc(pub.pub, r.log))
	recv.router = r
	l := recv.addLayer(track.RID(), track)

	r.mu.Lock()
	if r.closed || l == nil || !pub.addPublished(recv) {
		r.mu.Unlock()
		return
	}
	r.order++
	r.rank[info.ID] = r.order
	r.receivers[info.ID] = recv
	r.tracksGen++
	r.e.stats.published.Add(1) // undone in removeTrack, under the same lock
	// Posted under r.mu so that it is queued before any TrackRemoved.
	r.events.post(func() { r.h.TrackAdded(info) })
	subs := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		if p != pub {
			subs = append(subs, p)
		}
	}
	r.mu.Unlock()

	r.log.Info("track added", "track", info.ID, "peer", pub.id, "kind", info.Kind,
		"codec", recv.codec.MimeType, "ssrc", track.SSRC(), "rid", track.RID())
	for _, p := range subs {
		p.subscribe(recv)
	}
	r.runLayer(pub, recv, l)
}

// runLayer starts reading layer l of pub's track recv, on the direct
// receive path as soon as it can take the stream over (srtpin.go); the
// track ends with its last layer.
func (r *Router) runLayer(pub *Peer, recv *receiver, l *layer) {
	pub.in.addLayer(l)
	go l.run(func() {
		pub.in.removeLayer(l)
		recv.layerEnded(func() { r.removeTrack(recv) })
	})
}

// SetTrackSource tells the SFU what a published track shows ("camera",
// "screen", "media"; the room layer knows it from the client). Screen
// shares get the highest video priority when bandwidth is short.
func (r *Router) SetTrackSource(trackID, source string) error {
	r.mu.Lock()
	recv := r.receivers[trackID]
	r.mu.Unlock()
	if recv == nil {
		return fmt.Errorf("sfu: no track %q in router %q", trackID, r.name)
	}
	recv.source.Store(&source)
	return nil
}

// removeTrack takes a track out of the router and out of every
// subscriber's connection. It is idempotent.
func (r *Router) removeTrack(recv *receiver) {
	detached, first := recv.close()
	if !first {
		return
	}
	r.mu.Lock()
	if r.receivers[recv.info.ID] == recv {
		r.e.stats.published.Add(-1)
	}
	if _, ok := r.receivers[recv.info.ID]; ok {
		r.tracksGen++
	}
	delete(r.receivers, recv.info.ID)
	delete(r.rank, recv.info.ID)
	r.events.post(func() { r.h.TrackRemoved(recv.info) })
	r.mu.Unlock()
	recv.publisher.forgetPublished(recv)

	for _, d := range detached {
		d.subscriber.unsubscribe(d)
	}
	r.log.Info("track removed", "track", recv.info.ID, "peer", recv.info.PeerID)
}

func (r *Router) removePeer(p *Peer) {
	r.mu.Lock()
	if r.peers[p.id] == p {
		delete(r.peers, p.id)
	}
	r.mu.Unlock()
}
