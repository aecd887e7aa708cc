package postgres

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
	x.CreatedAt = now()
	if x.LastSeen.IsZero() {
		x.LastSeen = x.CreatedAt
	}
	var insertedID int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO sessions (hash, account_id, created_at, last_seen, expires_at, user_agent, ip)
		 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		x.Hash, x.AccountID, x.CreatedAt, x.LastSeen, x.ExpiresAt, x.UserAgent, x.IP).Scan(&insertedID)
	switch {
	case isForeignKey(err):
		return store.Session{}, fmt.Errorf("account #%d: %w", x.AccountID, store.ErrNotFound)
	case isUnique(err):
		return store.Session{}, fmt.Errorf("session: %w", store.ErrConflict)
	case err != nil:
		return store.Session{}, fmt.Errorf("create session: %w", err)
	}
	x.ID = insertedID
	return x, err
}

const sessionCols = `id, hash, account_id, created_at, last_seen, expires_at, user_agent, ip`

func scanSession(sc scanner) (store.Session, error) {
	var x store.Session
	var c, l, e time.Time
	if err := sc.Scan(&x.ID, &x.Hash, &x.AccountID, &c, &l, &e, &x.UserAgent, &x.IP); err != nil {
		return x, err
	}
	var err1, err2, err3 error
	x.CreatedAt, err1 = parseTime(c)
	x.LastSeen, err2 = parseTime(l)
	x.ExpiresAt, err3 = parseTime(e)
	return x, errors.Join(err1, err2, err3)
}

// SessionByHash implements store.Store.
func (s *Store) SessionByHash(ctx context.Context, hash string, at time.Time) (store.Session, error) {
	x, err := scanSession(s.db.QueryRowContext(ctx,
		`SELECT `+sessionCols+` FROM sessions WHERE hash = ? AND expires_at > ?`, hash, at))
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
		`UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id = ?`, lastSeen, expires, id)
}

// ListSessions implements store.Store.
func (s *Store) ListSessions(ctx context.Context, accountID int64) ([]store.Session, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+sessionCols+` FROM sessions WHERE account_id = ? ORDER BY last_seen DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
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
	return s.execN(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, at)
}

// execOne runs a statement that must affect exactly one row.
func (s *Store) execOne(ctx context.Context, what, q string, args ...any) error {
	n, err := s.execN(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

func (s *Store) execN(ctx context.Context, q string, args ...any) (int, error) {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// CreateAPIToken implements store.Store.
func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken) (store.APIToken, error) {
	t.CreatedAt = now()
	var insertedID int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO api_tokens (account_id, name, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		t.AccountID, t.Name, t.Hash, t.Scopes, t.CreatedAt, nullTime(t.ExpiresAt)).Scan(&insertedID)
	switch {
	case isForeignKey(err):
		return store.APIToken{}, fmt.Errorf("account #%d: %w", t.AccountID, store.ErrNotFound)
	case isUnique(err):
		return store.APIToken{}, fmt.Errorf("token: %w", store.ErrConflict)
	case err != nil:
		return store.APIToken{}, fmt.Errorf("create token: %w", err)
	}
	t.ID = insertedID
	return t, err
}

const tokenCols = `id, account_id, name, hash, scopes, created_at, last_used, expires_at, revoked`

func scanToken(sc scanner) (store.APIToken, error) {
	var t store.APIToken
	var c time.Time
	var used, exp sql.NullTime
	var revoked bool
	if err := sc.Scan(&t.ID, &t.AccountID, &t.Name, &t.Hash, &t.Scopes, &c, &used, &exp, &revoked); err != nil {
		return t, err
	}
	t.Revoked = revoked
	var err1, err2, err3 error
	t.CreatedAt, err1 = parseTime(c)
	t.LastUsed, err2 = parseNullTime(used)
	t.ExpiresAt, err3 = parseNullTime(exp)
	return t, errors.Join(err1, err2, err3)
}

// APITokenByHash implements store.Store.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash))
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
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE ? = 0 OR account_id = ?
		ORDER BY created_at DESC, id DESC`, accountID, accountID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []store.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken implements store.Store.
func (s *Store) RevokeAPIToken(ctx context.Context, accountID, id int64) error {
	return s.execOne(ctx, fmt.Sprintf("token #%d", id),
		`UPDATE api_tokens SET revoked = TRUE WHERE id = ? AND (? = 0 OR account_id = ?)`, id, accountID, accountID)
}

// TouchAPIToken implements store.Store.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("token #%d", id), `UPDATE api_tokens SET last_used = ? WHERE id = ?`, at, id)
}

// CreateOneTimeToken implements store.Store.
func (s *Store) CreateOneTimeToken(ctx context.Context, t store.OneTimeToken) (store.OneTimeToken, error) {
	t.CreatedAt = now()
	var insertedID int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO one_time_tokens (hash, purpose, account_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		t.Hash, t.Purpose, t.AccountID, t.CreatedAt, t.ExpiresAt).Scan(&insertedID)
	switch {
	case isForeignKey(err):
		return store.OneTimeToken{}, fmt.Errorf("account #%d: %w", t.AccountID, store.ErrNotFound)
	case err != nil:
		return store.OneTimeToken{}, fmt.Errorf("create one-time token: %w", err)
	}
	t.ID = insertedID
	return t, err
}

// UseOneTimeToken implements store.Store. The conditional UPDATE is the
// atomic "use once": of two concurrent uses only one changes the row.
func (s *Store) UseOneTimeToken(ctx context.Context, hash, purpose string, at time.Time) (store.OneTimeToken, error) {
	var t store.OneTimeToken
	err := s.inTx(ctx, func(tx pgTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE one_time_tokens SET used_at = ?
			WHERE hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
			at, hash, purpose, at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("one-time token: %w", store.ErrNotFound)
		}
		var c, e, u time.Time
		err = tx.QueryRowContext(ctx, `SELECT id, hash, purpose, account_id, created_at, expires_at, used_at
			FROM one_time_tokens WHERE hash = ?`, hash).Scan(&t.ID, &t.Hash, &t.Purpose, &t.AccountID, &c, &e, &u)
		if err != nil {
			return err
		}
		var err1, err2, err3 error
		t.CreatedAt, err1 = parseTime(c)
		t.ExpiresAt, err2 = parseTime(e)
		t.UsedAt, err3 = parseTime(u)
		return errors.Join(err1, err2, err3)
	})
	return t, err
}
