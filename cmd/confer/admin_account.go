package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/store"
)

type accountJSON struct {
	ID             int64      `json:"id"`
	Email          string     `json:"email"`
	DisplayName    string     `json:"display_name"`
	Kind           string     `json:"kind"`
	Org            string     `json:"org"`
	Role           string     `json:"role"`
	Status         string     `json:"status"`
	EmailConfirmed bool       `json:"email_confirmed"`
	SSO            bool       `json:"sso"`
	ValidFrom      *time.Time `json:"valid_from"`
	ValidUntil     *time.Time `json:"valid_until"`
	Version        int64      `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
}

func toAccountJSON(a store.Account) accountJSON {
	return accountJSON{a.ID, a.Email, a.DisplayName, a.Kind, a.OrgSlug, a.Role, a.Status, a.EmailConfirmed,
		a.SSOSubject != "", timePtr(a.ValidFrom), timePtr(a.ValidUntil), a.Version, a.CreatedAt.UTC()}
}

func (e *adminEnv) accountAdd(ctx context.Context, args []string) error {
	fs := e.flags("confer admin account add")
	email := fs.String("email", "", "email address (sign-in name)")
	name := fs.String("name", "", "display name")
	kind := fs.String("kind", store.AccountContracted, "contracted or personal")
	org := fs.String("org", "", "org slug (contracted accounts)")
	role := fs.String("role", store.RoleMember, "platform-admin, org-admin, host or member")
	until := fs.String("valid-until", "", "last valid day YYYY-MM-DD")
	password := fs.String("password", "", "password (default: generated and printed once)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "email"); err != nil {
		return err
	}
	in := store.Account{Email: *email, DisplayName: *name, Kind: *kind, OrgSlug: *org, Role: *role, EmailConfirmed: true}
	if *until != "" {
		d, err := directory.ParseDate(*until, nil)
		if err != nil {
			return err
		}
		in.ValidUntil = d
	}
	pw, generated := *password, false
	if !isSet(fs, "password") {
		pw, generated = auth.RandomPassword(), true
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		a, err := d.CreateAccount(ctx, in, pw)
		if err != nil {
			return err
		}
		where := a.OrgSlug
		if where == "" {
			where = "no org"
		}
		fmt.Fprintf(e.stdout, "account %s created (%s, %s, %s, valid until %s)\n", a.Email, a.Kind, a.Role, where, day(a.ValidUntil))
		if a.Kind == store.AccountPersonal {
			if r, err := d.Store().PersonalRoom(ctx, a.ID); err == nil {
				fmt.Fprintf(e.stdout, "personal room: %s\n", r.Slug)
			}
		}
		if generated {
			fmt.Fprintf(e.stdout, "password: %s\n(shown only now; only its hash is stored)\n", pw)
		}
		return nil
	})
}

func (e *adminEnv) accountList(ctx context.Context, args []string) error {
	fs := e.flags("confer admin account list")
	org := fs.String("org", "", "only this org's accounts")
	query := fs.String("query", "", "only accounts whose email or name contains this")
	kind := fs.String("kind", "", "only contracted or personal accounts")
	role := fs.String("role", "", "only accounts with this role")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		f := store.AccountFilter{ListOptions: store.ListOptions{Query: *query, Limit: store.MaxLimit}, Kind: *kind, Role: *role}
		if *org != "" {
			o, err := d.OrgBySlug(ctx, *org)
			if err != nil {
				return err
			}
			f.OrgID = o.ID
		}
		var accounts []store.Account
		for {
			f.Offset = len(accounts)
			p, err := d.ListAccounts(ctx, f)
			if err != nil {
				return err
			}
			accounts = append(accounts, p.Items...)
			if len(p.Items) == 0 || len(accounts) >= p.Total {
				break
			}
		}
		if *asJSON {
			out := make([]accountJSON, 0, len(accounts))
			for _, a := range accounts {
				out = append(out, toAccountJSON(a))
			}
			return writeJSON(e.stdout, out)
		}
		tw := newTable(e.stdout)
		fmt.Fprintln(tw, "EMAIL\tNAME\tKIND\tORG\tROLE\tSTATUS\tVALID UNTIL")
		for _, a := range accounts {
			org := a.OrgSlug
			if org == "" {
				org = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Email, cell(a.DisplayName), a.Kind, org, a.Role, a.Status, day(a.ValidUntil))
		}
		return tw.Flush()
	})
}

func (e *adminEnv) accountStatus(ctx context.Context, verb string, args []string, status string) error {
	fs := e.flags("confer admin account " + verb)
	email := fs.String("email", "", "account email")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "email"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		a, err := d.SetAccountStatus(ctx, *email, status)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s is now %s\n", a.Email, a.Status)
		return nil
	})
}

func (e *adminEnv) accountSuspend(ctx context.Context, args []string) error {
	return e.accountStatus(ctx, "suspend", args, store.StatusSuspended)
}

func (e *adminEnv) accountReactivate(ctx context.Context, args []string) error {
	return e.accountStatus(ctx, "reactivate", args, store.StatusActive)
}

// accountSet resolves --email a,b,c or --all-personal.
func accountSet(ctx context.Context, d *directory.Directory, emails string, allPersonal bool, cmd string) (store.AccountSet, error) {
	if (emails == "") == !allPersonal {
		return store.AccountSet{}, usagef("admin account %s: give --email or --all-personal (one of them)", cmd)
	}
	set := store.AccountSet{AllPersonal: allPersonal}
	for _, em := range strings.Split(emails, ",") {
		if em = strings.TrimSpace(em); em == "" {
			continue
		}
		a, err := d.AccountByEmail(ctx, em)
		if err != nil {
			return set, err
		}
		set.IDs = append(set.IDs, a.ID)
	}
	return set, nil
}

func (e *adminEnv) accountExtend(ctx context.Context, args []string) error {
	fs := e.flags("confer admin account extend")
	emails := fs.String("email", "", "comma-separated account emails")
	all := fs.Bool("all-personal", false, "every personal account")
	until := fs.String("until", "", "new last valid day YYYY-MM-DD")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "until"); err != nil {
		return err
	}
	t, err := directory.ParseDate(*until, nil)
	if err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		set, err := accountSet(ctx, d, *emails, *all, "extend")
		if err != nil {
			return err
		}
		n, err := d.ExtendValidity(ctx, set, t)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d account(s) now valid until %s\n", n, day(t))
		return nil
	})
}

func (e *adminEnv) accountEnd(ctx context.Context, args []string) error {
	fs := e.flags("confer admin account end")
	emails := fs.String("email", "", "comma-separated account emails")
	all := fs.Bool("all-personal", false, "every personal account")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		set, err := accountSet(ctx, d, *emails, *all, "end")
		if err != nil {
			return err
		}
		n, err := d.EndValidity(ctx, set)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "validity of %d account(s) ended\n", n)
		return nil
	})
}

func (e *adminEnv) accountImport(ctx context.Context, args []string) error {
	fs := e.flags("confer admin account import")
	path := fs.String("csv", "", "CSV file")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "csv"); err != nil {
		return err
	}
	f, err := os.Open(*path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	return e.withDir(ctx, func(d *directory.Directory) error {
		out, err := d.ImportCSV(ctx, f, nil)
		var ie *directory.ImportError
		if errors.As(err, &ie) {
			// Every refused line on its own line, then the one-line summary.
			for _, r := range ie.Rows {
				fmt.Fprintf(e.stdout, "line %d: %v\n", r.Line, r.Err)
			}
			return fmt.Errorf("import %s: %d line(s) refused, nothing imported", *path, len(ie.Rows))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d account(s) imported; send them password reset links or use SSO\n", len(out))
		return nil
	})
}
