package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// ErrAccessDenied is wrapped by every *AccessError.
var ErrAccessDenied = errors.New("access denied")

// Reasons an account may not sign in or host.
const (
	ReasonSuspended    = "suspended"
	ReasonExpired      = "expired"
	ReasonNotYetValid  = "not-yet-valid"
	ReasonOrgSuspended = "org-suspended"
	ReasonUnconfirmed  = "unconfirmed"
	ReasonNotHost      = "not-host"
)

// AccessError says why an account is refused and whom to ask, in one line
// fit to show the person: `account a@b.org expired on 2027-08-31: ask the
// platform operator to extend it`.
type AccessError struct {
	Email   string
	Reason  string    // Reason*
	When    time.Time // expiry or start date for expired / not-yet-valid
	Contact string    // whom to ask, e.g. `Anna Rossi <it@clinic.org>, admin of Clinic`
}

func (e *AccessError) Error() string {
	day := e.When.Format("2006-01-02")
	switch e.Reason {
	case ReasonSuspended:
		return fmt.Sprintf("account %s is suspended: ask %s", e.Email, e.Contact)
	case ReasonExpired:
		return fmt.Sprintf("account %s expired on %s: ask %s to extend it", e.Email, day, e.Contact)
	case ReasonNotYetValid:
		return fmt.Sprintf("account %s is valid from %s: ask %s for an earlier start", e.Email, day, e.Contact)
	case ReasonOrgSuspended:
		return fmt.Sprintf("account %s: its organisation is suspended: ask %s", e.Email, e.Contact)
	case ReasonUnconfirmed:
		return fmt.Sprintf("account %s: confirm your email address first (follow the link sent to you)", e.Email)
	case ReasonNotHost:
		return fmt.Sprintf("account %s may not host this room: ask %s", e.Email, e.Contact)
	}
	return fmt.Sprintf("account %s: %s", e.Email, e.Reason)
}

// Unwrap lets errors.Is(err, ErrAccessDenied) match.
func (e *AccessError) Unwrap() error { return ErrAccessDenied }

// DefaultOperatorContact is whom to ask when Options.OperatorContact is "".
const DefaultOperatorContact = "the platform operator"

// Contact returns whom an account should ask about its access: the org's
// contact for contracted accounts of an org that has one, else operator.
func Contact(acc store.Account, org store.Org, operator string) string {
	if operator == "" {
		operator = DefaultOperatorContact
	}
	if acc.Kind == store.AccountPersonal || org.ID == 0 || org.Slug == store.PersonalOrgSlug {
		return operator
	}
	switch {
	case org.ContactName != "" && org.ContactEmail != "":
		return fmt.Sprintf("%s <%s>, admin of %s", org.ContactName, org.ContactEmail, org.Name)
	case org.ContactEmail != "":
		return fmt.Sprintf("%s, admin of %s", org.ContactEmail, org.Name)
	case org.ContactName != "":
		return fmt.Sprintf("%s, admin of %s", org.ContactName, org.Name)
	}
	return fmt.Sprintf("the administrator of %s", org.Name)
}

// CheckCanSignIn returns nil when acc may sign in at now, else an
// *AccessError. org is acc's org (zero when it has none). A suspended org
// is reported to the operator, since only the operator can lift it.
func CheckCanSignIn(acc store.Account, org store.Org, now time.Time, operator string) error {
	e := &AccessError{Email: acc.Email, Contact: Contact(acc, org, operator)}
	switch {
	case acc.Status == store.StatusSuspended:
		e.Reason = ReasonSuspended
	case !acc.ValidUntil.IsZero() && !now.Before(acc.ValidUntil):
		e.Reason, e.When = ReasonExpired, acc.ValidUntil
	case !acc.ValidFrom.IsZero() && now.Before(acc.ValidFrom):
		e.Reason, e.When = ReasonNotYetValid, acc.ValidFrom
	case org.ID != 0 && org.Status == store.StatusSuspended && !acc.IsPlatformAdmin():
		e.Reason = ReasonOrgSuspended
		e.Contact = Contact(store.Account{Kind: store.AccountPersonal}, store.Org{}, operator)
	case !acc.EmailConfirmed && acc.Kind == store.AccountPersonal && acc.SSOSubject == "":
		e.Reason = ReasonUnconfirmed
	default:
		return nil
	}
	return e
}

// CheckCanHost returns nil when acc may start and run a meeting in room
// (hosts are that room's host/moderator assignments): it must be able to
// sign in and be a platform admin, an org admin of the room's org, the
// owner of the personal room, or assigned to the room.
func CheckCanHost(acc store.Account, org store.Org, room store.Room, hosts []store.RoomHost, now time.Time, operator string) error {
	if err := CheckCanSignIn(acc, org, now, operator); err != nil {
		return err
	}
	if CanManageRoom(acc, room, hosts) {
		return nil
	}
	return &AccessError{Email: acc.Email, Reason: ReasonNotHost, Contact: Contact(acc, org, operator)}
}

// CheckCanSignIn looks up acc's org and applies CheckCanSignIn at now.
func (d *Directory) CheckCanSignIn(ctx context.Context, acc store.Account, now time.Time) error {
	org, err := d.orgOf(ctx, acc)
	if err != nil {
		return err
	}
	return CheckCanSignIn(acc, org, now, d.opts.OperatorContact)
}

// CheckCanHost applies CheckCanHost with acc's org and the room's hosts.
func (d *Directory) CheckCanHost(ctx context.Context, acc store.Account, room store.Room, now time.Time) error {
	org, err := d.orgOf(ctx, acc)
	if err != nil {
		return err
	}
	hosts, err := d.st.RoomHosts(ctx, room.ID)
	if err != nil {
		return err
	}
	return CheckCanHost(acc, org, room, hosts, now, d.opts.OperatorContact)
}

func (d *Directory) orgOf(ctx context.Context, acc store.Account) (store.Org, error) {
	if acc.OrgID == 0 {
		return store.Org{}, nil
	}
	return d.st.OrgByID(ctx, acc.OrgID)
}

// CanAdminOrg: platform admins everywhere, org admins in their own org.
// The API layer uses it (and CanSeeOrg) for tenant isolation.
func CanAdminOrg(actor store.Account, orgID int64) bool {
	return actor.IsPlatformAdmin() || actor.Role == store.RoleOrgAdmin && actor.OrgID != 0 && actor.OrgID == orgID
}

// CanSeeOrg: platform admins everywhere, everyone else only their own org.
func CanSeeOrg(actor store.Account, orgID int64) bool {
	return actor.IsPlatformAdmin() || actor.OrgID != 0 && actor.OrgID == orgID
}

// CanManageRoom reports whether actor may change room settings and host
// it: platform admin, admin of its org, owner of a personal room, or a
// host/moderator assigned to it (hosts are the room's assignments).
func CanManageRoom(actor store.Account, room store.Room, hosts []store.RoomHost) bool {
	if CanAdminOrg(actor, room.OrgID) || room.PersonalOf != 0 && room.PersonalOf == actor.ID {
		return true
	}
	return slices.ContainsFunc(hosts, func(h store.RoomHost) bool {
		return h.AccountID == actor.ID && h.RoomID == room.ID
	})
}
