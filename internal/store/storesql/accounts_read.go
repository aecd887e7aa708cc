package storesql

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

const accountCols = `a.id, a.email, a.display_name, a.password_hash, COALESCE(a.sso_issuer, ''),
	COALESCE(a.sso_subject, ''), a.kind, COALESCE(a.org_id, 0), COALESCE(o.slug, ''), COALESCE(o.status, ''),
	a.role, a.status, a.email_confirmed, a.valid_from, a.valid_until, a.created_at, a.updated_at, a.version`

const accountFrom = ` FROM accounts a LEFT JOIN orgs o ON o.id = a.org_id`

func scanAccount(sc scanner) (store.Account, error) {
	var a store.Account
	err := sc.Scan(&a.ID, &a.Email, &a.DisplayName, &a.PasswordHash, &a.SSOIssuer, &a.SSOSubject, &a.Kind,
		&a.OrgID, &a.OrgSlug, &a.OrgStatus, &a.Role, &a.Status, &a.EmailConfirmed,
		nullTm(&a.ValidFrom), nullTm(&a.ValidUntil), tm(&a.CreatedAt), tm(&a.UpdatedAt), &a.Version)
	if err != nil {
		return store.Account{}, err
	}
	return a, nil
}

func accountWhere(ctx context.Context, q Queryer, what, cond string, args ...any) (store.Account, error) {
	return oneWhere(ctx, q, accountCols+accountFrom, scanAccount, what, cond, args...)
}

// AccountByEmail implements store.Store.
func (s *Store) AccountByEmail(ctx context.Context, email string) (store.Account, error) {
	return accountWhere(ctx, s.conn(), fmt.Sprintf("account %q", email), `a.email = ?`, normEmail(email))
}

// AccountByID implements store.Store.
func (s *Store) AccountByID(ctx context.Context, id int64) (store.Account, error) {
	return accountWhere(ctx, s.conn(), fmt.Sprintf("account #%d", id), `a.id = ?`, id)
}

// AccountBySSO implements store.Store.
func (s *Store) AccountBySSO(ctx context.Context, issuer, subject string) (store.Account, error) {
	return accountWhere(ctx, s.conn(), fmt.Sprintf("SSO identity %q at %s", subject, issuer),
		`a.sso_issuer = ? AND a.sso_subject = ?`, issuer, subject)
}

// ListAccounts implements store.Store.
func (s *Store) ListAccounts(ctx context.Context, f store.AccountFilter) (store.Page[store.Account], error) {
	opts := f.ListOptions.Norm()
	var w Where
	if f.OrgID != 0 {
		w.Add(`a.org_id = ?`, f.OrgID)
	}
	for col, v := range map[string]string{"a.kind": f.Kind, "a.role": f.Role, "a.status": f.Status} {
		if v != "" {
			w.Add(col+` = ?`, v)
		}
	}
	if opts.Query != "" {
		s.search(&w, "accounts", "a", opts.Query, "email", "display_name")
	}
	var page store.Page[store.Account]
	err := s.searchPlan(ctx, opts.Query, func(q Queryer) (err error) {
		page, err = listPage(ctx, q, "accounts", "a", accountCols, ` LEFT JOIN orgs o ON o.id = a.org_id`, "a.email", w, opts, scanAccount)
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list accounts: %w", err)
	}
	return page, nil
}

// UpdateAccount implements store.Store.
func (s *Store) UpdateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	Defaults(&a)
	what := fmt.Sprintf("account %q", a.Email)
	var out store.Account
	err := s.inTx(ctx, func(tx Queryer) error {
		old, err := accountWhere(ctx, tx, what, `a.id = ?`, a.ID)
		if err != nil {
			return err
		}
		if old.Version != a.Version {
			return fmt.Errorf("%s: %w", what, store.ErrStale)
		}
		if a.OrgID != 0 {
			if err := s.orgInfo(ctx, tx, &a); err != nil {
				return err
			}
			moved := old.OrgID != a.OrgID || old.Kind != a.Kind
			if moved && a.Kind == store.AccountContracted {
				if err := s.checkAccountLimit(ctx, tx, a.OrgID, a.OrgSlug, a.ID, nil); err != nil {
					return err
				}
			}
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE accounts SET email = ?, display_name = ?, sso_issuer = ?, sso_subject = ?, kind = ?,
			   org_id = ?, role = ?, status = ?, email_confirmed = ?, valid_from = ?, valid_until = ?,
			   updated_at = ?, version = version + 1
			 WHERE id = ? AND version = ?`,
			a.Email, a.DisplayName, NullStr(a.SSOIssuer), NullStr(a.SSOSubject), a.Kind, NullID(a.OrgID),
			a.Role, a.Status, a.EmailConfirmed, s.nullTime(a.ValidFrom), s.nullTime(a.ValidUntil),
			s.t(s.now()), a.ID, a.Version)
		if s.d.IsUnique(err) {
			return fmt.Errorf("%s: email or SSO identity %w", what, store.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		out, err = accountWhere(ctx, tx, what, `a.id = ?`, a.ID)
		return err
	})
	return out, err
}

// SetPassword implements store.Store.
func (s *Store) SetPassword(ctx context.Context, accountID int64, hash string) error {
	res, err := s.conn().ExecContext(ctx, `UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?`,
		hash, s.t(s.now()), accountID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("account #%d: %w", accountID, store.ErrNotFound)
	}
	return nil
}

// DeleteAccount implements store.Store. Sessions, tokens, host
// assignments and the personal room go with it (ON DELETE CASCADE).
func (s *Store) DeleteAccount(ctx context.Context, id int64) error {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete account #%d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("account #%d: %w", id, store.ErrNotFound)
	}
	return nil
}

// SetValidUntil implements store.Store.
func (s *Store) SetValidUntil(ctx context.Context, set store.AccountSet, until time.Time) (int, error) {
	var w Where
	if set.AllPersonal {
		w.Add(`kind = 'personal'`)
	}
	if set.OrgID != 0 {
		w.Add(`org_id = ?`, set.OrgID)
	}
	total := 0
	err := s.inTx(ctx, func(tx Queryer) error {
		run := func(w Where) error {
			args := append([]any{s.nullTime(until), s.t(s.now())}, w.Args()...)
			res, err := tx.ExecContext(ctx,
				`UPDATE accounts SET valid_until = ?, updated_at = ?, version = version + 1`+w.SQL(), args...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += int(n)
			return nil
		}
		if set.AllPersonal {
			return run(w)
		}
		// Chunks keep each statement under SQLite's variable limit.
		for ids := set.IDs; len(ids) > 0; {
			chunk := ids[:min(len(ids), 500)]
			ids = ids[len(chunk):]
			cw := w.Clone()
			cw.Add(`id IN (`+placeholders(len(chunk))+`)`, int64sToAny(chunk)...)
			if err := run(cw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("set validity: %w", err)
	}
	return total, nil
}

func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

func int64sToAny(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// CountPlatformAdmins implements store.Store.
func (s *Store) CountPlatformAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.conn().QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE role = 'platform-admin'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count platform admins: %w", err)
	}
	return n, nil
}
