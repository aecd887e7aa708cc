// Package usagesql implements usage.Store and webhook.Store in SQL that
// SQLite and PostgreSQL both accept, so the two backends cannot drift. Each
// backend owns its migrations (00050+) and hands this package its handle.
// Times are stored as Unix seconds (records) or milliseconds (webhook
// schedule): integers compare and sum the same everywhere.
package usagesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/usage"
)

// Store is the SQL usage store.
type Store struct {
	db     *sql.DB
	rebind func(string) string
}

var _ usage.Store = (*Store)(nil)

// New returns a Store on db; rebind turns ? placeholders into the
// backend's (nil: keep ?).
func New(db *sql.DB, rebind func(string) string) *Store {
	if rebind == nil {
		rebind = func(q string) string { return q }
	}
	return &Store{db: db, rebind: rebind}
}

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// tx rebinds every query of one transaction.
type tx struct {
	tx     *sql.Tx
	rebind func(string) string
}

func (t tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.rebind(q), args...)
}

func (t tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.rebind(q), args...)
}

func (t tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.rebind(q), args...)
}

func (s *Store) inTx(ctx context.Context, fn func(t execer) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx{sqlTx, s.rebind}); err != nil {
		sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func fromUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}

// RecordUsage implements usage.Store.
func (s *Store) RecordUsage(ctx context.Context, ev usage.Event) error {
	err := s.inTx(ctx, func(t execer) error {
		changed, err := applyRecord(ctx, t, ev)
		if err != nil || !changed {
			return err
		}
		return enqueue(ctx, t, ev)
	})
	if err != nil {
		return fmt.Errorf("usage %s %s: %w", ev.Kind, ev.ID, err)
	}
	return nil
}

// applyRecord changes the record; false when the event was already applied.
func applyRecord(ctx context.Context, t execer, ev usage.Event) (bool, error) {
	m := ev.Meeting
	var res sql.Result
	var err error
	switch ev.Kind {
	case usage.KindMeetingStarted:
		res, err = t.ExecContext(ctx, `INSERT INTO usage_meetings
			(id, org_id, org_slug, room, started_at, heartbeat_at, peak, instance)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			m.ID, m.OrgID, m.OrgSlug, m.Room, m.Start.Unix(), m.Start.Unix(), m.Peak, m.Instance)
	case usage.KindMeetingEnded:
		res, err = t.ExecContext(ctx, `UPDATE usage_meetings SET ended_at = ?, heartbeat_at = ?,
			peak = CASE WHEN peak > ? THEN peak ELSE ? END, recovered = ?
			WHERE id = ? AND ended_at IS NULL`,
			m.End.Unix(), m.End.Unix(), m.Peak, m.Peak, boolInt(m.Recovered), m.ID)
	case usage.KindParticipantJoined:
		ss := ev.Session
		if ss == nil {
			return false, errors.New("participant event without session")
		}
		res, err = t.ExecContext(ctx, `INSERT INTO usage_sessions
			(id, meeting_id, participant_id, org_id, org_slug, room, account_id, device, joined_at, heartbeat_at, instance)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			ss.ID, ss.MeetingID, ss.ParticipantID, ss.OrgID, ss.OrgSlug, ss.Room, ss.AccountID, ss.Device,
			ss.Join.Unix(), ss.Join.Unix(), ss.Instance)
		if err == nil {
			_, err = t.ExecContext(ctx, `UPDATE usage_meetings SET peak = ? WHERE id = ? AND peak < ?`, m.Peak, m.ID, m.Peak)
		}
	case usage.KindParticipantLeft:
		ss := ev.Session
		if ss == nil {
			return false, errors.New("participant event without session")
		}
		res, err = t.ExecContext(ctx, `UPDATE usage_sessions SET left_at = ?, heartbeat_at = ?, recovered = ?,
			media_sent = ?, media_received = ? WHERE id = ? AND left_at IS NULL`,
			ss.Leave.Unix(), ss.Leave.Unix(), boolInt(ss.Recovered), ss.MediaSent, ss.MediaReceived, ss.ID)
	default:
		return false, fmt.Errorf("unknown event kind %q", ev.Kind)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// enqueue logs the event and creates one pending delivery per webhook
// endpoint of the platform or the event's organisation.
func enqueue(ctx context.Context, t execer, ev usage.Event) error {
	var seq int64
	err := t.QueryRowContext(ctx, `INSERT INTO usage_events (id, kind, org_id, meeting_id, at, payload)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`,
		ev.ID, ev.Kind, ev.OrgID, ev.Meeting.ID, ev.At.Unix(), string(ev.Payload)).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // already queued
	}
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_seq, status, attempts, next_at)
		SELECT id, ?, 'pending', 0, ? FROM webhook_endpoints
		WHERE enabled = 1 AND (org_id IS NULL OR org_id = ?) ORDER BY id`,
		seq, time.Now().UnixMilli(), ev.OrgID)
	return err
}

// HeartbeatUsage implements usage.Store. One transaction, so a crash
// cannot leave meetings and their sessions with different stamps.
func (s *Store) HeartbeatUsage(ctx context.Context, instance string, at time.Time, media map[string]usage.MediaSoFar) error {
	err := s.inTx(ctx, func(t execer) error {
		if _, err := t.ExecContext(ctx, `UPDATE usage_meetings SET heartbeat_at = ?
			WHERE instance = ? AND ended_at IS NULL AND heartbeat_at < ?`, at.Unix(), instance, at.Unix()); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `UPDATE usage_sessions SET heartbeat_at = ?
			WHERE instance = ? AND left_at IS NULL AND heartbeat_at < ?`, at.Unix(), instance, at.Unix()); err != nil {
			return err
		}
		for id, m := range media {
			// Only open sessions: a leave written meanwhile has the final figures.
			if _, err := t.ExecContext(ctx, `UPDATE usage_sessions SET media_sent = ?, media_received = ?
				WHERE id = ? AND left_at IS NULL`, m.Sent, m.Received, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("usage heartbeat: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DB exposes the handle for tests and maintenance.
func (s *Store) DB() *sql.DB { return s.db }
