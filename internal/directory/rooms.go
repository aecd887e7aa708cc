package directory

import (
	"context"
	"fmt"
	"strings"

	"github.com/confer-dev/confer/internal/store"
)

// CreateRoom validates and stores a new room in the existing org in.OrgSlug
// (or in.OrgID when OrgSlug is ""). Of in, these are used: Slug, Title (""
// means the slug), Description, Capacity (0 means "not given":
// MaxCapacity), PIN ("" for none, else 4-10 digits), GuestsAllowed, Lobby
// and WhoMayShare. The org's Contract.MaxRooms is enforced by the store.
func (d *Directory) CreateRoom(ctx context.Context, in store.Room) (store.Room, error) {
	if in.OrgSlug != "" || in.OrgID == 0 {
		if err := checkSlug("org", in.OrgSlug); err != nil {
			return store.Room{}, err
		}
		in.OrgID = 0
	}
	if in.OrgID != 0 {
		o, err := d.st.OrgByID(ctx, in.OrgID)
		if err != nil {
			return store.Room{}, err
		}
		in.OrgSlug = o.Slug
	}
	if in.OrgSlug == store.PersonalOrgSlug {
		return store.Room{}, invalid("org", "personal rooms are created with their personal account")
	}
	if err := checkSlug("room", in.Slug); err != nil {
		return store.Room{}, err
	}
	if in.Capacity == 0 {
		in.Capacity = d.opts.MaxCapacity
	}
	r, err := d.cleanRoom(in)
	if err != nil {
		return store.Room{}, err
	}
	r.PersonalOf = 0
	// The store resolves the org inside the insert transaction, so an
	// unknown org comes back as ErrNotFound and nothing is written.
	return d.st.CreateRoom(ctx, r)
}

// cleanRoom trims and validates a room's editable settings.
func (d *Directory) cleanRoom(r store.Room) (store.Room, error) {
	if err := d.ValidateCapacity(r.Capacity); err != nil {
		return r, err
	}
	if err := checkPIN(r.PIN); err != nil {
		return r, err
	}
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" {
		r.Title = r.Slug
	}
	r.Description = strings.TrimSpace(r.Description)
	if len(r.Title) > 200 || len(r.Description) > 2000 {
		return r, invalid("room", "title (200) or description (2000 characters) too long")
	}
	if r.WhoMayShare == "" {
		r.WhoMayShare = store.ShareEveryone
	}
	if r.WhoMayShare != store.ShareEveryone && r.WhoMayShare != store.ShareModerators {
		return r, invalid(fmt.Sprintf("who may share %q", r.WhoMayShare), "must be everyone or moderators")
	}
	return r, nil
}

// UpdateRoom validates and writes the settings of r (by r.ID), refusing
// with store.ErrStale when r.Version is outdated.
func (d *Directory) UpdateRoom(ctx context.Context, r store.Room) (store.Room, error) {
	r, err := d.cleanRoom(r)
	if err != nil {
		return store.Room{}, err
	}
	return d.st.UpdateRoom(ctx, r)
}

// EditRoom reads the room by slug, applies edit and writes it, retrying on
// concurrent changes: for the CLI's one-setting commands.
func (d *Directory) EditRoom(ctx context.Context, slug string, edit func(*store.Room) error) (store.Room, error) {
	var out store.Room
	err := retryStale(func() error {
		r, err := d.RoomBySlug(ctx, slug)
		if err != nil {
			return err
		}
		if err := edit(&r); err != nil {
			return err
		}
		out, err = d.UpdateRoom(ctx, r)
		return err
	})
	return out, err
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

// RoomByID returns a room.
func (d *Directory) RoomByID(ctx context.Context, id int64) (store.Room, error) {
	return d.st.RoomByID(ctx, id)
}

// ListRooms returns a page of rooms ordered by slug. Set f.OrgID to scope
// the list to one tenant, f.HostAccountID for "my rooms".
func (d *Directory) ListRooms(ctx context.Context, f store.RoomFilter) (store.Page[store.Room], error) {
	f.ListOptions = f.ListOptions.Norm()
	return d.st.ListRooms(ctx, f)
}

// DeleteRoom removes a room. Personal rooms go with their account.
func (d *Directory) DeleteRoom(ctx context.Context, slug string) error {
	r, err := d.RoomBySlug(ctx, slug)
	if err != nil {
		return err
	}
	if r.PersonalOf != 0 {
		return invalid(fmt.Sprintf("room %q", slug), "is a personal room; it goes with its account")
	}
	return d.st.DeleteRoom(ctx, r.ID)
}

// SetRoomHost makes the account with that email host or moderator of the
// room. Org rooms accept only accounts of the same org (tenant isolation);
// personal rooms accept anyone, as their owner invites colleagues.
func (d *Directory) SetRoomHost(ctx context.Context, roomSlug, email, role string) error {
	if role != store.RoomRoleHost && role != store.RoomRoleModerator {
		return invalid(fmt.Sprintf("room role %q", role), "must be host or moderator")
	}
	r, err := d.RoomBySlug(ctx, roomSlug)
	if err != nil {
		return err
	}
	a, err := d.st.AccountByEmail(ctx, email)
	if err != nil {
		return err
	}
	if r.PersonalOf == 0 && a.OrgID != r.OrgID {
		return invalid(fmt.Sprintf("account %s", a.Email), "belongs to another organisation than room %q", r.Slug)
	}
	return d.st.SetRoomHost(ctx, r.ID, a.ID, role)
}

// RemoveRoomHost takes an account's host or moderator role in a room away.
func (d *Directory) RemoveRoomHost(ctx context.Context, roomSlug, email string) error {
	r, err := d.RoomBySlug(ctx, roomSlug)
	if err != nil {
		return err
	}
	a, err := d.st.AccountByEmail(ctx, email)
	if err != nil {
		return err
	}
	return d.st.RemoveRoomHost(ctx, r.ID, a.ID)
}

// RoomHosts lists a room's hosts and moderators.
func (d *Directory) RoomHosts(ctx context.Context, roomID int64) ([]store.RoomHost, error) {
	return d.st.RoomHosts(ctx, roomID)
}
