// Package store holds confer's persistent domain types and the Store
// interface that every storage backend (SQLite, PostgreSQL) implements.
// Business rules (slug syntax, validity, roles, bootstrap) live in
// internal/directory; a Store only persists and enforces the invariants the
// database itself can guarantee atomically (uniqueness, references,
// contract limits, optimistic concurrency).
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Implementations wrap them with %w and a subject, so
// err.Error() reads as one line such as `room "x": slug already taken`.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already taken")
	// ErrStale is returned by Update* when the version passed in is no
	// longer current. It matches ErrConflict too (errors.Is).
	ErrStale error = &childError{"changed by someone else, reload", ErrConflict}
	// ErrLimit: the org's contract allows no more accounts or rooms.
	ErrLimit = errors.New("contract limit reached")
)

// IsRefusal reports whether err refuses the input (not found, conflict,
// limit) as opposed to a failure of the database.
func IsRefusal(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrLimit)
}

// Conflict returns an error that matches ErrConflict but reads msg, for
// conflicts other than a taken name (`org "x": still has accounts`).
func Conflict(msg string) error { return &childError{msg, ErrConflict} }

type childError struct {
	msg    string
	parent error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.parent }

// List sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ListOptions page and search a list. Query matches case-insensitively as
// a substring of slug/name/title/email (whichever the entity has).
type ListOptions struct {
	Query  string
	Limit  int // 0 = DefaultLimit; larger than MaxLimit is capped
	Offset int
}

// Norm returns o with Limit and Offset in range and Query trimmed/lowered.
func (o ListOptions) Norm() ListOptions {
	if o.Limit <= 0 {
		o.Limit = DefaultLimit
	}
	if o.Limit > MaxLimit {
		o.Limit = MaxLimit
	}
	if o.Offset < 0 {
		o.Offset = 0
	}
	o.Query = strings.ToLower(strings.TrimSpace(o.Query))
	return o
}

// Page is one page of a list and the number of matches over all pages.
type Page[T any] struct {
	Items []T // never nil
	Total int
}

// RoomFilter selects rooms; zero fields do not filter.
type RoomFilter struct {
	ListOptions
	OrgID         int64 // only this org's rooms (tenant scoping)
	HostAccountID int64 // only rooms where this account is host or moderator
}

// AccountFilter selects accounts; zero fields do not filter.
type AccountFilter struct {
	ListOptions
	OrgID  int64 // only this org's accounts (tenant scoping)
	Kind   string
	Role   string
	Status string
}

// AccountSet names the accounts of a bulk operation: the given IDs, or
// every personal account when AllPersonal is set (IDs then ignored).
// OrgID, when set, further restricts the set (org admins' bulk actions).
type AccountSet struct {
	IDs         []int64
	AllPersonal bool
	OrgID       int64
}

// NewAccount is one row of CreateAccounts: an account and, optionally,
// its personal room created in the same transaction. The room's Slug is a
// base: the store appends -2, -3... when it is taken.
type NewAccount struct {
	Account      Account
	PersonalRoom *Room
}

// RowError is the failure of one row of a bulk insert (Row counts from 0).
type RowError struct {
	Row int
	Err error
}

// BulkError lists every failing row; nothing was written.
type BulkError struct{ Rows []RowError }

func (e *BulkError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d row(s) refused, nothing written", len(e.Rows))
	for i, r := range e.Rows {
		if i == 3 {
			fmt.Fprintf(&b, "; …")
			break
		}
		fmt.Fprintf(&b, "; row %d: %v", r.Row+1, r.Err)
	}
	return b.String()
}

// Store is the persistence boundary. All methods are safe for concurrent
// use. Create methods return the stored value with ID, CreatedAt, UpdatedAt
// and Version set. Update methods take the Version that was read and
// return ErrStale (which is also ErrConflict) when it changed meanwhile,
// ErrNotFound when the row is gone; they return the new value.
type Store interface {
	// CreateOrg inserts o; a taken slug yields ErrConflict.
	CreateOrg(ctx context.Context, o Org) (Org, error)
	OrgByID(ctx context.Context, id int64) (Org, error)
	// OrgBySlug returns ErrNotFound when no org has that slug.
	OrgBySlug(ctx context.Context, slug string) (Org, error)
	// ListOrgs returns orgs ordered by slug; Query matches slug and name.
	ListOrgs(ctx context.Context, opts ListOptions) (Page[Org], error)
	// UpdateOrg writes name, kind, status, contact and contract of o.ID.
	UpdateOrg(ctx context.Context, o Org) (Org, error)
	// DeleteOrg removes the org with its rooms; accounts still in it
	// make it fail with ErrConflict.
	DeleteOrg(ctx context.Context, id int64) error

	// CreateRoom inserts r under r.OrgID, or under the org named by
	// r.OrgSlug when OrgID is 0. A missing org yields ErrNotFound, a taken
	// room slug ErrConflict, a full contract (Contract.MaxRooms) ErrLimit.
	CreateRoom(ctx context.Context, r Room) (Room, error)
	RoomByID(ctx context.Context, id int64) (Room, error)
	// RoomBySlug returns the room with OrgSlug and OrgStatus filled.
	RoomBySlug(ctx context.Context, slug string) (Room, error)
	// PersonalRoom returns the personal room of an account.
	PersonalRoom(ctx context.Context, accountID int64) (Room, error)
	// ListRooms returns rooms ordered by slug; Query matches slug and title.
	ListRooms(ctx context.Context, f RoomFilter) (Page[Room], error)
	// UpdateRoom writes title, description, capacity, PIN, guests, lobby
	// and who-may-share of r.ID.
	UpdateRoom(ctx context.Context, r Room) (Room, error)
	DeleteRoom(ctx context.Context, id int64) error

	// SetRoomHost adds or changes an account's role in a room.
	SetRoomHost(ctx context.Context, roomID, accountID int64, role string) error
	RemoveRoomHost(ctx context.Context, roomID, accountID int64) error
	// RoomHosts lists a room's hosts and moderators ordered by email.
	RoomHosts(ctx context.Context, roomID int64) ([]RoomHost, error)

	// CreateAccount inserts a; the email is lowercased and must be unique
	// (ErrConflict otherwise), as must the SSO identity. A contracted
	// account beyond its org's Contract.Accounts yields ErrLimit.
	CreateAccount(ctx context.Context, a Account) (Account, error)
	// CreateAccounts inserts all rows in one transaction, or none: on any
	// refused row it returns a *BulkError listing every refused row.
	CreateAccounts(ctx context.Context, rows []NewAccount) ([]Account, error)
	AccountByID(ctx context.Context, id int64) (Account, error)
	// AccountByEmail looks the email up case-insensitively.
	AccountByEmail(ctx context.Context, email string) (Account, error)
	AccountBySSO(ctx context.Context, issuer, subject string) (Account, error)
	// ListAccounts returns accounts ordered by email; Query matches email
	// and display name.
	ListAccounts(ctx context.Context, f AccountFilter) (Page[Account], error)
	// UpdateAccount writes email, display name, SSO identity, kind, org
	// (OrgID), role, status, email-confirmed and validity of a.ID.
	UpdateAccount(ctx context.Context, a Account) (Account, error)
	// SetPassword replaces the password hash; it does not need a version
	// (a password change should not fail over a profile edit).
	SetPassword(ctx context.Context, accountID int64, hash string) error
	DeleteAccount(ctx context.Context, id int64) error
	// SetValidUntil sets valid_until (zero = no end) on every account in
	// set and returns how many changed.
	SetValidUntil(ctx context.Context, set AccountSet, until time.Time) (int, error)
	// CountPlatformAdmins counts accounts with RolePlatformAdmin.
	CountPlatformAdmins(ctx context.Context) (int, error)

	CreateSession(ctx context.Context, s Session) (Session, error)
	// SessionByHash returns ErrNotFound for unknown or expired sessions.
	SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error)
	// TouchSession records activity and slides the expiry.
	TouchSession(ctx context.Context, id int64, lastSeen, expires time.Time) error
	ListSessions(ctx context.Context, accountID int64) ([]Session, error)
	// DeleteSession removes one session of accountID (0: of anyone).
	DeleteSession(ctx context.Context, accountID, id int64) error
	// DeleteAccountSessions signs an account out everywhere but exceptID.
	DeleteAccountSessions(ctx context.Context, accountID, exceptID int64) (int, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	CreateAPIToken(ctx context.Context, t APIToken) (APIToken, error)
	// APITokenByHash returns revoked and expired tokens too; the caller
	// checks them (to say why).
	APITokenByHash(ctx context.Context, hash string) (APIToken, error)
	// ListAPITokens lists an account's tokens (0: everyone's), newest first.
	ListAPITokens(ctx context.Context, accountID int64) ([]APIToken, error)
	// RevokeAPIToken revokes a token of accountID (0: of anyone).
	RevokeAPIToken(ctx context.Context, accountID, id int64) error
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error

	CreateOneTimeToken(ctx context.Context, t OneTimeToken) (OneTimeToken, error)
	// UseOneTimeToken marks the token used and returns it, atomically, so
	// a link works once; unknown, used, expired or other-purpose tokens
	// yield ErrNotFound.
	UseOneTimeToken(ctx context.Context, hash, purpose string, now time.Time) (OneTimeToken, error)

	Close() error
}
