package directory

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/store"
)

// ErrBadCredentials is the one answer for unknown email or wrong password,
// so sign-in does not reveal which addresses exist.
var ErrBadCredentials = errors.New("wrong email or password")

// ErrSignupDisabled: self-service sign-up is off (Options.Signup).
var ErrSignupDisabled = errors.New("self-service sign-up is disabled: ask the platform operator for an account")

// Password length bounds. The upper one caps argon2 input size.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// CheckPassword validates a new password.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen || len(pw) > MaxPasswordLen {
		return invalid("password", "must be %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// NormEmail validates an email address and returns its canonical form.
func NormEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || len(e) > 254 || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") && !strings.HasSuffix(e, "@localhost") {
		return "", invalid(fmt.Sprintf("email %q", email), "is not an email address")
	}
	return e, nil
}

// CreateAccount validates in and stores it, hashing password when it is
// not "" (an account may have only an SSO identity, or get a password by
// reset link later). Of in: Email, DisplayName ("" = the email's local
// part), Kind ("" = contracted), OrgSlug or OrgID (contracted accounts
// need an org, except platform admins; personal accounts always go to
// the personal org), Role ("" = member), SSO identity, EmailConfirmed,
// ValidFrom and ValidUntil (for personal accounts zero means
// Options.PersonalValidUntil). A personal account gets its personal room
// in the same transaction.
func (d *Directory) CreateAccount(ctx context.Context, in store.Account, password string) (store.Account, error) {
	row, err := d.prepareAccount(ctx, in, password)
	if err != nil {
		return store.Account{}, err
	}
	out, err := d.st.CreateAccounts(ctx, []store.NewAccount{row})
	if err != nil {
		var be *store.BulkError
		if errors.As(err, &be) && len(be.Rows) == 1 {
			return store.Account{}, be.Rows[0].Err
		}
		return store.Account{}, err
	}
	return out[0], nil
}

// prepareAccount validates and normalises one new account (and its
// personal room) without writing anything.
func (d *Directory) prepareAccount(ctx context.Context, in store.Account, password string) (store.NewAccount, error) {
	a, err := d.cleanAccount(ctx, in)
	if err != nil {
		return store.NewAccount{}, err
	}
	if password != "" {
		if err := CheckPassword(password); err != nil {
			return store.NewAccount{}, err
		}
		if a.PasswordHash, err = auth.HashPassword(password); err != nil {
			return store.NewAccount{}, fmt.Errorf("account %s: %w", a.Email, err)
		}
	}
	if a.Kind == store.AccountPersonal && a.ValidUntil.IsZero() {
		a.ValidUntil = d.opts.PersonalValidUntil
	}
	a.Status = store.StatusActive
	row := store.NewAccount{Account: a}
	if a.Kind == store.AccountPersonal {
		row.PersonalRoom = &store.Room{
			OrgID: a.OrgID, Slug: PersonalRoomSlug(a.DisplayName, a.Email), Title: a.DisplayName,
			Capacity: d.opts.MaxCapacity, WhoMayShare: store.ShareEveryone,
		}
	}
	return row, nil
}

// cleanAccount validates the fields shared by create and update and
// resolves the org (OrgSlug wins over OrgID when both are set).
func (d *Directory) cleanAccount(ctx context.Context, a store.Account) (store.Account, error) {
	var err error
	if a.Email, err = NormEmail(a.Email); err != nil {
		return a, err
	}
	a.DisplayName = strings.Join(strings.Fields(a.DisplayName), " ")
	if a.DisplayName == "" {
		a.DisplayName = a.Email[:strings.IndexByte(a.Email, '@')]
	}
	if len(a.DisplayName) > 200 {
		return a, invalid("display name", "must be at most 200 characters")
	}
	if a.Kind == "" {
		a.Kind = store.AccountContracted
	}
	if a.Role == "" {
		a.Role = store.RoleMember
	}
	who := "account " + a.Email
	if !slices.Contains(store.Roles(), a.Role) {
		return a, invalid(fmt.Sprintf("role %q", a.Role), "must be one of %s", strings.Join(store.Roles(), ", "))
	}
	if (a.SSOIssuer == "") != (a.SSOSubject == "") {
		return a, invalid(who, "SSO issuer and subject go together")
	}
	if !a.ValidFrom.IsZero() && !a.ValidUntil.IsZero() && !a.ValidUntil.After(a.ValidFrom) {
		return a, invalid(who, "valid until must be after valid from")
	}
	switch a.Kind {
	case store.AccountPersonal:
		if a.Role != store.RoleMember && a.Role != store.RoleHost {
			return a, invalid(who, "a personal account can only be member or host")
		}
		org, err := d.PersonalOrg(ctx)
		if err != nil {
			return a, err
		}
		if a.OrgSlug != "" && a.OrgSlug != org.Slug || a.OrgSlug == "" && a.OrgID != 0 && a.OrgID != org.ID {
			return a, invalid(who, "a personal account belongs to no organisation; use kind contracted")
		}
		a.OrgID, a.OrgSlug = org.ID, org.Slug
	case store.AccountContracted:
		if a.OrgSlug == "" && a.OrgID == 0 {
			if a.Role != store.RolePlatformAdmin {
				return a, invalid(who, "a contracted account needs an organisation")
			}
			return a, nil
		}
		if a.OrgSlug == store.PersonalOrgSlug {
			return a, invalid(who, "contracted accounts belong to a real organisation")
		}
		var org store.Org
		if a.OrgSlug != "" {
			org, err = d.OrgBySlug(ctx, a.OrgSlug)
		} else {
			org, err = d.st.OrgByID(ctx, a.OrgID)
		}
		if err != nil {
			return a, err
		}
		if org.Slug == store.PersonalOrgSlug {
			return a, invalid(who, "contracted accounts belong to a real organisation")
		}
		a.OrgID, a.OrgSlug = org.ID, org.Slug
	default:
		return a, invalid(fmt.Sprintf("account kind %q", a.Kind), "must be contracted or personal")
	}
	return a, nil
}

// PersonalRoomSlug derives a personal room's slug from a display name
// (falling back to the email's local part): lowercase ASCII letters and
// digits joined by hyphens, accents dropped. The store makes it unique.
func PersonalRoomSlug(name, email string) string {
	s := slugify(name)
	if len(s) < slugMin {
		s = slugify(email[:max(strings.IndexByte(email, '@'), 0)])
	}
	if len(s) < slugMin {
		s = "room-" + s
	}
	if len(s) > slugMax-4 { // room for a -NNN suffix
		s = strings.TrimRight(s[:slugMax-4], "-")
	}
	return s
}

var foldAccents = strings.NewReplacer("à", "a", "á", "a", "â", "a", "ä", "a", "ã", "a", "å", "a",
	"è", "e", "é", "e", "ê", "e", "ë", "e", "ì", "i", "í", "i", "î", "i", "ï", "i",
	"ò", "o", "ó", "o", "ô", "o", "ö", "o", "õ", "o", "ø", "o", "ù", "u", "ú", "u", "û", "u", "ü", "u",
	"ç", "c", "ñ", "n", "ß", "ss", "æ", "ae", "œ", "oe", "ý", "y", "ÿ", "y", "š", "s", "ž", "z", "č", "c")

func slugify(s string) string {
	s = foldAccents.Replace(strings.ToLower(s))
	var b strings.Builder
	dash := false
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// SignUp creates a self-service personal account (unconfirmed: it must
// follow the emailed confirmation link before signing in) with its room.
func (d *Directory) SignUp(ctx context.Context, email, name, password string) (store.Account, error) {
	if !d.opts.Signup {
		return store.Account{}, ErrSignupDisabled
	}
	if err := CheckPassword(password); err != nil {
		return store.Account{}, err
	}
	return d.CreateAccount(ctx, store.Account{Email: email, DisplayName: name, Kind: store.AccountPersonal}, password)
}

// UpdateAccount validates and writes a (by a.ID and a.Version).
func (d *Directory) UpdateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	if a.Status != store.StatusActive && a.Status != store.StatusSuspended {
		return store.Account{}, invalid(fmt.Sprintf("account status %q", a.Status), "must be active or suspended")
	}
	a, err := d.cleanAccount(ctx, a)
	if err != nil {
		return store.Account{}, err
	}
	return d.st.UpdateAccount(ctx, a)
}

// EditAccount reads the account by email, applies edit and writes it,
// retrying on concurrent changes.
func (d *Directory) EditAccount(ctx context.Context, email string, edit func(*store.Account) error) (store.Account, error) {
	var out store.Account
	err := retryStale(func() error {
		a, err := d.st.AccountByEmail(ctx, email)
		if err != nil {
			return err
		}
		if err := edit(&a); err != nil {
			return err
		}
		out, err = d.UpdateAccount(ctx, a)
		return err
	})
	return out, err
}

// SetAccountStatus suspends or reactivates an account; suspending also
// signs it out everywhere.
func (d *Directory) SetAccountStatus(ctx context.Context, email, status string) (store.Account, error) {
	a, err := d.EditAccount(ctx, email, func(a *store.Account) error { a.Status = status; return nil })
	if err == nil && status == store.StatusSuspended {
		_, err = d.st.DeleteAccountSessions(ctx, a.ID, 0)
	}
	return a, err
}

// SetPassword validates and sets a new password and ends the account's
// other sessions (keepSession, 0 for none).
func (d *Directory) SetPassword(ctx context.Context, accountID int64, password string, keepSession int64) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := d.st.SetPassword(ctx, accountID, hash); err != nil {
		return err
	}
	_, err = d.st.DeleteAccountSessions(ctx, accountID, keepSession)
	return err
}

// dummyHash makes sign-in with an unknown email cost one argon2 run too.
// It is made on first use: at package init it cost every process (and
// every CLI command) an argon2 run and 64 MiB before doing anything.
var dummyHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword("confer-timing-equaliser")
	return h
})

// Authenticate checks email and password, then CheckCanSignIn at now.
// It returns ErrBadCredentials or an *AccessError (only after the password
// matched, so the reason is told only to its owner).
func (d *Directory) Authenticate(ctx context.Context, email, password string, now time.Time) (store.Account, error) {
	a, err := d.st.AccountByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		auth.VerifyPassword(dummyHash(), password)
		return store.Account{}, ErrBadCredentials
	}
	if err != nil {
		return store.Account{}, err
	}
	if a.PasswordHash == "" {
		auth.VerifyPassword(dummyHash(), password)
		return store.Account{}, ErrBadCredentials
	}
	ok, err := auth.VerifyPassword(a.PasswordHash, password)
	if err != nil || !ok {
		return store.Account{}, ErrBadCredentials
	}
	if err := d.CheckCanSignIn(ctx, a, now); err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// AccountByEmail returns an account.
func (d *Directory) AccountByEmail(ctx context.Context, email string) (store.Account, error) {
	return d.st.AccountByEmail(ctx, email)
}

// AccountByID returns an account.
func (d *Directory) AccountByID(ctx context.Context, id int64) (store.Account, error) {
	return d.st.AccountByID(ctx, id)
}

// ListAccounts returns a page of accounts ordered by email. Set f.OrgID to
// scope it to one tenant.
func (d *Directory) ListAccounts(ctx context.Context, f store.AccountFilter) (store.Page[store.Account], error) {
	f.ListOptions = f.ListOptions.Norm()
	return d.st.ListAccounts(ctx, f)
}
