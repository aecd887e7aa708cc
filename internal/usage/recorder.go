package usage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/room"
)

// RoomOrg tells which organisation owns a room.
type RoomOrg func(ctx context.Context, slug string) (orgID int64, orgSlug string, err error)

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	Store   Store
	RoomOrg RoomOrg
	Clock   func() time.Time // default time.Now
	// Heartbeat is how often open records are stamped (default 30 s): a
	// crash loses at most this much of each open record.
	Heartbeat time.Duration
	// Instance names this process in the records (default random).
	Instance string
	Logger   *slog.Logger
	// OnMeetingSeconds, if set, hears meeting-seconds as they accrue
	// (metrics); called with the Recorder's lock held, must not block.
	OnMeetingSeconds func(float64)
	// AfterWrite, if set, runs after each stored event (to nudge the
	// webhook dispatcher); must not block.
	AfterWrite func()
}

// Recorder turns room lifecycle events into durable records. It
// implements room.Events. Writes are synchronous, so a participant who got
// their welcome is on record; a failed write is kept and retried in order.
type Recorder struct {
	o   RecorderOptions
	log *slog.Logger

	mu      sync.Mutex
	live    map[string]*liveMeeting // by room slug
	pending []Event                 // not yet stored, oldest first
	media   MediaSource             // media seconds so far (media.go)
}

type liveMeeting struct {
	m        Meeting
	written  bool                // meeting.started is recorded
	sessions map[string]*Session // by participant id
	// activeSince is when the meeting last reached two people (zero below
	// two), for the meeting-seconds metric.
	activeSince time.Time
}

var _ room.Events = (*Recorder)(nil)

// NewRecorder returns a Recorder; call Recover, then run Run.
func NewRecorder(o RecorderOptions) *Recorder {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 30 * time.Second
	}
	if o.Instance == "" {
		o.Instance = newID()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Recorder{o: o, log: o.Logger, live: make(map[string]*liveMeeting)}
}

// Instance names this process in the records.
func (r *Recorder) Instance() string { return r.o.Instance }

// sec truncates to whole seconds in UTC: records and sums stay integers.
func sec(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// MeetingStarted only notes the time: the record is written with the first
// participant, so a meeting nobody managed to join leaves no trace, and no
// I/O happens here (the room manager calls this under its lock).
func (r *Recorder) MeetingStarted(slug string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.live[slug]; old != nil {
		r.log.Warn("usage: meeting started while one is open; closing it", "room", slug)
		r.endLocked(old, at)
	}
	r.live[slug] = &liveMeeting{
		m:        Meeting{ID: newID(), Room: slug, Start: sec(at), Instance: r.o.Instance},
		sessions: make(map[string]*Session),
	}
}

// ParticipantJoined records a session, and the meeting with the first one.
func (r *Recorder) ParticipantJoined(slug string, p room.Info, at time.Time) {
	at = sec(at)
	r.mu.Lock()
	defer r.mu.Unlock()
	lm := r.live[slug]
	if lm == nil {
		r.log.Warn("usage: join without a live meeting ignored", "room", slug, "participant", p.ID)
		return
	}
	if !lm.written {
		r.resolveOrgLocked(lm)
		lm.m.Heartbeat = lm.m.Start
		r.writeLocked(r.meetingEvent(KindMeetingStarted, lm, lm.m.Start))
		lm.written = true
	}
	s := &Session{
		ID: newID(), MeetingID: lm.m.ID, ParticipantID: p.ID, OrgID: lm.m.OrgID, OrgSlug: lm.m.OrgSlug,
		Room: slug, AccountID: p.AccountID, Device: deviceClass(p.Device), Join: at, Heartbeat: at,
		Instance: r.o.Instance,
	}
	lm.sessions[p.ID] = s
	lm.m.Peak = max(lm.m.Peak, len(lm.sessions))
	if len(lm.sessions) == 2 {
		lm.activeSince = at
	}
	r.writeLocked(r.sessionEvent(KindParticipantJoined, lm, *s, at))
}

// ParticipantLeft closes the participant's session.
func (r *Recorder) ParticipantLeft(slug string, p room.Info, at time.Time) {
	at = sec(at)
	r.mu.Lock()
	defer r.mu.Unlock()
	lm := r.live[slug]
	if lm == nil || lm.sessions[p.ID] == nil {
		r.log.Warn("usage: leave of an unknown participant ignored", "room", slug, "participant", p.ID)
		return
	}
	s := lm.sessions[p.ID]
	s.MediaSent, s.MediaReceived = p.Media.Sent, p.Media.Received
	r.leaveLocked(lm, p.ID, at)
}

// MeetingEnded closes the meeting and anyone still in it.
func (r *Recorder) MeetingEnded(slug string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if lm := r.live[slug]; lm != nil {
		r.endLocked(lm, at)
	}
}

func (r *Recorder) leaveLocked(lm *liveMeeting, pid string, at time.Time) {
	s := lm.sessions[pid]
	if len(lm.sessions) == 2 {
		r.accrueLocked(lm, at)
		lm.activeSince = time.Time{}
	}
	delete(lm.sessions, pid)
	s.Leave = latest(at, s.Join)
	r.writeLocked(r.sessionEvent(KindParticipantLeft, lm, *s, s.Leave))
}

func (r *Recorder) endLocked(lm *liveMeeting, at time.Time) {
	at = sec(at)
	delete(r.live, lm.m.Room)
	for pid := range lm.sessions {
		r.leaveLocked(lm, pid, at)
	}
	if lm.written {
		lm.m.End = latest(at, lm.m.Start)
		r.writeLocked(r.meetingEvent(KindMeetingEnded, lm, lm.m.End))
	}
}

func (r *Recorder) resolveOrgLocked(lm *liveMeeting) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	id, slug, err := r.o.RoomOrg(ctx, lm.m.Room)
	if err != nil {
		// Still record the hours: an unknown org is visible in reports
		// and better than a lost meeting.
		r.log.Error("usage: room owner lookup", "room", lm.m.Room, "err", err)
	}
	lm.m.OrgID, lm.m.OrgSlug = id, slug
}

// accrueLocked reports meeting-seconds since activeSince for the metric.
func (r *Recorder) accrueLocked(lm *liveMeeting, at time.Time) {
	if lm.activeSince.IsZero() || r.o.OnMeetingSeconds == nil {
		return
	}
	if d := at.Sub(lm.activeSince); d > 0 {
		r.o.OnMeetingSeconds(d.Seconds())
	}
	lm.activeSince = at
}

// writeLocked stores ev now, or queues it behind earlier failures so the
// store sees events in order.
func (r *Recorder) writeLocked(ev Event) {
	if len(r.pending) == 0 {
		if err := r.store(ev); err == nil {
			return
		} else {
			r.log.Error("usage: record failed; will retry", "event", ev.Kind, "room", ev.Meeting.Room, "err", err)
		}
	}
	r.pending = append(r.pending, ev)
}

func (r *Recorder) store(ev Event) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.o.Store.RecordUsage(ctx, ev); err != nil {
		return fmt.Errorf("record %s: %w", ev.Kind, err)
	}
	if r.o.AfterWrite != nil {
		r.o.AfterWrite()
	}
	return nil
}

// flushLocked retries queued events in order; it stops at the first
// failure.
func (r *Recorder) flushLocked() error {
	for len(r.pending) > 0 {
		if err := r.store(r.pending[0]); err != nil {
			return err
		}
		r.pending = r.pending[1:]
	}
	return nil
}

// Pending counts events not yet stored.
func (r *Recorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func deviceClass(d string) string {
	switch d {
	case DevicePhone, DeviceTablet:
		return d
	}
	return DeviceDesktop
}
