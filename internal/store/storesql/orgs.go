package storesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/confer-dev/confer/internal/store"
)

// CreateOrg implements store.Store.
func (s *Store) CreateOrg(ctx context.Context, o store.Org) (store.Org, error) {
	if o.Status == "" {
		o.Status = store.StatusActive
	}
	o.CreatedAt = s.now()
	o.UpdatedAt, o.Version = o.CreatedAt, 1
	err := s.inTx(ctx, func(tx Queryer) error {
		c := o.Contract
		return tx.QueryRowContext(ctx,
			`INSERT INTO orgs (slug, name, kind, status, contact_name, contact_email, contact_phone,
			   contract_accounts, contract_hours, contract_max_rooms, refuse_over_budget,
			   created_at, updated_at, version)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
			o.Slug, o.Name, o.Kind, o.Status, o.ContactName, o.ContactEmail, o.ContactPhone,
			c.Accounts, c.HoursPerYear, c.MaxRooms, c.RefuseOverBudget,
			s.t(o.CreatedAt), s.t(o.UpdatedAt)).Scan(&o.ID)
	})
	if err != nil {
		if s.d.IsUnique(err) {
			return store.Org{}, fmt.Errorf("org %q: slug %w", o.Slug, store.ErrConflict)
		}
		return store.Org{}, fmt.Errorf("create org %q: %w", o.Slug, err)
	}
	return o, nil
}

const orgCols = `o.id, o.slug, o.name, o.kind, o.status, o.contact_name, o.contact_email, o.contact_phone,
	o.contract_accounts, o.contract_hours, o.contract_max_rooms, o.refuse_over_budget,
	o.created_at, o.updated_at, o.version,
	(SELECT COUNT(*) FROM accounts a WHERE a.org_id = o.id AND a.kind = 'contracted'),
	(SELECT COUNT(*) FROM rooms r WHERE r.org_id = o.id)`

func scanOrg(sc scanner) (store.Org, error) {
	var o store.Org
	c := &o.Contract
	if err := sc.Scan(&o.ID, &o.Slug, &o.Name, &o.Kind, &o.Status, &o.ContactName, &o.ContactEmail,
		&o.ContactPhone, &c.Accounts, &c.HoursPerYear, &c.MaxRooms, &c.RefuseOverBudget,
		tm(&o.CreatedAt), tm(&o.UpdatedAt), &o.Version, &o.ContractedAccounts, &o.Rooms); err != nil {
		return store.Org{}, err
	}
	return o, nil
}

func (s *Store) orgWhere(ctx context.Context, q Queryer, what, cond string, arg any) (store.Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs o WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Org{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.Org{}, fmt.Errorf("%s: %w", what, err)
	}
	return o, nil
}

// OrgBySlug implements store.Store.
func (s *Store) OrgBySlug(ctx context.Context, slug string) (store.Org, error) {
	return s.orgWhere(ctx, s.conn(), fmt.Sprintf("org %q", slug), `o.slug = ?`, slug)
}

// OrgByID implements store.Store.
func (s *Store) OrgByID(ctx context.Context, id int64) (store.Org, error) {
	return s.orgWhere(ctx, s.conn(), fmt.Sprintf("org #%d", id), `o.id = ?`, id)
}

// ListOrgs implements store.Store.
func (s *Store) ListOrgs(ctx context.Context, opts store.ListOptions) (store.Page[store.Org], error) {
	opts = opts.Norm()
	var w Where
	if opts.Query != "" {
		s.search(&w, "orgs", "o", opts.Query, "slug", "name")
	}
	page := store.Page[store.Org]{Items: []store.Org{}}
	if err := s.conn().QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs o`+w.SQL(), w.args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("list orgs: %w", err)
	}
	rows, err := s.conn().QueryContext(ctx, `SELECT `+orgCols+` FROM orgs o`+w.SQL()+` ORDER BY o.slug LIMIT ? OFFSET ?`,
		append(w.args, opts.Limit, opts.Offset)...)
	if err != nil {
		return page, fmt.Errorf("list orgs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return page, fmt.Errorf("list orgs: %w", err)
		}
		page.Items = append(page.Items, o)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("list orgs: %w", err)
	}
	return page, nil
}

// UpdateOrg implements store.Store.
func (s *Store) UpdateOrg(ctx context.Context, o store.Org) (store.Org, error) {
	what := named("org", o.Slug, o.ID)
	var out store.Org
	err := s.inTx(ctx, func(tx Queryer) error {
		c := o.Contract
		res, err := tx.ExecContext(ctx,
			`UPDATE orgs SET name = ?, kind = ?, status = ?, contact_name = ?, contact_email = ?,
			   contact_phone = ?, contract_accounts = ?, contract_hours = ?, contract_max_rooms = ?,
			   refuse_over_budget = ?, updated_at = ?, version = version + 1
			 WHERE id = ? AND version = ?`,
			o.Name, o.Kind, o.Status, o.ContactName, o.ContactEmail, o.ContactPhone,
			c.Accounts, c.HoursPerYear, c.MaxRooms, c.RefuseOverBudget, s.t(s.now()), o.ID, o.Version)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return staleOrMissing(ctx, tx, "orgs", what, o.ID)
		}
		out, err = s.orgWhere(ctx, tx, what, `o.id = ?`, o.ID)
		return err
	})
	return out, err
}

// DeleteOrg implements store.Store.
func (s *Store) DeleteOrg(ctx context.Context, id int64) error {
	err := s.inTx(ctx, func(tx Queryer) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM orgs WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("org #%d: %w", id, store.ErrNotFound)
		}
		return nil
	})
	if s.d.IsForeignKey(err) {
		return fmt.Errorf("org #%d: %w", id, store.Conflict("still has accounts"))
	}
	return err
}
