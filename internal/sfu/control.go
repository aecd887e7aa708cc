package sfu

import "fmt"

// SetTrackMuted enforces a mute on the server: while muted, no packet of
// the published track trackID reaches any subscriber, whatever the
// publisher's client does ("hard mute", turning off someone's camera or
// share). Unmuting a video track asks the publisher for a keyframe so the
// picture comes back at once.
func (r *Router) SetTrackMuted(trackID string, muted bool) error {
	r.mu.Lock()
	recv := r.receivers[trackID]
	r.mu.Unlock()
	if recv == nil {
		return fmt.Errorf("sfu: no track %q in router %q", trackID, r.name)
	}
	if recv.muted.Swap(muted) == muted {
		return nil
	}
	r.log.Info("track mute enforced", "track", trackID, "muted", muted)
	if !muted {
		// The publisher's numbers moved on meanwhile: every subscriber
		// restarts its rewrite on the next keyframe (any audio packet).
		for _, d := range *recv.downTracks.Load() {
			d.resync()
		}
		if recv.isVideo() {
			recv.requestKeyframe()
		}
	}
	return nil
}

// TrackMuted reports whether trackID is muted by the server.
func (r *Router) TrackMuted(trackID string) bool {
	r.mu.Lock()
	recv := r.receivers[trackID]
	r.mu.Unlock()
	return recv != nil && recv.muted.Load()
}
