package storesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// CreateAPIToken implements store.Store.
func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken) (store.APIToken, error) {
	t.CreatedAt = s.now()
	err := s.conn().QueryRowContext(ctx,
		`INSERT INTO api_tokens (account_id, name, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		t.AccountID, t.Name, t.Hash, t.Scopes, s.t(t.CreatedAt), s.nullTime(t.ExpiresAt)).Scan(&t.ID)
	switch {
	case s.d.IsForeignKey(err):
		return store.APIToken{}, fmt.Errorf("account #%d: %w", t.AccountID, store.ErrNotFound)
	case s.d.IsUnique(err):
		return store.APIToken{}, fmt.Errorf("token: %w", store.ErrConflict)
	case err != nil:
		return store.APIToken{}, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

const tokenCols = `id, account_id, name, hash, scopes, created_at, last_used, expires_at, revoked`

func scanToken(sc scanner) (store.APIToken, error) {
	var t store.APIToken
	err := sc.Scan(&t.ID, &t.AccountID, &t.Name, &t.Hash, &t.Scopes,
		tm(&t.CreatedAt), nullTm(&t.LastUsed), nullTm(&t.ExpiresAt), &t.Revoked)
	return t, err
}

// APITokenByHash implements store.Store.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	t, err := scanToken(s.conn().QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIToken{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.APIToken{}, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// ListAPITokens implements store.Store.
func (s *Store) ListAPITokens(ctx context.Context, accountID int64) ([]store.APIToken, error) {
	out, err := list(ctx, s.conn(), scanToken, `SELECT `+tokenCols+` FROM api_tokens WHERE ? = 0 OR account_id = ?
		ORDER BY created_at DESC, id DESC`, accountID, accountID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken implements store.Store.
func (s *Store) RevokeAPIToken(ctx context.Context, accountID, id int64) error {
	return s.execOne(ctx, fmt.Sprintf("token #%d", id),
		`UPDATE api_tokens SET revoked = TRUE WHERE id = ? AND (? = 0 OR account_id = ?)`, id, accountID, accountID)
}

// TouchAPIToken implements store.Store.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("token #%d", id), `UPDATE api_tokens SET last_used = ? WHERE id = ?`, s.t(at), id)
}

// CreateOneTimeToken implements store.Store.
func (s *Store) CreateOneTimeToken(ctx context.Context, t store.OneTimeToken) (store.OneTimeToken, error) {
	t.CreatedAt = s.now()
	err := s.conn().QueryRowContext(ctx,
		`INSERT INTO one_time_tokens (hash, purpose, account_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		t.Hash, t.Purpose, t.AccountID, s.t(t.CreatedAt), s.t(t.ExpiresAt)).Scan(&t.ID)
	switch {
	case s.d.IsForeignKey(err):
		return store.OneTimeToken{}, fmt.Errorf("account #%d: %w", t.AccountID, store.ErrNotFound)
	case err != nil:
		return store.OneTimeToken{}, fmt.Errorf("create one-time token: %w", err)
	}
	return t, nil
}

// UseOneTimeToken implements store.Store. The conditional UPDATE is the
// atomic "use once": of two concurrent uses only one changes the row.
func (s *Store) UseOneTimeToken(ctx context.Context, hash, purpose string, at time.Time) (store.OneTimeToken, error) {
	var t store.OneTimeToken
	err := s.inTx(ctx, func(tx Queryer) error {
		res, err := tx.ExecContext(ctx, `UPDATE one_time_tokens SET used_at = ?
			WHERE hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
			s.t(at), hash, purpose, s.t(at))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("one-time token: %w", store.ErrNotFound)
		}
		return tx.QueryRowContext(ctx, `SELECT id, hash, purpose, account_id, created_at, expires_at, used_at
			FROM one_time_tokens WHERE hash = ?`, hash).Scan(&t.ID, &t.Hash, &t.Purpose, &t.AccountID,
			tm(&t.CreatedAt), tm(&t.ExpiresAt), tm(&t.UsedAt))
	})
	return t, err
}
