package room

import "github.com/confer-dev/confer/internal/sfu"

// QualityListener is an optional extension of Listener for the media
// quality messages: a listener that implements it is told the dominant
// speaker and, for its own simulcast tracks, which layers to keep sending.
type QualityListener interface {
	ActiveSpeaker(participantID string)
	PublishLayers(clientTrackID string, rids []string)
}

// SlotListener is an optional extension of Listener for clients that
// joined with receive slots: it is told what each slot carries.
// It also hears, with one connection, how many slots to add.
type SlotListener interface {
	Slots([]sfu.SlotInfo)
	SlotsWanted(audio, video int)
}

// Slots relays the participant's slot map (sfu.SlotHandler).
func (e peerEvents) Slots(m []sfu.SlotInfo) {
	if sl, ok := e.p.currentListener().(SlotListener); ok {
		sl.Slots(m)
	}
}

// SlotsWanted relays how many slots the SFU asks the client to add
// (sfu.SlotsWantedHandler).
func (e peerEvents) SlotsWanted(audio, video int) {
	if sl, ok := e.p.currentListener().(SlotListener); ok {
		sl.SlotsWanted(audio, video)
	}
}

// SetVideoPrefs passes the participant's tile sizes to its subscribe
// connection: the SFU picks each track's simulcast layer from them.
func (p *Participant) SetVideoPrefs(prefs []sfu.VideoPref) error {
	peer, err := p.currentPeer()
	if err != nil {
		return err
	}
	peer.SetVideoPrefs(prefs)
	return nil
}

// ActiveSpeaker tells everyone in the meeting who speaks now
// (sfu.SpeakerHandler).
func (e routerEvents) ActiveSpeaker(peerID string) {
	e.r.broadcast("", func(l Listener) {
		if q, ok := l.(QualityListener); ok {
			q.ActiveSpeaker(peerID)
		}
	})
}

// PublishLayers tells the participant which layers of its own track the
// others need (sfu.LayerHandler, "dynacast").
func (e peerEvents) PublishLayers(clientTrackID string, rids []string) {
	if q, ok := e.p.currentListener().(QualityListener); ok {
		q.PublishLayers(clientTrackID, rids)
	}
}

// ConnectionQuality tells everyone, the participant too, how well its
// connection carries the meeting (sfu.ConnQualityHandler).
func (e routerEvents) ConnectionQuality(peerID string, _ sfu.Quality) {
	r := e.r
	r.mu.Lock()
	p := r.participants[peerID]
	r.mu.Unlock()
	if p != nil {
		r.updateQuality(p)
	}
}

// updateQuality sets p's quality from its current connection (an event
// of a connection it has since replaced says nothing) and tells everyone
// when it changed.
func (r *Room) updateQuality(p *Participant) {
	p.mu.Lock()
	q := ""
	if p.peer != nil {
		if got := p.peer.ConnectionQuality(); got != sfu.QualityGood {
			q = got.String()
		}
	}
	changed := p.info.Quality != q
	p.info.Quality = q
	info := p.info
	p.mu.Unlock()
	if changed {
		r.broadcast("", func(l Listener) { l.ParticipantUpdated(info) })
	}
}
