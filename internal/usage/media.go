package usage

import "github.com/confer-dev/confer/internal/room"

// MediaSoFar is a session's media seconds sent and received up to now.
type MediaSoFar = room.MediaSeconds

// MediaSource tells the media seconds so far of a participant of a live
// meeting (room.Manager.MediaSoFar).
type MediaSource func(slug, participantID string) (MediaSoFar, bool)

// SetMediaSource lets the heartbeat stamp open sessions with their media
// seconds so far, so a crash keeps them up to the last heartbeat. It is
// set after construction because the room manager is built on the
// Recorder.
func (r *Recorder) SetMediaSource(f MediaSource) {
	r.mu.Lock()
	r.media = f
	r.mu.Unlock()
}

// mediaSoFar asks the rooms for the media seconds of every open session,
// by session id. It runs without r.mu: the room manager calls the
// Recorder under its own lock, so the Recorder must not call it under
// r.mu.
func (r *Recorder) mediaSoFar() map[string]MediaSoFar {
	type key struct{ slug, pid, sid string }
	r.mu.Lock()
	f := r.media
	var keys []key
	if f != nil {
		for slug, lm := range r.live {
			for pid, s := range lm.sessions {
				keys = append(keys, key{slug, pid, s.ID})
			}
		}
	}
	r.mu.Unlock()
	out := make(map[string]MediaSoFar, len(keys))
	for _, k := range keys {
		if m, ok := f(k.slug, k.pid); ok {
			out[k.sid] = m
		}
	}
	return out
}

// noteMediaLocked keeps the stamped figures on the live sessions too, so
// a meeting closed without a leave event writes them, not zero.
func (r *Recorder) noteMediaLocked(media map[string]MediaSoFar) {
	for _, lm := range r.live {
		for _, s := range lm.sessions {
			if m, ok := media[s.ID]; ok {
				s.MediaSent, s.MediaReceived = max(s.MediaSent, m.Sent), max(s.MediaReceived, m.Received)
			}
		}
	}
}
