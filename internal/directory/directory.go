// Package directory applies confer's business rules (who and what may
// exist: orgs, rooms, the platform admin) on top of a store.Store. The
// HTTP API and the admin CLI both go through it so they refuse the same
// input with the same messages.
package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/confer-dev/confer/internal/store"
)

// DefaultMaxCapacity is the room capacity ceiling when Options leaves it 0.
const DefaultMaxCapacity = 50

// Options tune a Directory.
type Options struct {
	MaxCapacity int // largest allowed room capacity; 0 means DefaultMaxCapacity
}

// Directory is safe for concurrent use.
type Directory struct {
	st   store.Store
	opts Options
}

// New returns a Directory over st.
func New(st store.Store, opts Options) *Directory {
	if opts.MaxCapacity <= 0 {
		opts.MaxCapacity = DefaultMaxCapacity
	}
	return &Directory{st: st, opts: opts}
}

// MaxCapacity is the effective room capacity ceiling.
func (d *Directory) MaxCapacity() int { return d.opts.MaxCapacity }

// CreateOrg validates and stores a new active org. Only Slug, Name and
// Kind ("" means store.KindOther) of in are used.
func (d *Directory) CreateOrg(ctx context.Context, in store.Org) (store.Org, error) {
	name := strings.TrimSpace(in.Name)
	kind := in.Kind
	if kind == "" {
		kind = store.KindOther
	}
	if err := checkSlug("org", in.Slug); err != nil {
		return store.Org{}, err
	}
	if name == "" {
		return store.Org{}, invalid("org name", "must not be empty")
	}
	if err := checkKind(kind); err != nil {
		return store.Org{}, err
	}
	return d.st.CreateOrg(ctx, store.Org{Slug: in.Slug, Name: name, Kind: kind, Status: store.StatusActive})
}

// CreateRoom validates and stores a new room in the existing org in.OrgSlug.
// Of in, these are used: OrgSlug, Slug, Title ("" means the slug), Capacity
// (0 means "not given": MaxCapacity), PIN ("" for none, else 4-10 digits)
// and GuestsAllowed.
func (d *Directory) CreateRoom(ctx context.Context, in store.Room) (store.Room, error) {
	if err := checkSlug("org", in.OrgSlug); err != nil {
		return store.Room{}, err
	}
	if err := checkSlug("room", in.Slug); err != nil {
		return store.Room{}, err
	}
	capacity := in.Capacity
	if capacity == 0 {
		capacity = d.opts.MaxCapacity
	}
	if err := d.ValidateCapacity(capacity); err != nil {
		return store.Room{}, err
	}
	if err := checkPIN(in.PIN); err != nil {
		return store.Room{}, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = in.Slug
	}
	// The store resolves the org slug inside the insert transaction, so an
	// unknown org comes back as ErrNotFound and nothing is written.
	return d.st.CreateRoom(ctx, store.Room{
		OrgSlug: in.OrgSlug, Slug: in.Slug, Title: title, Capacity: capacity,
		PIN: in.PIN, GuestsAllowed: in.GuestsAllowed,
	})
}

// RoomBySlug returns a room with its org's slug and status.
func (d *Directory) RoomBySlug(ctx context.Context, slug string) (store.Room, error) {
	if !ValidSlug(slug) {
		// Skip the query; the caller sees the same answer as for a
		// well-formed slug that does not exist.
		return store.Room{}, notFound("room", slug)
	}
	return d.st.RoomBySlug(ctx, slug)
}

// OrgBySlug returns an org.
func (d *Directory) OrgBySlug(ctx context.Context, slug string) (store.Org, error) {
	if !ValidSlug(slug) {
		return store.Org{}, notFound("org", slug)
	}
	return d.st.OrgBySlug(ctx, slug)
}

// ListOrgs returns a page of orgs ordered by slug.
func (d *Directory) ListOrgs(ctx context.Context, opts store.ListOptions) (store.Page[store.Org], error) {
	return d.st.ListOrgs(ctx, opts.Norm())
}

// ListRooms returns a page of rooms ordered by slug. Set f.OrgID to scope
// the list to one tenant.
func (d *Directory) ListRooms(ctx context.Context, f store.RoomFilter) (store.Page[store.Room], error) {
	f.ListOptions = f.ListOptions.Norm()
	return d.st.ListRooms(ctx, f)
}

// notFound mirrors the store's `org "x": not found` wording.
func notFound(what, slug string) error {
	return fmt.Errorf("%s %q: %w", what, slug, store.ErrNotFound)
}

// IsUserError reports whether err is the caller's fault (invalid input,
// unknown or taken name) rather than an internal failure.
func IsUserError(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict)
}
