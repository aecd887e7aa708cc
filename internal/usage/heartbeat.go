package usage

import (
	"context"
	"fmt"
	"time"
)

// Run stamps open records every heartbeat and retries failed writes until
// ctx ends.
func (r *Recorder) Run(ctx context.Context) {
	t := time.NewTicker(r.o.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Beat(ctx); err != nil {
				r.log.Error("usage: heartbeat", "err", err)
			}
			// Another node, or this one before a restart, may have
			// stopped since the last look.
			if _, _, err := r.Recover(ctx); err != nil {
				r.log.Error("usage: recovery", "err", err)
			}
		}
	}
}

// Beat stamps every open record of this process with the current time.
// Queued writes go first, so a heartbeat never stamps a record that is
// closed in a write still waiting.
func (r *Recorder) Beat(ctx context.Context) error {
	media := r.mediaSoFar()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.flushLocked(); err != nil {
		return err
	}
	now := sec(r.o.Clock())
	for _, lm := range r.live {
		if len(lm.sessions) >= 2 {
			r.accrueLocked(lm, now)
		}
	}
	r.noteMediaLocked(media)
	if err := r.o.Store.HeartbeatUsage(ctx, r.o.Instance, now, media); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// Recover closes the records a dead process left open at their last
// heartbeat, marked Recovered, and queues the matching ended/left events
// for webhooks. A record counts as left by a dead process when its
// heartbeat is more than two heartbeats old, so a live node sharing the
// database keeps its meetings. It runs at start-up and after every
// heartbeat; repeating it is safe.
func (r *Recorder) Recover(ctx context.Context) (meetings, sessions int, err error) {
	staleBefore := r.o.Clock().Add(-2 * r.o.Heartbeat)
	ms, ss, err := r.o.Store.OpenUsage(ctx, r.o.Instance, staleBefore)
	if err != nil {
		return 0, 0, fmt.Errorf("usage recovery: %w", err)
	}
	byID := make(map[string]*liveMeeting, len(ms))
	for _, m := range ms {
		byID[m.ID] = &liveMeeting{m: m, written: true}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range ss {
		s.Leave, s.Recovered = latest(s.Heartbeat, s.Join), true
		lm := byID[s.MeetingID]
		if lm == nil {
			// The meeting was closed but the session not: close it alone.
			lm = &liveMeeting{m: Meeting{ID: s.MeetingID, OrgID: s.OrgID, OrgSlug: s.OrgSlug, Room: s.Room}}
		} else {
			lm.m.Heartbeat = latest(lm.m.Heartbeat, s.Leave)
		}
		r.writeLocked(r.sessionEvent(KindParticipantLeft, lm, s, s.Leave))
		sessions++
	}
	for _, m := range ms {
		lm := byID[m.ID]
		lm.m.End, lm.m.Recovered = latest(lm.m.Heartbeat, lm.m.Start), true
		r.writeLocked(r.meetingEvent(KindMeetingEnded, lm, lm.m.End))
		meetings++
	}
	if len(r.pending) > 0 {
		return meetings, sessions, fmt.Errorf("usage recovery: %d record(s) not closed yet, will retry", len(r.pending))
	}
	if meetings+sessions > 0 {
		r.log.Warn("usage: closed records left open by a stopped process at their last heartbeat",
			"meetings", meetings, "sessions", sessions)
	}
	return meetings, sessions, nil
}
