// Package webhook delivers meeting and participant events to HTTP
// endpoints of the platform or of one organisation: signed with
// HMAC-SHA256, at least once, retried with exponential backoff, and in
// order per endpoint (hence per meeting). The outbox rows are written in
// the same transaction as the usage record they announce.
package webhook

import (
	"context"
	"errors"
	"time"
)

// Delivery states.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed" // gave up after MaxAttempts
)

// ErrNotFound: no such endpoint or delivery (or not visible to the caller).
var ErrNotFound = errors.New("webhook endpoint not found")

// ErrNotFailed: only a failed delivery can be retried by hand; pending
// ones are retried anyway and delivered ones are done.
var ErrNotFailed = errors.New("webhook delivery is not failed")

// Endpoint is a receiver URL. OrgID 0 makes it platform-wide: it gets
// the events of every organisation.
type Endpoint struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"-"`
	Org         string    `json:"org,omitempty"` // slug, filled on reads
	URL         string    `json:"url"`
	Secret      string    `json:"secret,omitempty"` // only in the answer to a create
	Description string    `json:"description"`
	Enabled     bool      `json:"enabled"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Delivery is one event for one endpoint, and the log of its attempts.
type Delivery struct {
	ID          int64     `json:"id"`
	EndpointID  int64     `json:"endpointId"`
	EndpointURL string    `json:"endpointUrl"`
	OrgID       int64     `json:"-"`
	EventID     string    `json:"eventId"`
	Kind        string    `json:"type"`
	MeetingID   string    `json:"meetingId"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	NextAt      time.Time `json:"nextAt,omitzero"`
	LastAt      time.Time `json:"lastAt,omitzero"`
	LastStatus  int       `json:"lastStatus,omitempty"` // HTTP status of the last attempt
	LastError   string    `json:"lastError,omitempty"`
	Payload     []byte    `json:"-"`
	Secret      string    `json:"-"`
}

// Filter selects endpoints or deliveries: one organisation's (OrgID), or
// with All everything.
type Filter struct {
	All   bool
	OrgID int64
	Limit int
}

// Store keeps endpoints and the delivery outbox.
type Store interface {
	CreateEndpoint(ctx context.Context, e Endpoint) (Endpoint, error)
	ListEndpoints(ctx context.Context, f Filter) ([]Endpoint, error)
	// DeleteEndpoint removes an endpoint visible through f, with its
	// deliveries.
	DeleteEndpoint(ctx context.Context, id int64, f Filter) error
	// DueDeliveries returns, for each endpoint, its oldest pending
	// delivery if that one is due: a later event never overtakes an
	// earlier one.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// SaveAttempt writes status, attempts, next and last fields of d.
	SaveAttempt(ctx context.Context, d Delivery) error
	// Deliveries lists recent deliveries, newest first.
	Deliveries(ctx context.Context, f Filter) ([]Delivery, error)
	// PendingDeliveries counts deliveries not yet accepted.
	PendingDeliveries(ctx context.Context) (int, error)
	// RetryDelivery makes a failed delivery visible through f pending
	// and due now, for one more attempt (its attempts are kept, so a
	// new failure marks it failed again).
	RetryDelivery(ctx context.Context, id int64, f Filter, now time.Time) error
}
