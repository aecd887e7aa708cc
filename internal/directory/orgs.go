package directory

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/confer-dev/confer/internal/store"
)

// CreateOrg validates and stores a new active org. Of in these are used:
// Slug, Name, Kind ("" means store.KindOther), the contact and Contract.
func (d *Directory) CreateOrg(ctx context.Context, in store.Org) (store.Org, error) {
	if in.Slug == store.PersonalOrgSlug {
		return store.Org{}, invalid(fmt.Sprintf("org slug %q", in.Slug), "is reserved for personal accounts")
	}
	return d.createOrg(ctx, in)
}

func (d *Directory) createOrg(ctx context.Context, in store.Org) (store.Org, error) {
	if err := checkSlug("org", in.Slug); err != nil {
		return store.Org{}, err
	}
	o, err := cleanOrg(in)
	if err != nil {
		return store.Org{}, err
	}
	o.Status = store.StatusActive
	return d.st.CreateOrg(ctx, o)
}

// cleanOrg trims and validates the editable fields of an org.
func cleanOrg(in store.Org) (store.Org, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Kind == "" {
		in.Kind = store.KindOther
	}
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
	if in.Name == "" {
		return in, invalid("org name", "must not be empty")
	}
	if len(in.Name) > 200 {
		return in, invalid("org name", "must be at most 200 characters")
	}
	if err := checkKind(in.Kind); err != nil {
		return in, err
	}
	if in.ContactEmail != "" {
		if _, err := mail.ParseAddress(in.ContactEmail); err != nil || strings.ContainsAny(in.ContactEmail, "<> ") {
			return in, invalid(fmt.Sprintf("contact email %q", in.ContactEmail), "is not an email address")
		}
	}
	if len(in.ContactName) > 200 || len(in.ContactPhone) > 50 {
		return in, invalid("contact", "name or phone too long")
	}
	if err := checkContract(in.Contract); err != nil {
		return in, err
	}
	return in, nil
}

func checkContract(c store.Contract) error {
	if c.Accounts < 0 || c.HoursPerYear < 0 || c.MaxRooms < 0 {
		return invalid("contract", "accounts, hours and rooms must be 0 (no limit) or more")
	}
	if c.Accounts > 1_000_000 || c.HoursPerYear > 10_000_000 || c.MaxRooms > 1_000_000 {
		return invalid("contract", "figures are implausibly large")
	}
	return nil
}

// UpdateOrg validates and writes name, kind, contact, contract and status
// of o (by o.ID), refusing with store.ErrStale if o.Version is outdated.
func (d *Directory) UpdateOrg(ctx context.Context, o store.Org) (store.Org, error) {
	o, err := cleanOrg(o)
	if err != nil {
		return store.Org{}, err
	}
	if o.Status != store.StatusActive && o.Status != store.StatusSuspended {
		return store.Org{}, invalid(fmt.Sprintf("org status %q", o.Status), "must be active or suspended")
	}
	return d.st.UpdateOrg(ctx, o)
}

// SetOrgStatus suspends (store.StatusSuspended) or reactivates an org.
// Its rooms refuse new meetings while it is suspended.
func (d *Directory) SetOrgStatus(ctx context.Context, slug, status string) (store.Org, error) {
	return d.editOrg(ctx, slug, func(o *store.Org) { o.Status = status })
}

// SetContract replaces an org's contract.
func (d *Directory) SetContract(ctx context.Context, slug string, c store.Contract) (store.Org, error) {
	return d.editOrg(ctx, slug, func(o *store.Org) { o.Contract = c })
}

func (d *Directory) editOrg(ctx context.Context, slug string, edit func(*store.Org)) (store.Org, error) {
	var out store.Org
	err := retryStale(func() error {
		o, err := d.OrgBySlug(ctx, slug)
		if err != nil {
			return err
		}
		edit(&o)
		out, err = d.UpdateOrg(ctx, o)
		return err
	})
	return out, err
}

// OrgBySlug returns an org.
func (d *Directory) OrgBySlug(ctx context.Context, slug string) (store.Org, error) {
	if !ValidSlug(slug) {
		return store.Org{}, notFound("org", slug)
	}
	return d.st.OrgBySlug(ctx, slug)
}

// OrgByID returns an org.
func (d *Directory) OrgByID(ctx context.Context, id int64) (store.Org, error) {
	return d.st.OrgByID(ctx, id)
}

// ListOrgs returns a page of orgs ordered by slug.
func (d *Directory) ListOrgs(ctx context.Context, opts store.ListOptions) (store.Page[store.Org], error) {
	return d.st.ListOrgs(ctx, opts.Norm())
}

// PersonalOrg returns the platform org of personal accounts, creating it
// on first use (concurrent creators both succeed).
func (d *Directory) PersonalOrg(ctx context.Context) (store.Org, error) {
	o, err := d.st.OrgBySlug(ctx, store.PersonalOrgSlug)
	if err == nil {
		return o, nil
	}
	_, err = d.createOrg(ctx, store.Org{Slug: store.PersonalOrgSlug, Name: "Personal accounts", Kind: store.KindOther})
	if err != nil && !isConflict(err) {
		return store.Org{}, fmt.Errorf("personal org: %w", err)
	}
	return d.st.OrgBySlug(ctx, store.PersonalOrgSlug)
}
