// Package directory applies confer's business rules (who and what may
// exist: orgs, rooms, accounts, tokens; who may sign in and host) on top
// of a store.Store. The HTTP API and the admin CLI both go through it so
// they refuse the same input with the same messages.
package directory

import (
	"errors"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// DefaultMaxCapacity is the room capacity ceiling when Options leaves it 0.
const DefaultMaxCapacity = 50

// Options tune a Directory.
type Options struct {
	MaxCapacity int // largest allowed room capacity; 0 means DefaultMaxCapacity
	// PersonalValidUntil is the default end of validity of new personal
	// accounts; zero means they do not expire.
	PersonalValidUntil time.Time
	// Signup enables self-service sign-up of personal accounts.
	Signup bool
	// OperatorContact is whom people are told to ask about personal
	// accounts and suspended orgs; "" means DefaultOperatorContact.
	OperatorContact string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Directory is safe for concurrent use.
type Directory struct {
	st   store.Store
	opts Options
}

// New returns a Directory over st.
func New(st store.Store, opts Options) *Directory {
	if opts.MaxCapacity <= 0 {
		opts.MaxCapacity = DefaultMaxCapacity
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Directory{st: st, opts: opts}
}

// Store returns the underlying store (sessions are kept there directly).
func (d *Directory) Store() store.Store { return d.st }

// MaxCapacity is the effective room capacity ceiling.
func (d *Directory) MaxCapacity() int { return d.opts.MaxCapacity }

// SignupEnabled reports whether self-service sign-up is on.
func (d *Directory) SignupEnabled() bool { return d.opts.Signup }

// PersonalValidUntil is the default validity end of new personal accounts.
func (d *Directory) PersonalValidUntil() time.Time { return d.opts.PersonalValidUntil }

func (d *Directory) now() time.Time { return d.opts.Now().UTC() }

// notFound mirrors the store's `org "x": not found` wording.
func notFound(what, slug string) error {
	return fmt.Errorf("%s %q: %w", what, slug, store.ErrNotFound)
}

// ErrLimit is store.ErrLimit, re-exported for callers of directory only.
var ErrLimit = store.ErrLimit

// IsUserError reports whether err is the caller's fault (invalid input,
// unknown or taken name, contract limit, refused access) rather than an
// internal failure.
func IsUserError(err error) bool {
	var be *store.BulkError
	var ie *ImportError
	return errors.Is(err, ErrInvalid) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, store.ErrLimit) || errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrBadCredentials) ||
		errors.Is(err, ErrSignupDisabled) || errors.As(err, &be) || errors.As(err, &ie)
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// retryStale runs a read-modify-write until it does not hit a concurrent
// change, for single-field admin actions (suspend, set contract) where the
// last writer winning is what the person asked for.
func retryStale(fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); !errors.Is(err, store.ErrStale) {
			return err
		}
	}
	return err
}
