package usagesql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/usage"
)

const meetingCols = `id, org_id, org_slug, room, started_at, ended_at, heartbeat_at, peak, instance, recovered`

const sessionCols = `id, meeting_id, participant_id, org_id, org_slug, room, account_id, device,
	joined_at, left_at, heartbeat_at, instance, recovered, media_sent, media_received`

// OpenUsage implements usage.Store.
func (s *Store) OpenUsage(ctx context.Context, exceptInstance string, staleBefore time.Time) ([]usage.Meeting, []usage.Session, error) {
	stale := staleBefore.Unix()
	ms, err := s.meetings(ctx, `ended_at IS NULL AND instance <> ? AND heartbeat_at < ?`, exceptInstance, stale)
	if err != nil {
		return nil, nil, err
	}
	ss, err := s.sessions(ctx, `left_at IS NULL AND instance <> ? AND heartbeat_at < ?`, exceptInstance, stale)
	if err != nil {
		return nil, nil, err
	}
	return ms, ss, nil
}

// UsageRecords implements usage.Store. An open record counts up to its
// heartbeat, which is kept equal to the end once closed.
func (s *Store) UsageRecords(ctx context.Context, q usage.Query) ([]usage.Meeting, []usage.Session, error) {
	from, to := q.From.Unix(), q.To.Unix()
	mw, sw := `started_at < ? AND heartbeat_at >= ?`, `joined_at < ? AND heartbeat_at >= ?`
	margs := []any{to, from}
	if q.OrgID != 0 {
		mw += ` AND org_id = ?`
		sw += ` AND org_id = ?`
		margs = append(margs, q.OrgID)
	}
	ms, err := s.meetings(ctx, mw, margs...)
	if err != nil {
		return nil, nil, err
	}
	ss, err := s.sessions(ctx, sw, margs...)
	if err != nil {
		return nil, nil, err
	}
	return ms, ss, nil
}

func (s *Store) meetings(ctx context.Context, where string, args ...any) ([]usage.Meeting, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+meetingCols+` FROM usage_meetings WHERE `+where+
		` ORDER BY started_at, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("usage meetings: %w", err)
	}
	defer rows.Close()
	out := []usage.Meeting{}
	for rows.Next() {
		var m usage.Meeting
		var start, end, hb sql.NullInt64
		var rec int
		if err := rows.Scan(&m.ID, &m.OrgID, &m.OrgSlug, &m.Room, &start, &end, &hb, &m.Peak, &m.Instance, &rec); err != nil {
			return nil, fmt.Errorf("usage meetings: %w", err)
		}
		m.Start, m.End, m.Heartbeat, m.Recovered = fromUnix(start), fromUnix(end), fromUnix(hb), rec != 0
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage meetings: %w", err)
	}
	return out, nil
}

func (s *Store) sessions(ctx context.Context, where string, args ...any) ([]usage.Session, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+sessionCols+` FROM usage_sessions WHERE `+where+
		` ORDER BY joined_at, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("usage sessions: %w", err)
	}
	defer rows.Close()
	out := []usage.Session{}
	for rows.Next() {
		var x usage.Session
		var join, leave, hb sql.NullInt64
		var rec int
		if err := rows.Scan(&x.ID, &x.MeetingID, &x.ParticipantID, &x.OrgID, &x.OrgSlug, &x.Room, &x.AccountID,
			&x.Device, &join, &leave, &hb, &x.Instance, &rec, &x.MediaSent, &x.MediaReceived); err != nil {
			return nil, fmt.Errorf("usage sessions: %w", err)
		}
		x.Join, x.Leave, x.Heartbeat, x.Recovered = fromUnix(join), fromUnix(leave), fromUnix(hb), rec != 0
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage sessions: %w", err)
	}
	return out, nil
}
