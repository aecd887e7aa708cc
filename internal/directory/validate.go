package directory

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/confer-dev/confer/internal/store"
)

// ErrInvalid is wrapped by every *ValidationError.
var ErrInvalid = errors.New("invalid input")

// ValidationError says which input was refused and why, in one line:
// `room slug "a b": use 2-63 lowercase letters, digits and hyphens`.
type ValidationError struct {
	Field string // e.g. "org slug", "capacity"; may carry the value
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

const (
	slugMin = 2
	slugMax = 63 // a DNS label, so a slug can become a subdomain later
	pinMin  = 4
	pinMax  = 10
)

// ValidSlug reports whether s is 2–63 chars of [a-z0-9-], not starting or
// ending with a hyphen.
func ValidSlug(s string) bool {
	if len(s) < slugMin || len(s) > slugMax || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkSlug(what, s string) error {
	if !ValidSlug(s) {
		return invalid(fmt.Sprintf("%s slug %q", what, s),
			"use %d-%d lowercase letters, digits and hyphens, not starting or ending with a hyphen", slugMin, slugMax)
	}
	return nil
}

func checkKind(kind string) error {
	if !slices.Contains(store.OrgKinds(), kind) {
		return invalid(fmt.Sprintf("org kind %q", kind), "must be one of %s", strings.Join(store.OrgKinds(), ", "))
	}
	return nil
}

func checkPIN(pin string) error {
	if pin == "" {
		return nil
	}
	ok := len(pin) >= pinMin && len(pin) <= pinMax
	for i := 0; ok && i < len(pin); i++ {
		ok = pin[i] >= '0' && pin[i] <= '9'
	}
	if !ok {
		return invalid("pin", "must be %d-%d digits", pinMin, pinMax)
	}
	return nil
}

// ValidateCapacity checks an explicitly given capacity (1..MaxCapacity).
// Callers that let the user omit it pass 0 to CreateRoom instead.
func (d *Directory) ValidateCapacity(n int) error {
	if n < 1 || n > d.opts.MaxCapacity {
		return invalid(fmt.Sprintf("capacity %d", n), "must be between 1 and %d", d.opts.MaxCapacity)
	}
	return nil
}
