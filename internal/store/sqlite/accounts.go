package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/confer-dev/confer/internal/store"
)

// normEmail is the one canonical form used for both storing and lookup, so
// uniqueness is case-insensitive without relying on SQLite's ASCII-only
// NOCASE (PostgreSQL will use the same rule).
func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateAccount implements store.Store.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	a.Email = normEmail(a.Email)
	a.CreatedAt = now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO accounts (email, display_name, password_hash, role, created_at, updated_at)
			 VALUES (?, ?, ?, ?, ?, ?)`,
			a.Email, a.DisplayName, a.PasswordHash, a.Role, fmtTime(a.CreatedAt), fmtTime(a.CreatedAt))
		if err != nil {
			return err
		}
		a.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		if isUnique(err) {
			return store.Account{}, fmt.Errorf("account %q: email %w", a.Email, store.ErrConflict)
		}
		return store.Account{}, fmt.Errorf("create account %q: %w", a.Email, err)
	}
	return a, nil
}

// AccountByEmail implements store.Store.
func (s *Store) AccountByEmail(ctx context.Context, email string) (store.Account, error) {
	var a store.Account
	var created string
	err := s.db.QueryRowContext(ctx,
		`SELECT id, email, display_name, password_hash, role, created_at
		 FROM accounts WHERE email = ?`, normEmail(email)).
		Scan(&a.ID, &a.Email, &a.DisplayName, &a.PasswordHash, &a.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Account{}, fmt.Errorf("account %q: %w", email, store.ErrNotFound)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", email, err)
	}
	if a.CreatedAt, err = parseTime(created); err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", email, err)
	}
	return a, nil
}

// CountPlatformAdmins implements store.Store.
func (s *Store) CountPlatformAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM accounts WHERE role = 'platform-admin'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count platform admins: %w", err)
	}
	return n, nil
}
