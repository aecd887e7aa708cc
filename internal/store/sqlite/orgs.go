package sqlite

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
	o.CreatedAt = now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO orgs (slug, name, kind, status, created_at) VALUES (?, ?, ?, ?, ?)`,
			o.Slug, o.Name, o.Kind, o.Status, fmtTime(o.CreatedAt))
		if err != nil {
			return err
		}
		o.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		if isUnique(err) {
			return store.Org{}, fmt.Errorf("org %q: slug %w", o.Slug, store.ErrConflict)
		}
		return store.Org{}, fmt.Errorf("create org %q: %w", o.Slug, err)
	}
	return o, nil
}

const orgCols = `id, slug, name, kind, status, created_at`

func scanOrg(sc interface{ Scan(...any) error }) (store.Org, error) {
	var o store.Org
	var created string
	if err := sc.Scan(&o.ID, &o.Slug, &o.Name, &o.Kind, &o.Status, &created); err != nil {
		return store.Org{}, err
	}
	var err error
	o.CreatedAt, err = parseTime(created)
	return o, err
}

// OrgBySlug implements store.Store.
func (s *Store) OrgBySlug(ctx context.Context, slug string) (store.Org, error) {
	o, err := scanOrg(s.db.QueryRowContext(ctx,
		`SELECT `+orgCols+` FROM orgs WHERE slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Org{}, fmt.Errorf("org %q: %w", slug, store.ErrNotFound)
	}
	if err != nil {
		return store.Org{}, fmt.Errorf("org %q: %w", slug, err)
	}
	return o, nil
}

// ListOrgs implements store.Store.
func (s *Store) ListOrgs(ctx context.Context, opts store.ListOptions) (store.Page[store.Org], error) {
	return store.Page[store.Org]{}, errTODO
}

func (s *Store) listOrgsOld(ctx context.Context) ([]store.Org, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+orgCols+` FROM orgs ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	defer rows.Close()
	orgs := []store.Org{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("list orgs: %w", err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	return orgs, nil
}
