package usage

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// Orgs is what reports need of the directory: names and contracts.
type Orgs interface {
	OrgByID(ctx context.Context, id int64) (store.Org, error)
	OrgBySlug(ctx context.Context, slug string) (store.Org, error)
	ListOrgs(ctx context.Context, opts store.ListOptions) (store.Page[store.Org], error)
}

// Service answers questions about usage: reports, concurrency, budgets.
// The API, the CLI and the budget check at meeting start share it.
type Service struct {
	store    Store
	orgs     Orgs
	clock    func() time.Time
	instance string // this process's open records end "now" in reports
	budgets  *budgetCache
}

// NewService returns a Service. rec may be nil (offline CLI: open records
// end at their heartbeat); clock nil means time.Now.
func NewService(st Store, orgs Orgs, rec *Recorder, clock func() time.Time) *Service {
	if clock == nil {
		clock = time.Now
	}
	s := &Service{store: st, orgs: orgs, clock: clock}
	if rec != nil {
		s.instance = rec.Instance()
	}
	s.budgets = newBudgetCache(time.Minute)
	return s
}

// Report computes usage for [from, to) (Europe/Rome month starts), for
// one organisation or, with orgID 0, all of them.
func (s *Service) Report(ctx context.Context, from, to time.Time, orgID int64) (Report, error) {
	ms, ss, err := s.store.UsageRecords(ctx, Query{From: from, To: to, OrgID: orgID})
	if err != nil {
		return Report{}, fmt.Errorf("usage report: %w", err)
	}
	return Build(ms, ss, s.buildOptions(from, to)), nil
}

// Concurrency gives the busiest moment of each step of one day (a date in
// Europe/Rome).
func (s *Service) Concurrency(ctx context.Context, day time.Time, orgID int64, step time.Duration) ([]Bucket, error) {
	l := day.In(Location)
	from := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Location)
	to := from.AddDate(0, 0, 1) // 23 or 25 hours on DST days
	_, ss, err := s.store.UsageRecords(ctx, Query{From: from, To: to, OrgID: orgID})
	if err != nil {
		return nil, fmt.Errorf("usage concurrency: %w", err)
	}
	return Concurrency(ss, s.buildOptions(from, to), step), nil
}

func (s *Service) buildOptions(from, to time.Time) BuildOptions {
	return BuildOptions{From: from, To: to, LiveInstance: s.instance, Now: s.clock()}
}

// Now is the service's current time.
func (s *Service) Now() time.Time { return s.clock() }

// OrgBySlug looks an organisation up (for handlers and the CLI).
func (s *Service) OrgBySlug(ctx context.Context, slug string) (store.Org, error) {
	return s.orgs.OrgBySlug(ctx, slug)
}
