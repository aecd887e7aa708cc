package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/store"
)

// Bootstrap defaults.
const (
	BootstrapAdminEmail = "admin@localhost"
	DemoOrgSlug         = "demo"
	DemoRoomSlug        = "demo"
)

// BootstrapResult tells the caller what Bootstrap did. AdminPassword is set
// only when AdminCreated: it is stored nowhere else (only its hash is), so
// the caller must show it once.
type BootstrapResult struct {
	AdminEmail    string
	AdminPassword string
	AdminCreated  bool
	DemoRoom      string // slug of the dev demo room, "" unless dev
}

// Bootstrap makes a fresh install usable and is safe to run at every start:
// it creates the platform admin if none exists and, when dev is set, an
// open demo org and room.
func (d *Directory) Bootstrap(ctx context.Context, dev bool) (BootstrapResult, error) {
	var res BootstrapResult
	n, err := d.st.CountPlatformAdmins(ctx)
	if err != nil {
		return res, fmt.Errorf("bootstrap: %w", err)
	}
	if n == 0 {
		pw := auth.RandomPassword()
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return res, fmt.Errorf("bootstrap: %w", err)
		}
		_, err = d.st.CreateAccount(ctx, store.Account{
			Email: BootstrapAdminEmail, DisplayName: "Platform admin",
			PasswordHash: hash, Role: store.RolePlatformAdmin, EmailConfirmed: true,
		})
		switch {
		case err == nil:
			res.AdminEmail, res.AdminPassword, res.AdminCreated = BootstrapAdminEmail, pw, true
		case errors.Is(err, store.ErrConflict):
			// Another process bootstrapped first (or the address exists
			// without admin rights, which only a later accounts feature
			// could cause); either way there is no password to show.
			res.AdminEmail = BootstrapAdminEmail
		default:
			return res, fmt.Errorf("bootstrap admin: %w", err)
		}
	}
	if dev {
		if err := d.ensureDemo(ctx); err != nil {
			return res, fmt.Errorf("bootstrap demo: %w", err)
		}
		res.DemoRoom = DemoRoomSlug
	}
	return res, nil
}

// ensureDemo creates the demo org and room unless they exist. Conflicts are
// success: whoever created them first, they are there now.
func (d *Directory) ensureDemo(ctx context.Context) error {
	_, err := d.CreateOrg(ctx, store.Org{Slug: DemoOrgSlug, Name: "Demo", Kind: store.KindOther})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	_, err = d.CreateRoom(ctx, store.Room{OrgSlug: DemoOrgSlug, Slug: DemoRoomSlug, Title: "Demo room", GuestsAllowed: true})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}
