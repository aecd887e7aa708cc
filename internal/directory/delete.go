package directory

import (
	"context"
	"fmt"

	"github.com/confer-dev/confer/internal/store"
)

// DeleteOrg removes the org named slug. While it still has accounts or
// rooms it refuses (a store.ErrConflict saying how many) unless force is
// set: then its accounts go first, one by one, and its rooms with the
// org. A forced delete that fails midway leaves the accounts already
// deleted gone; running it again finishes it.
func (d *Directory) DeleteOrg(ctx context.Context, slug string, force bool) error {
	o, err := d.OrgBySlug(ctx, slug)
	if err != nil {
		return err
	}
	if o.Slug == store.PersonalOrgSlug {
		return invalid(fmt.Sprintf("org %q", slug), "holds the personal accounts and cannot be deleted")
	}
	accounts, err := d.st.ListAccounts(ctx, store.AccountFilter{OrgID: o.ID, ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	if err != nil {
		return fmt.Errorf("delete org %q: %w", slug, err)
	}
	rooms, err := d.st.ListRooms(ctx, store.RoomFilter{OrgID: o.ID, ListOptions: store.ListOptions{Limit: 1}})
	if err != nil {
		return fmt.Errorf("delete org %q: %w", slug, err)
	}
	if (accounts.Total > 0 || rooms.Total > 0) && !force {
		return fmt.Errorf("org %q: %w", slug, store.Conflict(fmt.Sprintf(
			"still has %d account(s) and %d room(s): delete or move them first, or delete with force, which deletes them too",
			accounts.Total, rooms.Total)))
	}
	for accounts.Total > 0 {
		for _, a := range accounts.Items {
			if err := d.DeleteAccount(ctx, a.ID); err != nil {
				return fmt.Errorf("delete org %q: %w", slug, err)
			}
		}
		// Next batch (the deleted ones no longer appear).
		accounts, err = d.st.ListAccounts(ctx, store.AccountFilter{OrgID: o.ID, ListOptions: store.ListOptions{Limit: store.MaxLimit}})
		if err != nil {
			return fmt.Errorf("delete org %q: %w", slug, err)
		}
	}
	if err := d.st.DeleteOrg(ctx, o.ID); err != nil {
		return fmt.Errorf("delete org %q: %w", slug, err)
	}
	return nil
}

// DeleteAccount removes an account with its sessions, tokens, room host
// assignments and personal room. The last platform admin cannot go: the
// platform would be left without anyone to administer it.
func (d *Directory) DeleteAccount(ctx context.Context, id int64) error {
	a, err := d.st.AccountByID(ctx, id)
	if err != nil {
		return err
	}
	if a.IsPlatformAdmin() {
		n, err := d.st.CountPlatformAdmins(ctx)
		if err != nil {
			return fmt.Errorf("delete account %q: %w", a.Email, err)
		}
		if n <= 1 {
			return invalid(fmt.Sprintf("account %q", a.Email), "is the last platform admin; make someone else platform admin first")
		}
	}
	return d.st.DeleteAccount(ctx, id)
}
