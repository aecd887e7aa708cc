package main

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/directory"
)

type tokenJSON struct {
	ID        int64      `json:"id"`
	AccountID int64      `json:"account_id"`
	Name      string     `json:"name"`
	Scopes    string     `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used"`
	ExpiresAt *time.Time `json:"expires_at"`
	Revoked   bool       `json:"revoked"`
}

func (e *adminEnv) tokenCreate(ctx context.Context, args []string) error {
	fs := e.flags("confer admin token create")
	email := fs.String("email", "", "account the token acts as")
	name := fs.String("name", "", "what the token is for")
	scopes := fs.String("scopes", "", "space-separated scopes")
	expires := fs.String("expires", "", "last valid day YYYY-MM-DD (default: never)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "email", "name"); err != nil {
		return err
	}
	var exp time.Time
	if *expires != "" {
		var err error
		if exp, err = directory.ParseDate(*expires, nil); err != nil {
			return err
		}
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		a, err := d.AccountByEmail(ctx, *email)
		if err != nil {
			return err
		}
		secret, t, err := d.CreateAPIToken(ctx, a, *name, *scopes, exp)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token #%d %q created for %s\n%s\n(shown only now; only its hash is stored)\n", t.ID, t.Name, a.Email, secret)
		return nil
	})
}

func (e *adminEnv) tokenList(ctx context.Context, args []string) error {
	fs := e.flags("confer admin token list")
	email := fs.String("email", "", "only this account's tokens")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		var id int64
		if *email != "" {
			a, err := d.AccountByEmail(ctx, *email)
			if err != nil {
				return err
			}
			id = a.ID
		}
		tokens, err := d.ListAPITokens(ctx, id)
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]tokenJSON, 0, len(tokens))
			for _, t := range tokens {
				out = append(out, tokenJSON{t.ID, t.AccountID, t.Name, t.Scopes, t.CreatedAt.UTC(), timePtr(t.LastUsed),
					timePtr(t.ExpiresAt), t.Revoked})
			}
			return writeJSON(e.stdout, out)
		}
		tw := newTable(e.stdout)
		fmt.Fprintln(tw, "ID\tACCOUNT\tNAME\tSCOPES\tEXPIRES\tLAST USED\tREVOKED")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%d\t#%d\t%s\t%s\t%s\t%s\t%v\n", t.ID, t.AccountID, cell(t.Name), cell(t.Scopes),
				day(t.ExpiresAt), day(t.LastUsed), t.Revoked)
		}
		return tw.Flush()
	})
}

func (e *adminEnv) tokenRevoke(ctx context.Context, args []string) error {
	fs := e.flags("confer admin token revoke")
	id := fs.Int64("id", 0, "token id (see token list)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "id"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		if err := d.RevokeAPIToken(ctx, 0, *id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token #%d revoked\n", *id)
		return nil
	})
}
