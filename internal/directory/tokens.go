package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/auth"
	"github.com/confer-dev/confer/internal/store"
)

// ErrBadToken is the one answer for unknown, revoked or expired API tokens
// and one-time links, so probing learns nothing.
var ErrBadToken = errors.New("invalid, revoked or expired token")

// CreateAPIToken creates a token for acc and returns its secret, which is
// stored nowhere (only its hash): show it once. expires zero = never.
func (d *Directory) CreateAPIToken(ctx context.Context, acc store.Account, name, scopes string, expires time.Time) (string, store.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", store.APIToken{}, invalid("token name", "must be 1 to 100 characters")
	}
	if !expires.IsZero() && !expires.After(d.now()) {
		return "", store.APIToken{}, invalid("token expiry", "must be in the future")
	}
	secret, hash := auth.NewToken(auth.APITokenPrefix)
	t, err := d.st.CreateAPIToken(ctx, store.APIToken{
		AccountID: acc.ID, Name: name, Hash: hash, Scopes: strings.Join(strings.Fields(scopes), " "), ExpiresAt: expires,
	})
	if err != nil {
		return "", store.APIToken{}, err
	}
	return secret, t, nil
}

// AuthenticateAPIToken resolves a secret to its token and account,
// refusing revoked/expired tokens (ErrBadToken) and accounts that may not
// sign in (*AccessError). It records the use.
func (d *Directory) AuthenticateAPIToken(ctx context.Context, secret string, now time.Time) (store.Account, store.APIToken, error) {
	if !strings.HasPrefix(secret, auth.APITokenPrefix) {
		return store.Account{}, store.APIToken{}, ErrBadToken
	}
	t, err := d.st.APITokenByHash(ctx, auth.HashToken(secret))
	if errors.Is(err, store.ErrNotFound) || err == nil && (t.Revoked || !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		return store.Account{}, store.APIToken{}, ErrBadToken
	}
	if err != nil {
		return store.Account{}, store.APIToken{}, err
	}
	a, err := d.st.AccountByID(ctx, t.AccountID)
	if err != nil {
		return store.Account{}, store.APIToken{}, err
	}
	if err := d.CheckCanSignIn(ctx, a, now); err != nil {
		return store.Account{}, store.APIToken{}, err
	}
	// Recording last use is best effort and coarse (one write a minute) so
	// busy automation does not turn every read into a write.
	if now.Sub(t.LastUsed) > time.Minute {
		if err := d.st.TouchAPIToken(ctx, t.ID, now); err != nil {
			return store.Account{}, store.APIToken{}, err
		}
		t.LastUsed = now
	}
	return a, t, nil
}

// ListAPITokens lists an account's tokens (0: everyone's), newest first.
func (d *Directory) ListAPITokens(ctx context.Context, accountID int64) ([]store.APIToken, error) {
	return d.st.ListAPITokens(ctx, accountID)
}

// RevokeAPIToken revokes token id of accountID (0: of anyone).
func (d *Directory) RevokeAPIToken(ctx context.Context, accountID, id int64) error {
	return d.st.RevokeAPIToken(ctx, accountID, id)
}

// IssueOneTimeToken creates an emailed-link secret for purpose, valid
// for ttl; only its hash is stored.
func (d *Directory) IssueOneTimeToken(ctx context.Context, accountID int64, purpose string, ttl time.Duration) (string, error) {
	if purpose != store.PurposeConfirmEmail && purpose != store.PurposePasswordReset {
		return "", fmt.Errorf("one-time token purpose %q: %w", purpose, ErrInvalid)
	}
	secret, hash := auth.NewToken("")
	_, err := d.st.CreateOneTimeToken(ctx, store.OneTimeToken{
		Hash: hash, Purpose: purpose, AccountID: accountID, ExpiresAt: d.now().Add(ttl),
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

func (d *Directory) useToken(ctx context.Context, secret, purpose string) (store.Account, error) {
	t, err := d.st.UseOneTimeToken(ctx, auth.HashToken(secret), purpose, d.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, ErrBadToken
	}
	if err != nil {
		return store.Account{}, err
	}
	return d.st.AccountByID(ctx, t.AccountID)
}

// ConfirmEmail consumes a confirmation link and marks the email confirmed.
func (d *Directory) ConfirmEmail(ctx context.Context, secret string) (store.Account, error) {
	a, err := d.useToken(ctx, secret, store.PurposeConfirmEmail)
	if err != nil {
		return store.Account{}, err
	}
	return d.EditAccount(ctx, a.Email, func(a *store.Account) error { a.EmailConfirmed = true; return nil })
}

// ResetPassword consumes a reset link, sets the password (which also
// proves the address, so it confirms the email) and ends all sessions.
func (d *Directory) ResetPassword(ctx context.Context, secret, password string) (store.Account, error) {
	if err := CheckPassword(password); err != nil {
		return store.Account{}, err
	}
	a, err := d.useToken(ctx, secret, store.PurposePasswordReset)
	if err != nil {
		return store.Account{}, err
	}
	if err := d.SetPassword(ctx, a.ID, password, 0); err != nil {
		return store.Account{}, err
	}
	if a.EmailConfirmed {
		return d.st.AccountByID(ctx, a.ID)
	}
	return d.EditAccount(ctx, a.Email, func(a *store.Account) error { a.EmailConfirmed = true; return nil })
}
