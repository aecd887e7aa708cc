// Package store holds confer's persistent domain types and the Store
// interface that every storage backend (SQLite now, PostgreSQL later)
// implements. Business rules (slug syntax, capacity limits, bootstrap)
// live in internal/directory; a Store only persists and enforces the
// invariants the database itself can guarantee (uniqueness, references).
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Implementations wrap them with %w and a subject, so
// err.Error() reads as one line such as `room "x": slug already taken`.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already taken")
)

// Org kinds. The list is closed for now; directory validates against it.
const (
	KindHealthcare          = "healthcare"
	KindLocalAdministration = "local-administration"
	KindMemberEntity        = "member-entity"
	KindBusiness            = "business"
	KindSchool              = "school"
	KindOther               = "other"
)

// OrgKinds lists the valid org kinds in display order.
func OrgKinds() []string {
	return []string{KindHealthcare, KindLocalAdministration, KindMemberEntity,
		KindBusiness, KindSchool, KindOther}
}

// Org statuses. A suspended org keeps its data but its rooms refuse joins.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Org is a tenant: a clinic, a town hall, a school...
type Org struct {
	ID        int64
	Slug      string
	Name      string
	Kind      string
	Status    string // StatusActive or StatusSuspended; "" on create means active
	CreatedAt time.Time
}

// Room is a persistent meeting room owned by an org. Room slugs are unique
// platform-wide so a join URL needs only the room slug.
type Room struct {
	ID            int64
	OrgID         int64
	OrgSlug       string // filled on reads; on create used when OrgID is 0
	OrgStatus     string // filled on reads
	Slug          string
	Title         string
	Capacity      int
	PIN           string // stored as is: hosts must be able to read it back
	GuestsAllowed bool
	CreatedAt     time.Time
}

// Account is a person who can sign in. Minimal for now: the platform admin.
type Account struct {
	ID            int64
	Email         string // stored and compared lowercase
	DisplayName   string
	PasswordHash  string // argon2id PHC string, never the password
	PlatformAdmin bool
	CreatedAt     time.Time
}

// Store is the persistence boundary. All methods are safe for concurrent
// use. Create methods return the stored value with ID and CreatedAt set.
type Store interface {
	// CreateOrg inserts o; a taken slug yields ErrConflict.
	CreateOrg(ctx context.Context, o Org) (Org, error)
	// OrgBySlug returns ErrNotFound when no org has that slug.
	OrgBySlug(ctx context.Context, slug string) (Org, error)
	// ListOrgs returns all orgs ordered by slug.
	ListOrgs(ctx context.Context) ([]Org, error)

	// CreateRoom inserts r under r.OrgID, or under the org named by
	// r.OrgSlug when OrgID is 0. A missing org yields ErrNotFound, a taken
	// room slug ErrConflict.
	CreateRoom(ctx context.Context, r Room) (Room, error)
	// RoomBySlug returns the room with OrgSlug and OrgStatus filled.
	RoomBySlug(ctx context.Context, slug string) (Room, error)
	// ListRooms returns rooms ordered by slug, all of them when orgSlug is
	// "", else those of that org (ErrNotFound if the org does not exist).
	ListRooms(ctx context.Context, orgSlug string) ([]Room, error)

	// CreateAccount inserts a; the email is lowercased and must be unique
	// (ErrConflict otherwise).
	CreateAccount(ctx context.Context, a Account) (Account, error)
	// AccountByEmail looks the email up case-insensitively.
	AccountByEmail(ctx context.Context, email string) (Account, error)
	// CountPlatformAdmins counts accounts with PlatformAdmin set.
	CountPlatformAdmins(ctx context.Context) (int, error)

	Close() error
}
