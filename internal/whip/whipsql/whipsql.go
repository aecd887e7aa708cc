// Package whipsql implements whip.TokenStore in SQL that SQLite and
// PostgreSQL both accept (table whip_tokens, migration 00054 of each
// backend). Times are Unix seconds; revoked is 0 or 1 in both.
package whipsql

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/confer-dev/confer/internal/whip"
)

// Store is the SQL token store.
type Store struct {
	db     *sql.DB
	rebind func(string) string
}

var _ whip.TokenStore = (*Store)(nil)

// New returns a Store on db; rebind turns ? placeholders into the
// backend's (nil: keep ?).
func New(db *sql.DB, rebind func(string) string) *Store {
	if rebind == nil {
		rebind = func(q string) string { return q }
	}
	return &Store{db: db, rebind: rebind}
}

const cols = `id, hash, room_id, label, created_by, created_at, expires_at, revoked`

// CreateToken implements whip.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t whip.Token) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, s.rebind(`INSERT INTO whip_tokens
		(hash, room_id, label, created_by, created_at, expires_at, revoked)
		VALUES (?, ?, ?, ?, ?, ?, 0) RETURNING id`),
		t.Hash, t.RoomID, t.Label, t.CreatedBy, t.CreatedAt.Unix(), t.ExpiresAt.Unix()).Scan(&id)
	return id, err
}

// TokenByHash implements whip.TokenStore.
func (s *Store) TokenByHash(ctx context.Context, hash string) (whip.Token, error) {
	t, err := scan(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+cols+` FROM whip_tokens WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return whip.Token{}, whip.ErrNoToken
	}
	return t, err
}

// ListTokens implements whip.TokenStore.
func (s *Store) ListTokens(ctx context.Context, roomID int64) ([]whip.Token, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+cols+` FROM whip_tokens WHERE room_id = ? ORDER BY id DESC LIMIT 500`), roomID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []whip.Token
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements whip.TokenStore.
func (s *Store) RevokeToken(ctx context.Context, roomID, id int64) error {
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE whip_tokens SET revoked = 1 WHERE id = ? AND room_id = ?`), id, roomID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return whip.ErrNoToken
	}
	return nil
}

// DeleteExpired removes tokens that expired before cutoff.
func (s *Store) DeleteExpired(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM whip_tokens WHERE expires_at < ?`), cutoff.Unix())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func scan(row interface{ Scan(...any) error }) (whip.Token, error) {
	var t whip.Token
	var created, expires, revoked int64
	err := row.Scan(&t.ID, &t.Hash, &t.RoomID, &t.Label, &t.CreatedBy, &created, &expires, &revoked)
	t.CreatedAt, t.ExpiresAt, t.Revoked = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC(), revoked != 0
	return t, err
}
