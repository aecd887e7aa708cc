package storesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/confer-dev/confer/internal/store"
)

// CreateRoom implements store.Store. The org lookup, the contract check and
// the insert share one transaction so a room can never point at an org
// that vanished meanwhile nor exceed the contract.
func (s *Store) CreateRoom(ctx context.Context, r store.Room) (store.Room, error) {
	var out store.Room
	err := s.inTx(ctx, func(tx Queryer) error {
		var err error
		out, err = s.insertRoom(ctx, tx, r)
		return err
	})
	return out, err
}

func (s *Store) insertRoom(ctx context.Context, tx Queryer, r store.Room) (store.Room, error) {
	r.CreatedAt = s.now()
	r.UpdatedAt, r.Version = r.CreatedAt, 1
	if r.WhoMayShare == "" {
		r.WhoMayShare = store.ShareEveryone
	}
	var q string
	var arg any
	if r.OrgID != 0 {
		q, arg = `SELECT id, slug, status, contract_max_rooms FROM orgs WHERE id = ?`, r.OrgID
	} else {
		q, arg = `SELECT id, slug, status, contract_max_rooms FROM orgs WHERE slug = ?`, r.OrgSlug
	}
	if r.PersonalOf == 0 {
		// Serialises room creation per org so two creators cannot both
		// take the last room of the contract.
		q += s.d.LockOrg
	}
	var maxRooms int
	err := tx.QueryRowContext(ctx, q, arg).Scan(&r.OrgID, &r.OrgSlug, &r.OrgStatus, &maxRooms)
	if errors.Is(err, sql.ErrNoRows) {
		if r.OrgSlug == "" {
			return store.Room{}, fmt.Errorf("org #%d: %w", r.OrgID, store.ErrNotFound)
		}
		return store.Room{}, fmt.Errorf("org %q: %w", r.OrgSlug, store.ErrNotFound)
	}
	if err != nil {
		return store.Room{}, fmt.Errorf("create room %q: %w", r.Slug, err)
	}
	if maxRooms > 0 && r.PersonalOf == 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM rooms WHERE org_id = ?`, r.OrgID).Scan(&n); err != nil {
			return store.Room{}, fmt.Errorf("create room %q: %w", r.Slug, err)
		}
		if n >= maxRooms {
			return store.Room{}, fmt.Errorf("org %q: %d of %d rooms used: %w", r.OrgSlug, n, maxRooms, store.ErrLimit)
		}
	}
	var personal any
	if r.PersonalOf != 0 {
		personal = r.PersonalOf
	}
	err = tx.QueryRowContext(ctx,
		`INSERT INTO rooms (org_id, slug, title, description, capacity, pin, guests_allowed, lobby,
		   who_may_share, personal_of, created_at, updated_at, version)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
		r.OrgID, r.Slug, r.Title, r.Description, r.Capacity, r.PIN, r.GuestsAllowed, r.Lobby,
		r.WhoMayShare, personal, s.t(r.CreatedAt), s.t(r.UpdatedAt)).Scan(&r.ID)
	switch {
	case err == nil:
	case s.d.IsUnique(err):
		return store.Room{}, fmt.Errorf("room %q: slug %w", r.Slug, store.ErrConflict)
	case s.d.IsForeignKey(err):
		return store.Room{}, fmt.Errorf("org #%d: %w", r.OrgID, store.ErrNotFound)
	default:
		return store.Room{}, fmt.Errorf("create room %q: %w", r.Slug, err)
	}
	return r, nil
}

const roomCols = `r.id, r.org_id, o.slug, o.status, r.slug, r.title, r.description, r.capacity, r.pin,
	r.guests_allowed, r.lobby, r.who_may_share, COALESCE(r.personal_of, 0), r.created_at, r.updated_at, r.version`

const roomFrom = ` FROM rooms r JOIN orgs o ON o.id = r.org_id`

func scanRoom(sc scanner) (store.Room, error) {
	var r store.Room
	if err := sc.Scan(&r.ID, &r.OrgID, &r.OrgSlug, &r.OrgStatus, &r.Slug, &r.Title, &r.Description,
		&r.Capacity, &r.PIN, &r.GuestsAllowed, &r.Lobby, &r.WhoMayShare, &r.PersonalOf,
		tm(&r.CreatedAt), tm(&r.UpdatedAt), &r.Version); err != nil {
		return store.Room{}, err
	}
	return r, nil
}

func roomWhere(ctx context.Context, q Queryer, what, cond string, arg any) (store.Room, error) {
	return oneWhere(ctx, q, roomCols+roomFrom, scanRoom, what, cond, arg)
}

// RoomBySlug implements store.Store.
func (s *Store) RoomBySlug(ctx context.Context, slug string) (store.Room, error) {
	return roomWhere(ctx, s.conn(), fmt.Sprintf("room %q", slug), `r.slug = ?`, slug)
}

// RoomByID implements store.Store.
func (s *Store) RoomByID(ctx context.Context, id int64) (store.Room, error) {
	return roomWhere(ctx, s.conn(), fmt.Sprintf("room #%d", id), `r.id = ?`, id)
}

// PersonalRoom implements store.Store.
func (s *Store) PersonalRoom(ctx context.Context, accountID int64) (store.Room, error) {
	return roomWhere(ctx, s.conn(), fmt.Sprintf("personal room of account #%d", accountID), `r.personal_of = ?`, accountID)
}

// ListRooms implements store.Store.
func (s *Store) ListRooms(ctx context.Context, f store.RoomFilter) (store.Page[store.Room], error) {
	opts := f.ListOptions.Norm()
	var w Where
	if f.OrgID != 0 {
		w.Add(`r.org_id = ?`, f.OrgID)
	}
	if f.HostAccountID != 0 {
		w.Add(`(r.personal_of = ? OR r.id IN (SELECT room_id FROM room_hosts WHERE account_id = ?))`,
			f.HostAccountID, f.HostAccountID)
	}
	if opts.Query != "" {
		s.search(&w, "rooms", "r", opts.Query, "slug", "title")
	}
	var page store.Page[store.Room]
	err := s.searchPlan(ctx, opts.Query, func(q Queryer) (err error) {
		page, err = listPage(ctx, q, "rooms", "r", roomCols, ` JOIN orgs o ON o.id = r.org_id`, "r.slug", w, opts, scanRoom)
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list rooms: %w", err)
	}
	return page, nil
}

// UpdateRoom implements store.Store.
func (s *Store) UpdateRoom(ctx context.Context, r store.Room) (store.Room, error) {
	what := named("room", r.Slug, r.ID)
	var out store.Room
	err := s.inTx(ctx, func(tx Queryer) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE rooms SET title = ?, description = ?, capacity = ?, pin = ?, guests_allowed = ?,
			   lobby = ?, who_may_share = ?, updated_at = ?, version = version + 1
			 WHERE id = ? AND version = ?`,
			r.Title, r.Description, r.Capacity, r.PIN, r.GuestsAllowed, r.Lobby,
			r.WhoMayShare, s.t(s.now()), r.ID, r.Version)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return staleOrMissing(ctx, tx, "rooms", what, r.ID)
		}
		out, err = roomWhere(ctx, tx, what, `r.id = ?`, r.ID)
		return err
	})
	return out, err
}

// DeleteRoom implements store.Store.
func (s *Store) DeleteRoom(ctx context.Context, id int64) error {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM rooms WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete room #%d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("room #%d: %w", id, store.ErrNotFound)
	}
	return nil
}

// SetRoomHost implements store.Store.
func (s *Store) SetRoomHost(ctx context.Context, roomID, accountID int64, role string) error {
	_, err := s.conn().ExecContext(ctx,
		`INSERT INTO room_hosts (room_id, account_id, role) VALUES (?, ?, ?)
		 ON CONFLICT (room_id, account_id) DO UPDATE SET role = excluded.role`, roomID, accountID, role)
	if s.d.IsForeignKey(err) {
		return fmt.Errorf("room #%d or account #%d: %w", roomID, accountID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set room host: %w", err)
	}
	return nil
}

// RemoveRoomHost implements store.Store.
func (s *Store) RemoveRoomHost(ctx context.Context, roomID, accountID int64) error {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM room_hosts WHERE room_id = ? AND account_id = ?`, roomID, accountID)
	if err != nil {
		return fmt.Errorf("remove room host: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("host #%d of room #%d: %w", accountID, roomID, store.ErrNotFound)
	}
	return nil
}

// RoomHosts implements store.Store.
func (s *Store) RoomHosts(ctx context.Context, roomID int64) ([]store.RoomHost, error) {
	rows, err := s.conn().QueryContext(ctx,
		`SELECT h.room_id, h.account_id, h.role, a.email, a.display_name, r.slug
		 FROM room_hosts h JOIN accounts a ON a.id = h.account_id JOIN rooms r ON r.id = h.room_id
		 WHERE h.room_id = ? ORDER BY a.email`, roomID)
	if err != nil {
		return nil, fmt.Errorf("room hosts: %w", err)
	}
	defer rows.Close()
	out := []store.RoomHost{}
	for rows.Next() {
		var h store.RoomHost
		if err := rows.Scan(&h.RoomID, &h.AccountID, &h.Role, &h.Email, &h.DisplayName, &h.RoomSlug); err != nil {
			return nil, fmt.Errorf("room hosts: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
