package main

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/store"
)

type orgJSON struct {
	ID                 int64     `json:"id"`
	Slug               string    `json:"slug"`
	Name               string    `json:"name"`
	Kind               string    `json:"kind"`
	Status             string    `json:"status"`
	ContactName        string    `json:"contact_name"`
	ContactEmail       string    `json:"contact_email"`
	ContactPhone       string    `json:"contact_phone"`
	ContractAccounts   int       `json:"contract_accounts"`
	ContractHours      int       `json:"contract_hours_per_year"`
	ContractRooms      int       `json:"contract_max_rooms"`
	RefuseOverBudget   bool      `json:"refuse_over_budget"`
	ContractedAccounts int       `json:"contracted_accounts"`
	Rooms              int       `json:"rooms"`
	Version            int64     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func toOrgJSON(o store.Org) orgJSON {
	c := o.Contract
	return orgJSON{o.ID, o.Slug, o.Name, o.Kind, o.Status, o.ContactName, o.ContactEmail, o.ContactPhone,
		c.Accounts, c.HoursPerYear, c.MaxRooms, c.RefuseOverBudget, o.ContractedAccounts, o.Rooms, o.Version,
		o.CreatedAt.UTC(), o.UpdatedAt.UTC()}
}

// contractFlags declares the contract flags on fs.
type contractFlags struct {
	accounts, hours, rooms *int
	refuse                 *bool
}

func addContractFlags(fs interface {
	Int(string, int, string) *int
	Bool(string, bool, string) *bool
}) contractFlags {
	return contractFlags{
		accounts: fs.Int("accounts", 0, "contracted accounts (0: no limit)"),
		hours:    fs.Int("hours", 0, "yearly conference-hour budget (0: no limit)"),
		rooms:    fs.Int("rooms", 0, "maximum rooms (0: no limit)"),
		refuse:   fs.Bool("refuse-over-budget", false, "refuse meetings once the budget is used"),
	}
}

func (e *adminEnv) orgAdd(ctx context.Context, args []string) error {
	fs := e.flags("confer admin org add")
	slug := fs.String("slug", "", "org slug")
	name := fs.String("name", "", "display name")
	kind := fs.String("kind", store.KindOther, "kind of organisation")
	cname := fs.String("contact-name", "", "contact person (told to people whose account expired)")
	cmail := fs.String("contact-email", "", "contact email")
	cphone := fs.String("contact-phone", "", "contact phone")
	cf := addContractFlags(fs)
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug", "name"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		o, err := d.CreateOrg(ctx, store.Org{Slug: *slug, Name: *name, Kind: *kind, ContactName: *cname,
			ContactEmail: *cmail, ContactPhone: *cphone, Contract: store.Contract{Accounts: *cf.accounts,
				HoursPerYear: *cf.hours, MaxRooms: *cf.rooms, RefuseOverBudget: *cf.refuse}})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "org %q created (%s, %s)\n", o.Slug, o.Name, o.Kind)
		return nil
	})
}

// allOrgs pages through every org matching query.
func allOrgs(ctx context.Context, d *directory.Directory, query string) ([]store.Org, error) {
	var out []store.Org
	for {
		p, err := d.ListOrgs(ctx, store.ListOptions{Query: query, Limit: store.MaxLimit, Offset: len(out)})
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if len(p.Items) == 0 || len(out) >= p.Total {
			return out, nil
		}
	}
}

func (e *adminEnv) orgList(ctx context.Context, args []string) error {
	fs := e.flags("confer admin org list")
	query := fs.String("query", "", "only orgs whose slug or name contains this")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		orgs, err := allOrgs(ctx, d, *query)
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]orgJSON, 0, len(orgs))
			for _, o := range orgs {
				out = append(out, toOrgJSON(o))
			}
			return writeJSON(e.stdout, out)
		}
		tw := newTable(e.stdout)
		fmt.Fprintln(tw, "SLUG\tNAME\tKIND\tSTATUS\tACCOUNTS\tROOMS\tCREATED")
		for _, o := range orgs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.Slug, cell(o.Name), o.Kind, o.Status,
				used(o.ContractedAccounts, o.Contract.Accounts), used(o.Rooms, o.Contract.MaxRooms),
				o.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	})
}

// used shows "used/limit", or just "used" without a limit.
func used(n, limit int) string {
	if limit == 0 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d/%d", n, limit)
}

func (e *adminEnv) orgShow(ctx context.Context, args []string) error {
	fs := e.flags("confer admin org show")
	slug := fs.String("slug", "", "org slug")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		o, err := d.OrgBySlug(ctx, *slug)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, toOrgJSON(o))
		}
		limit := func(n int) string {
			if n == 0 {
				return "no limit"
			}
			return fmt.Sprint(n)
		}
		tw := newTable(e.stdout)
		fmt.Fprintf(tw, "slug\t%s\nname\t%s\nkind\t%s\nstatus\t%s\n", o.Slug, cell(o.Name), o.Kind, o.Status)
		fmt.Fprintf(tw, "contact\t%s\n", cell(directory.Contact(store.Account{Kind: store.AccountContracted}, o, "")))
		fmt.Fprintf(tw, "phone\t%s\n", cell(o.ContactPhone))
		fmt.Fprintf(tw, "contracted accounts\t%d of %s\n", o.ContractedAccounts, limit(o.Contract.Accounts))
		fmt.Fprintf(tw, "rooms\t%d of %s\n", o.Rooms, limit(o.Contract.MaxRooms))
		fmt.Fprintf(tw, "hours per year\t%s (refuse over budget: %v)\n", limit(o.Contract.HoursPerYear), o.Contract.RefuseOverBudget)
		return tw.Flush()
	})
}

func (e *adminEnv) orgStatus(ctx context.Context, name string, args []string, status string) error {
	fs := e.flags("confer admin org " + name)
	slug := fs.String("slug", "", "org slug")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		o, err := d.SetOrgStatus(ctx, *slug, status)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "org %q is now %s\n", o.Slug, o.Status)
		return nil
	})
}

func (e *adminEnv) orgSuspend(ctx context.Context, args []string) error {
	return e.orgStatus(ctx, "suspend", args, store.StatusSuspended)
}

func (e *adminEnv) orgReactivate(ctx context.Context, args []string) error {
	return e.orgStatus(ctx, "reactivate", args, store.StatusActive)
}

func (e *adminEnv) orgContract(ctx context.Context, args []string) error {
	fs := e.flags("confer admin org contract")
	slug := fs.String("slug", "", "org slug")
	cf := addContractFlags(fs)
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		o, err := d.OrgBySlug(ctx, *slug)
		if err != nil {
			return err
		}
		c := o.Contract // only the flags given change
		if isSet(fs, "accounts") {
			c.Accounts = *cf.accounts
		}
		if isSet(fs, "hours") {
			c.HoursPerYear = *cf.hours
		}
		if isSet(fs, "rooms") {
			c.MaxRooms = *cf.rooms
		}
		if isSet(fs, "refuse-over-budget") {
			c.RefuseOverBudget = *cf.refuse
		}
		if o, err = d.SetContract(ctx, *slug, c); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "org %q contract: accounts %s, rooms %s, hours %d/year, refuse over budget %v\n", o.Slug,
			used(o.ContractedAccounts, o.Contract.Accounts), used(o.Rooms, o.Contract.MaxRooms),
			o.Contract.HoursPerYear, o.Contract.RefuseOverBudget)
		return nil
	})
}
