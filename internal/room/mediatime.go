package room

import (
	"sync"
	"time"
)

// MediaSeconds is how long one participant sent and received media during
// its session (docs/usage.md, "Media seconds"). Sent counts while its
// microphone or camera is on by its own mute state and no moderator's
// hard mute holds, or while it shares a screen or media the room lets
// through; Received counts while at least one other participant sends.
// Neither counts while its connection is dropped (grace period).
type MediaSeconds struct {
	Sent     int64
	Received int64
}

// mediaClock accumulates media time for the participants of one room on
// the manager's Clock. Its lock is taken first and held while reading a
// participant's state (p.mu, then r.mu, never both), so two concurrent
// updates of one participant cannot store a stale state; nothing calls
// out while holding it.
type mediaClock struct {
	mu    sync.Mutex
	last  time.Time
	state map[string]mediaState
	sent  map[string]time.Duration
	recv  map[string]time.Duration
}

type mediaState struct{ connected, sending bool }

// settleLocked credits the time since the last change to everyone under
// the states that held during it. A clock set backwards credits nothing.
func (c *mediaClock) settleLocked(now time.Time) {
	if c.state == nil {
		c.state, c.sent, c.recv = map[string]mediaState{}, map[string]time.Duration{}, map[string]time.Duration{}
	}
	if d := now.Sub(c.last); !c.last.IsZero() && d > 0 {
		senders := 0
		for _, s := range c.state {
			if s.sending {
				senders++
			}
		}
		for id, s := range c.state {
			others := senders
			if s.sending {
				c.sent[id] += d
				others--
			}
			if s.connected && others > 0 {
				c.recv[id] += d
			}
		}
	}
	if now.After(c.last) {
		c.last = now
	}
}

// mediaState reads whether p is connected and sending now. Callers hold
// no room or participant lock.
func (p *Participant) mediaState() mediaState {
	p.mu.Lock()
	connected := !p.gone && !p.left
	av := (!p.info.AudioMuted && !p.hard[GroupAudio]) || (!p.info.VideoMuted && !p.hard[GroupVideo])
	screenOff := p.forced[GroupScreen] || p.hard[GroupScreen]
	id := p.info.ID
	p.mu.Unlock()
	if !connected {
		return mediaState{}
	}
	if av || screenOff {
		return mediaState{connected: true, sending: av}
	}
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.tracks {
		if e.t.PeerID == id && !e.refused && groupOf(e.t.Source) == GroupScreen {
			return mediaState{connected: true, sending: true}
		}
	}
	return mediaState{connected: true}
}

// mediaUpdate records p's current state from now on; call it after any
// change to p's mute, hard mute, share or connection (no locks held).
// A participant not tracked (not yet joined, or gone) is ignored.
func (r *Room) mediaUpdate(p *Participant) {
	c := &r.media
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.state[p.info.ID]; !ok && !p.joinedMedia() {
		return
	}
	c.settleLocked(r.mgr.opts.Clock())
	c.state[p.info.ID] = p.mediaState()
}

// joinedMedia reports whether p's media time is counted (between its
// join and its leave).
func (p *Participant) joinedMedia() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mediaOn && !p.left
}

// mediaUpdateID is mediaUpdate for a participant known by id.
func (r *Room) mediaUpdateID(id string) {
	r.mu.Lock()
	p := r.participants[id]
	r.mu.Unlock()
	if p != nil {
		r.mediaUpdate(p)
	}
}

// mediaJoin starts counting p's media time.
func (r *Room) mediaJoin(p *Participant) {
	p.mu.Lock()
	p.mediaOn = true
	p.mu.Unlock()
	r.mediaUpdate(p)
}

// mediaLeave stops counting p's media time at now and returns its totals
// in whole seconds (truncated, so never more than the session lasted).
func (r *Room) mediaLeave(id string, now time.Time) MediaSeconds {
	c := &r.media
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settleLocked(now)
	out := MediaSeconds{Sent: int64(c.sent[id] / time.Second), Received: int64(c.recv[id] / time.Second)}
	delete(c.state, id)
	delete(c.sent, id)
	delete(c.recv, id)
	return out
}

// emitLeft tells Events that p left, with its media totals, and stops
// counting them.
func (r *Room) emitLeft(p *Participant) {
	at := r.mgr.opts.Clock()
	info := p.snapshot()
	info.Media = r.mediaLeave(info.ID, at)
	if ev := r.mgr.opts.Events; ev != nil {
		ev.ParticipantLeft(r.slug, info, at)
	}
}

// MediaSoFar returns the media time of participant id of the live
// meeting of slug up to now (the usage heartbeat stamps it, so a crash
// keeps it up to the last heartbeat).
func (m *Manager) MediaSoFar(slug, id string) (MediaSeconds, bool) {
	r := m.Room(slug)
	if r == nil {
		return MediaSeconds{}, false
	}
	c := &r.media
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.state[id]; !ok {
		return MediaSeconds{}, false
	}
	c.settleLocked(m.opts.Clock())
	return MediaSeconds{Sent: int64(c.sent[id] / time.Second), Received: int64(c.recv[id] / time.Second)}, true
}
