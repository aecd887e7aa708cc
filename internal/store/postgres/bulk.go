package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/storesql"
)

// bulkChunk rows per multi-row INSERT (14 parameters each, far below
// PostgreSQL's 65,535 limit).
const bulkChunk = 1000

type bulkOrg struct {
	id            int64
	slug, status  string
	limit, used   int
	found, locked bool
}

// CreateAccounts implements store.Store. Every row is checked first (a few
// set queries plus Go), then rows go in with multi-row INSERTs: a
// 20,000-row import takes a few dozen round trips instead of 100,000.
func (s *Store) CreateAccounts(ctx context.Context, rows []store.NewAccount) ([]store.Account, error) {
	out := make([]store.Account, len(rows))
	err := s.inTx(ctx, func(tx pgTx) error {
		ts := now()
		emails := make([]string, len(rows))
		for i, r := range rows {
			a := r.Account
			storesql.Defaults(&a)
			a.CreatedAt, a.UpdatedAt, a.Version = ts, ts, 1
			out[i], emails[i] = a, a.Email
		}
		taken, err := s.existing(ctx, tx, `SELECT email FROM accounts WHERE email = ANY(?)`, emails)
		if err != nil {
			return err
		}
		if err := s.checkRows(ctx, tx, out, taken); err != nil {
			return err
		}
		ids, err := insertAccounts(ctx, tx, out)
		if err != nil {
			return err
		}
		for i := range out {
			out[i].ID = ids[out[i].Email]
		}
		return s.insertPersonalRooms(ctx, tx, rows, out)
	})
	if err != nil {
		return nil, err
	}
	if len(rows) >= bulkChunk {
		// Fresh statistics keep the list queries on their indexes after a
		// large import; a failure here changes nothing that was written.
		s.db.ExecContext(ctx, `ANALYZE accounts, rooms`)
	}
	return out, nil
}

// existing returns which of vals the query (taking them as ? array) finds.
func (s *Store) existing(ctx context.Context, tx pgTx, q string, vals []string) (map[string]bool, error) {
	found := map[string]bool{}
	rs, err := tx.QueryContext(ctx, q, vals)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	for rs.Next() {
		var v string
		if err := rs.Scan(&v); err != nil {
			return nil, err
		}
		found[v] = true
	}
	return found, rs.Err()
}

// checkRows resolves orgs and refuses taken emails and SSO identities and
// contracted accounts beyond their org's contract, in row order.
func (s *Store) checkRows(ctx context.Context, tx pgTx, out []store.Account, taken map[string]bool) error {
	var bulk store.BulkError
	orgs, bySlug := map[int64]*bulkOrg{}, map[string]*bulkOrg{}
	seen := map[string]int{}
	for i := range out {
		a := &out[i]
		what := fmt.Sprintf("account %q", a.Email)
		refuse := func(err error) { bulk.Rows = append(bulk.Rows, store.RowError{Row: i, Err: err}) }
		if _, dup := seen[a.Email]; dup || taken[a.Email] {
			refuse(fmt.Errorf("%s: email %w", what, store.ErrConflict))
			continue
		}
		seen[a.Email] = i
		if a.SSOSubject != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE sso_issuer = ? AND sso_subject = ?`,
				a.SSOIssuer, a.SSOSubject).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				refuse(fmt.Errorf("%s: SSO identity %w", what, store.ErrConflict))
				continue
			}
		}
		if a.OrgID == 0 && a.OrgSlug == "" {
			continue
		}
		o, err := s.bulkOrg(ctx, tx, orgs, bySlug, a.OrgID, a.OrgSlug)
		if err != nil {
			return err
		}
		if !o.found {
			if a.OrgID != 0 {
				refuse(fmt.Errorf("org #%d: %w", a.OrgID, store.ErrNotFound))
			} else {
				refuse(fmt.Errorf("org %q: %w", a.OrgSlug, store.ErrNotFound))
			}
			continue
		}
		a.OrgID, a.OrgSlug, a.OrgStatus = o.id, o.slug, o.status
		if a.Kind != store.AccountContracted {
			continue
		}
		if err := s.lockOrg(ctx, tx, o); err != nil {
			return err
		}
		if o.limit > 0 && o.used >= o.limit {
			refuse(fmt.Errorf("org %q: %d of %d contracted accounts used: %w", o.slug, o.used, o.limit, store.ErrLimit))
			continue
		}
		o.used++
	}
	if len(bulk.Rows) > 0 {
		return &bulk
	}
	return nil
}

// bulkOrg looks an org up once per bulk insert.
func (s *Store) bulkOrg(ctx context.Context, tx pgTx, byID map[int64]*bulkOrg, bySlug map[string]*bulkOrg, id int64, slug string) (*bulkOrg, error) {
	if o, ok := byID[id]; ok && id != 0 {
		return o, nil
	}
	if o, ok := bySlug[slug]; ok && id == 0 {
		return o, nil
	}
	o := &bulkOrg{}
	q, arg := `SELECT id, slug, status FROM orgs WHERE id = ?`, any(id)
	if id == 0 {
		q, arg = `SELECT id, slug, status FROM orgs WHERE slug = ?`, slug
	}
	err := tx.QueryRowContext(ctx, q, arg).Scan(&o.id, &o.slug, &o.status)
	switch {
	case err == nil:
		o.found = true
		if prev, ok := byID[o.id]; ok { // known under its other name
			o = prev
		}
		byID[o.id], bySlug[o.slug] = o, o
	case !isNoRows(err):
		return nil, err
	}
	if id == 0 {
		bySlug[slug] = o
	} else {
		byID[id] = o
	}
	return o, nil
}

// lockOrg takes the org's contract lock and counts its contracted
// accounts, once per bulk insert.
func (s *Store) lockOrg(ctx context.Context, tx pgTx, o *bulkOrg) error {
	if o.locked {
		return nil
	}
	err := tx.QueryRowContext(ctx, `SELECT contract_accounts,
		(SELECT COUNT(*) FROM accounts WHERE org_id = orgs.id AND kind = 'contracted')
		FROM orgs WHERE id = ? FOR NO KEY UPDATE`, o.id).Scan(&o.limit, &o.used)
	o.locked = err == nil
	return err
}

// insertAccounts inserts out with multi-row INSERTs and returns the new
// ids by email (matching by the unique email does not rely on the order
// RETURNING produces).
func insertAccounts(ctx context.Context, tx pgTx, out []store.Account) (map[string]int64, error) {
	ids := make(map[string]int64, len(out))
	for start := 0; start < len(out); start += bulkChunk {
		chunk := out[start:min(start+bulkChunk, len(out))]
		var b strings.Builder
		b.WriteString(`INSERT INTO accounts (email, display_name, password_hash, sso_issuer, sso_subject, kind, org_id,
			role, status, email_confirmed, valid_from, valid_until, created_at, updated_at, version) VALUES `)
		args := make([]any, 0, len(chunk)*14)
		for i, a := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
			args = append(args, a.Email, a.DisplayName, a.PasswordHash, storesql.NullStr(a.SSOIssuer), storesql.NullStr(a.SSOSubject),
				a.Kind, storesql.NullID(a.OrgID), a.Role, a.Status, a.EmailConfirmed, nullTime(a.ValidFrom), nullTime(a.ValidUntil),
				a.CreatedAt, a.UpdatedAt)
		}
		b.WriteString(` RETURNING id, email`)
		if err := collectIDs(ctx, tx, b.String(), args, ids); err != nil {
			if isUnique(err) { // a concurrent insert won the race
				return nil, fmt.Errorf("accounts: email or SSO identity %w", store.ErrConflict)
			}
			return nil, fmt.Errorf("insert accounts: %w", err)
		}
	}
	return ids, nil
}

func collectIDs(ctx context.Context, tx pgTx, q string, args []any, ids map[string]int64) error {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var id int64
		var key string
		if err := rs.Scan(&id, &key); err != nil {
			return err
		}
		ids[key] = id
	}
	return rs.Err()
}

// insertPersonalRooms creates the personal rooms of the rows that ask for
// one, appending -2, -3... to slugs taken in the database or the batch.
func (s *Store) insertPersonalRooms(ctx context.Context, tx pgTx, rows []store.NewAccount, out []store.Account) error {
	var bases []string
	for _, r := range rows {
		if r.PersonalRoom != nil {
			bases = append(bases, r.PersonalRoom.Slug)
		}
	}
	if len(bases) == 0 {
		return nil
	}
	taken, err := s.existing(ctx, tx, `SELECT slug FROM rooms WHERE slug = ANY(?)`, bases)
	if err != nil {
		return err
	}
	var rooms []store.Room
	for i, r := range rows {
		if r.PersonalRoom == nil {
			continue
		}
		room := *r.PersonalRoom
		room.OrgID, room.PersonalOf = out[i].OrgID, out[i].ID
		room.CreatedAt, room.UpdatedAt = out[i].CreatedAt, out[i].CreatedAt
		if room.WhoMayShare == "" {
			room.WhoMayShare = store.ShareEveryone
		}
		base := room.Slug
		for n := 2; taken[room.Slug]; n++ {
			room.Slug = fmt.Sprintf("%s-%d", base, n)
			if !taken[room.Slug] {
				var c int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM rooms WHERE slug = ?`, room.Slug).Scan(&c); err != nil {
					return err
				}
				taken[room.Slug] = c > 0
			}
		}
		taken[room.Slug] = true
		rooms = append(rooms, room)
	}
	for start := 0; start < len(rooms); start += bulkChunk {
		chunk := rooms[start:min(start+bulkChunk, len(rooms))]
		var b strings.Builder
		b.WriteString(`INSERT INTO rooms (org_id, slug, title, description, capacity, pin, guests_allowed, lobby,
			who_may_share, personal_of, created_at, updated_at, version) VALUES `)
		args := make([]any, 0, len(chunk)*12)
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
			args = append(args, r.OrgID, r.Slug, r.Title, r.Description, r.Capacity, r.PIN, r.GuestsAllowed, r.Lobby,
				r.WhoMayShare, r.PersonalOf, r.CreatedAt, r.UpdatedAt)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			if isUnique(err) {
				return fmt.Errorf("personal rooms: slug %w", store.ErrConflict)
			}
			return fmt.Errorf("insert personal rooms: %w", err)
		}
	}
	return nil
}

// nullTime binds the zero time as NULL ("unset").
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
