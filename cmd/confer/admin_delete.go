package main

import (
	"context"
	"fmt"

	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/store"
)

// accountResetLink prints a one-time password reset link, for an operator
// helping someone who cannot sign in (no mail server needed).
func (e *adminEnv) accountResetLink(ctx context.Context, args []string) error {
	fs := e.flags("confer admin account reset-link")
	email := fs.String("email", "", "account email")
	public := fs.String("public-url", e.publicURL, "address people reach the service at (default $CONFER_PUBLIC_URL)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "email"); err != nil {
		return err
	}
	base, err := config.ParsePublicURL(*public)
	if err != nil {
		return usagef("admin account reset-link: --public-url %v", err)
	}
	if base == "" {
		return usagef("admin account reset-link: set --public-url or CONFER_PUBLIC_URL (e.g. https://meet.example.org)")
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		a, err := d.AccountByEmail(ctx, *email)
		if err != nil {
			return err
		}
		secret, err := d.IssueOneTimeToken(ctx, a.ID, store.PurposePasswordReset, login.ResetTTL)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, login.ResetLink(base, secret))
		return nil
	})
}

func (e *adminEnv) orgDelete(ctx context.Context, args []string) error {
	fs := e.flags("confer admin org delete")
	slug := fs.String("slug", "", "org slug")
	force := fs.Bool("force", false, "also delete its accounts and rooms")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		if err := d.DeleteOrg(ctx, *slug, *force); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "org %q deleted\n", *slug)
		return nil
	})
}

func (e *adminEnv) roomDelete(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room delete")
	slug := fs.String("slug", "", "room slug")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		if err := d.DeleteRoom(ctx, *slug); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "room %q deleted\n", *slug)
		return nil
	})
}
