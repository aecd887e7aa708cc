package storesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// CreateSession implements store.Store.
func (s *Store) CreateSession(ctx context.Context, x store.Session) (store.Session, error) {
	x.CreatedAt = s.now()
	if x.LastSeen.IsZero() {
		x.LastSeen = x.CreatedAt
	}
	err := s.conn().QueryRowContext(ctx,
		`INSERT INTO sessions (hash, account_id, created_at, last_seen, expires_at, user_agent, ip)
		 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		x.Hash, x.AccountID, s.t(x.CreatedAt), s.t(x.LastSeen), s.t(x.ExpiresAt), x.UserAgent, x.IP).Scan(&x.ID)
	switch {
	case s.d.IsForeignKey(err):
		return store.Session{}, fmt.Errorf("account #%d: %w", x.AccountID, store.ErrNotFound)
	case s.d.IsUnique(err):
		return store.Session{}, fmt.Errorf("session: %w", store.ErrConflict)
	case err != nil:
		return store.Session{}, fmt.Errorf("create session: %w", err)
	}
	return x, nil
}

const sessionCols = `id, hash, account_id, created_at, last_seen, expires_at, user_agent, ip`

func scanSession(sc scanner) (store.Session, error) {
	var x store.Session
	err := sc.Scan(&x.ID, &x.Hash, &x.AccountID, tm(&x.CreatedAt), tm(&x.LastSeen), tm(&x.ExpiresAt), &x.UserAgent, &x.IP)
	return x, err
}

// SessionByHash implements store.Store.
func (s *Store) SessionByHash(ctx context.Context, hash string, at time.Time) (store.Session, error) {
	x, err := scanSession(s.conn().QueryRowContext(ctx,
		`SELECT `+sessionCols+` FROM sessions WHERE hash = ? AND expires_at > ?`, hash, s.t(at)))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	return x, nil
}

// TouchSession implements store.Store.
func (s *Store) TouchSession(ctx context.Context, id int64, lastSeen, expires time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("session #%d", id),
		`UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id = ?`, s.t(lastSeen), s.t(expires), id)
}

// ListSessions implements store.Store.
func (s *Store) ListSessions(ctx context.Context, accountID int64) ([]store.Session, error) {
	out, err := list(ctx, s.conn(), scanSession,
		`SELECT `+sessionCols+` FROM sessions WHERE account_id = ? ORDER BY last_seen DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// DeleteSession implements store.Store.
func (s *Store) DeleteSession(ctx context.Context, accountID, id int64) error {
	return s.execOne(ctx, fmt.Sprintf("session #%d", id),
		`DELETE FROM sessions WHERE id = ? AND (? = 0 OR account_id = ?)`, id, accountID, accountID)
}

// DeleteAccountSessions implements store.Store.
func (s *Store) DeleteAccountSessions(ctx context.Context, accountID, exceptID int64) (int, error) {
	return s.execN(ctx, `DELETE FROM sessions WHERE account_id = ? AND id <> ?`, accountID, exceptID)
}

// DeleteExpiredSessions implements store.Store.
func (s *Store) DeleteExpiredSessions(ctx context.Context, at time.Time) (int, error) {
	return s.execN(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, s.t(at))
}

// list runs q and scans every row; never nil, so JSON shows [].
func list[T any](ctx context.Context, db Queryer, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
