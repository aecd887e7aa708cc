package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/confer-dev/confer/internal/store"
)

// CreateRoom implements store.Store. The org lookup and the insert share one
// transaction so a room can never point at an org that vanished meanwhile.
func (s *Store) CreateRoom(ctx context.Context, r store.Room) (store.Room, error) {
	r.CreatedAt = now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var q string
		var arg any
		if r.OrgID != 0 {
			q, arg = `SELECT id, slug, status FROM orgs WHERE id = ?`, r.OrgID
		} else {
			q, arg = `SELECT id, slug, status FROM orgs WHERE slug = ?`, r.OrgSlug
		}
		err := tx.QueryRowContext(ctx, q, arg).Scan(&r.OrgID, &r.OrgSlug, &r.OrgStatus)
		if errors.Is(err, sql.ErrNoRows) {
			if r.OrgSlug == "" {
				return fmt.Errorf("org #%d: %w", r.OrgID, store.ErrNotFound)
			}
			return fmt.Errorf("org %q: %w", r.OrgSlug, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx,
			`INSERT INTO rooms (org_id, slug, title, capacity, pin, guests_allowed, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.OrgID, r.Slug, r.Title, r.Capacity, r.PIN, boolInt(r.GuestsAllowed), fmtTime(r.CreatedAt))
		if err != nil {
			return err
		}
		r.ID, err = res.LastInsertId()
		return err
	})
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, store.ErrNotFound):
		return store.Room{}, err
	case isUnique(err):
		return store.Room{}, fmt.Errorf("room %q: slug %w", r.Slug, store.ErrConflict)
	case isForeignKey(err):
		return store.Room{}, fmt.Errorf("org #%d: %w", r.OrgID, store.ErrNotFound)
	default:
		return store.Room{}, fmt.Errorf("create room %q: %w", r.Slug, err)
	}
}

const roomCols = `r.id, r.org_id, o.slug, o.status, r.slug, r.title, r.capacity, r.pin,
	r.guests_allowed, r.created_at`

const roomFrom = ` FROM rooms r JOIN orgs o ON o.id = r.org_id`

func scanRoom(sc interface{ Scan(...any) error }) (store.Room, error) {
	var r store.Room
	var created string
	var guests int
	if err := sc.Scan(&r.ID, &r.OrgID, &r.OrgSlug, &r.OrgStatus, &r.Slug, &r.Title,
		&r.Capacity, &r.PIN, &guests, &created); err != nil {
		return store.Room{}, err
	}
	r.GuestsAllowed = guests != 0
	var err error
	r.CreatedAt, err = parseTime(created)
	return r, err
}

// RoomBySlug implements store.Store.
func (s *Store) RoomBySlug(ctx context.Context, slug string) (store.Room, error) {
	r, err := scanRoom(s.db.QueryRowContext(ctx,
		`SELECT `+roomCols+roomFrom+` WHERE r.slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Room{}, fmt.Errorf("room %q: %w", slug, store.ErrNotFound)
	}
	if err != nil {
		return store.Room{}, fmt.Errorf("room %q: %w", slug, err)
	}
	return r, nil
}

// ListRooms implements store.Store.
func (s *Store) ListRooms(ctx context.Context, f store.RoomFilter) (store.Page[store.Room], error) {
	return store.Page[store.Room]{}, errTODO
}

func (s *Store) listRoomsOld(ctx context.Context, orgSlug string) ([]store.Room, error) {
	q := `SELECT ` + roomCols + roomFrom
	var args []any
	if orgSlug != "" {
		// Distinguish "unknown org" from "org without rooms".
		if _, err := s.OrgBySlug(ctx, orgSlug); err != nil {
			return nil, err
		}
		q += ` WHERE o.slug = ?`
		args = append(args, orgSlug)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY r.slug`, args...)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	defer rows.Close()
	rooms := []store.Room{}
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("list rooms: %w", err)
		}
		rooms = append(rooms, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return rooms, nil
}
