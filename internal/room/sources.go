package room

import (
	"errors"
	"sort"

	"github.com/confer-dev/confer/internal/sfu"
)

// trackEntry is a track the room has announced (or, for a refused share,
// deliberately not announced).
type trackEntry struct {
	t       Track
	seq     int64
	refused bool // a share the room's "who may share" setting does not allow
}

// maxSources bounds what one client may declare.
const maxSources = 16

// SetSources records what the participant's tracks carry, keyed by the
// track ids of its own offer (the msid track part, MediaStreamTrack.id in
// a browser). It is sent before the offer that adds the tracks; tracks
// never declared count as microphone (audio) or camera (video).
func (p *Participant) SetSources(m map[string]string) error {
	if len(m) > maxSources {
		return errors.New("too many tracks")
	}
	for id, src := range m {
		if id == "" || len(id) > 128 || !ValidSource(src) {
			return errors.New("bad track id or source")
		}
	}
	p.mu.Lock()
	if p.sources == nil {
		p.sources = make(map[string]string, len(m))
	}
	for id, src := range m {
		p.sources[id] = src
	}
	p.mu.Unlock()
	return nil
}

func (p *Participant) sourceOf(t sfu.TrackInfo) string {
	if p.publisher {
		return SourceMedia
	}
	p.mu.Lock()
	src := p.sources[t.ClientTrackID]
	p.mu.Unlock()
	if src != "" {
		return src
	}
	if t.Kind == "audio" {
		return SourceMicrophone
	}
	return SourceCamera
}

// trackList returns the announced tracks, oldest first.
func (r *Room) trackList() []Track {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.trackListLocked()
}

func (r *Room) trackListLocked() []Track {
	es := make([]*trackEntry, 0, len(r.tracks))
	for _, e := range r.tracks {
		if !e.refused {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].seq < es[j].seq })
	out := make([]Track, len(es))
	for i, e := range es {
		out[i] = e.t
	}
	return out
}

// enforce blocks (or lets through again) every track of p in a mute group
// on the server, whatever p's client does.
func (p *Participant) enforce(group string, muted bool) {
	r := p.room
	p.mu.Lock()
	if p.forced == nil {
		p.forced = map[string]bool{}
	}
	p.forced[group] = muted
	id := p.info.ID
	p.mu.Unlock()
	r.mu.Lock()
	var ids []string
	for tid, e := range r.tracks {
		if e.t.PeerID == id && groupOf(e.t.Source) == group && !e.refused {
			ids = append(ids, tid)
		}
	}
	r.mu.Unlock()
	for _, tid := range ids {
		if err := r.router.SetTrackMuted(tid, muted); err != nil {
			r.mgr.log.Debug("enforce mute", "room", r.slug, "track", tid, "err", err)
		}
	}
	r.mediaUpdate(p)
}

// routerEvents relays track changes from the SFU to every client, with
// each track's source, and applies the room's rules to new tracks: a share
// from someone who may not share is blocked and never announced; a track
// in a group a moderator muted is blocked at once.
type routerEvents struct{ r *Room }

func (e routerEvents) TrackAdded(ti sfu.TrackInfo) {
	r := e.r
	r.mu.Lock()
	p := r.participants[ti.PeerID]
	shareRule := r.settings.WhoMayShare
	r.mu.Unlock()
	src := SourceMicrophone
	if ti.Kind == "video" {
		src = SourceCamera
	}
	var forced, refused bool
	if p != nil {
		src = p.sourceOf(ti)
		p.mu.Lock()
		forced = p.forced[groupOf(src)]
		role := p.info.Role
		p.mu.Unlock()
		refused = groupOf(src) == GroupScreen && shareRule == ShareModerators && !isModerator(role) && !p.publisher
	}
	t := Track{TrackInfo: ti, Source: src}
	if src == SourceScreen {
		// Shares come first when a subscriber's bandwidth is short.
		if err := r.router.SetTrackSource(ti.ID, "screen"); err != nil {
			r.mgr.log.Debug("track source", "track", ti.ID, "err", err)
		}
	}
	if refused || forced {
		if err := r.router.SetTrackMuted(ti.ID, true); err != nil {
			r.mgr.log.Debug("block track", "track", ti.ID, "err", err)
		}
	}
	r.mu.Lock()
	r.trackSeq++
	r.tracks[ti.ID] = &trackEntry{t: t, seq: r.trackSeq, refused: refused}
	ls := r.listenersLocked(ti.PeerID)
	r.mu.Unlock()
	r.mediaUpdateID(ti.PeerID) // a share counts as sending
	if refused {
		r.mgr.log.Info("share refused: only moderators may share", "room", r.slug, "participant", ti.PeerID, "track", ti.ID)
		if l := p.currentListener(); l != nil {
			l.Event(ModeratedEvent{Action: "share_refused", Group: GroupScreen})
		}
		return
	}
	for _, l := range ls {
		l.TrackPublished(t)
	}
}

func (e routerEvents) TrackRemoved(ti sfu.TrackInfo) {
	r := e.r
	r.mu.Lock()
	en := r.tracks[ti.ID]
	delete(r.tracks, ti.ID)
	ls := r.listenersLocked(ti.PeerID)
	r.mu.Unlock()
	r.mediaUpdateID(ti.PeerID)
	if en == nil || en.refused {
		return
	}
	for _, l := range ls {
		l.TrackRemoved(en.t)
	}
}
