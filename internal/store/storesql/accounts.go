package storesql

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
// NOCASE.
func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Defaults normalises a before it is stored (also for store/postgres's
// bulk insert).
func Defaults(a *store.Account) {
	a.Email = normEmail(a.Email)
	if a.Kind == "" {
		a.Kind = store.AccountContracted
	}
	if a.Role == "" {
		a.Role = store.RoleMember
	}
	if a.Status == "" {
		a.Status = store.StatusActive
	}
}

// CreateAccount implements store.Store.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	var out store.Account
	err := s.inTx(ctx, func(tx Queryer) error {
		var err error
		out, err = s.insertAccount(ctx, tx, a, nil)
		return err
	})
	return out, err
}

// CreateAccounts implements store.Store (store/postgres replaces it with a
// bulk insert). Rows are checked (email, SSO
// identity, contract) before their insert, so refusals are collected
// per row; any refusal rolls everything back.
func (s *Store) CreateAccounts(ctx context.Context, rows []store.NewAccount) ([]store.Account, error) {
	out := make([]store.Account, 0, len(rows))
	var bulk store.BulkError
	used := map[int64]int{} // contracted accounts per org, counted once
	err := s.inTx(ctx, func(tx Queryer) error {
		for i, row := range rows {
			a, err := s.insertAccount(ctx, tx, row.Account, used)
			if err == nil && row.PersonalRoom != nil {
				err = s.insertPersonalRoom(ctx, tx, a, *row.PersonalRoom)
			}
			if err != nil {
				if !store.IsRefusal(err) {
					return err
				}
				bulk.Rows = append(bulk.Rows, store.RowError{Row: i, Err: err})
				continue
			}
			out = append(out, a)
		}
		if len(bulk.Rows) > 0 {
			return &bulk
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insertAccount checks and inserts one account. used caches contracted
// account counts per org across a bulk insert (nil: count each time).
func (s *Store) insertAccount(ctx context.Context, tx Queryer, a store.Account, used map[int64]int) (store.Account, error) {
	Defaults(&a)
	a.CreatedAt = s.now()
	a.UpdatedAt, a.Version = a.CreatedAt, 1
	what := fmt.Sprintf("account %q", a.Email)
	if a.OrgID == 0 && a.OrgSlug != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM orgs WHERE slug = ?`, a.OrgSlug).Scan(&a.OrgID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.Account{}, fmt.Errorf("org %q: %w", a.OrgSlug, store.ErrNotFound)
		}
		if err != nil {
			return store.Account{}, fmt.Errorf("%s: %w", what, err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE email = ?`, a.Email).Scan(&n); err != nil {
		return store.Account{}, fmt.Errorf("%s: %w", what, err)
	}
	if n > 0 {
		return store.Account{}, fmt.Errorf("%s: email %w", what, store.ErrConflict)
	}
	if a.SSOSubject != "" {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE sso_issuer = ? AND sso_subject = ?`,
			a.SSOIssuer, a.SSOSubject).Scan(&n); err != nil {
			return store.Account{}, fmt.Errorf("%s: %w", what, err)
		}
		if n > 0 {
			return store.Account{}, fmt.Errorf("%s: SSO identity %w", what, store.ErrConflict)
		}
	}
	if a.OrgID != 0 {
		if err := s.orgInfo(ctx, tx, &a); err != nil {
			return store.Account{}, err
		}
		if a.Kind == store.AccountContracted {
			if err := s.checkAccountLimit(ctx, tx, a.OrgID, a.OrgSlug, 0, used); err != nil {
				return store.Account{}, err
			}
		}
	}
	err := tx.QueryRowContext(ctx,
		`INSERT INTO accounts (email, display_name, password_hash, sso_issuer, sso_subject, kind, org_id,
		   role, status, email_confirmed, valid_from, valid_until, created_at, updated_at, version)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
		a.Email, a.DisplayName, a.PasswordHash, NullStr(a.SSOIssuer), NullStr(a.SSOSubject), a.Kind,
		NullID(a.OrgID), a.Role, a.Status, a.EmailConfirmed, s.nullTime(a.ValidFrom), s.nullTime(a.ValidUntil),
		s.t(a.CreatedAt), s.t(a.UpdatedAt)).Scan(&a.ID)
	if err != nil {
		if s.d.IsUnique(err) {
			return store.Account{}, fmt.Errorf("%s: email or SSO identity %w", what, store.ErrConflict)
		}
		return store.Account{}, fmt.Errorf("create %s: %w", what, err)
	}
	if used != nil && a.Kind == store.AccountContracted && a.OrgID != 0 {
		used[a.OrgID]++
	}
	return a, nil
}

// NullID binds org id 0 as NULL (no org).
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// orgInfo fills a's org slug and status, or says the org does not exist.
func (s *Store) orgInfo(ctx context.Context, tx Queryer, a *store.Account) error {
	err := tx.QueryRowContext(ctx, `SELECT slug, status FROM orgs WHERE id = ?`, a.OrgID).Scan(&a.OrgSlug, &a.OrgStatus)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("org #%d: %w", a.OrgID, store.ErrNotFound)
	}
	return err
}

// checkAccountLimit refuses one more contracted account in org beyond its
// contract. self is an account already counted (on update), else 0.
func (s *Store) checkAccountLimit(ctx context.Context, tx Queryer, orgID int64, slug string, self int64, used map[int64]int) error {
	var limit int
	if err := tx.QueryRowContext(ctx, `SELECT contract_accounts FROM orgs WHERE id = ?`+s.d.LockOrg, orgID).Scan(&limit); err != nil {
		return fmt.Errorf("org #%d: %w", orgID, err)
	}
	if limit == 0 {
		return nil
	}
	n, ok := used[orgID]
	if !ok {
		if err := tx.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM accounts WHERE org_id = ? AND kind = 'contracted' AND id <> ?`, orgID, self).Scan(&n); err != nil {
			return fmt.Errorf("org #%d: %w", orgID, err)
		}
		if used != nil {
			used[orgID] = n
		}
	}
	if n >= limit {
		return fmt.Errorf("org %q: %d of %d contracted accounts used: %w", slug, n, limit, store.ErrLimit)
	}
	return nil
}

// insertPersonalRoom creates a's personal room, appending -2, -3... to
// the slug until it is free.
func (s *Store) insertPersonalRoom(ctx context.Context, tx Queryer, a store.Account, r store.Room) error {
	base := r.Slug
	for i := 2; ; i++ {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM rooms WHERE slug = ?`, r.Slug).Scan(&n); err != nil {
			return fmt.Errorf("personal room: %w", err)
		}
		if n == 0 {
			break
		}
		r.Slug = fmt.Sprintf("%s-%d", base, i)
	}
	r.OrgID, r.PersonalOf = a.OrgID, a.ID
	_, err := s.insertRoom(ctx, tx, r)
	return err
}
