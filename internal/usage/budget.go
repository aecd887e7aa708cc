package usage

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// Budget levels: admins see a banner from LevelWarning on.
const (
	LevelNone     = "none"     // no yearly budget in the contract
	LevelOK       = "ok"       // below 80 %
	LevelWarning  = "warning"  // 80 % or more
	LevelExceeded = "exceeded" // 100 % or more
)

// Budget is an organisation's use of its yearly conference-hours.
type Budget struct {
	Org              string  `json:"org"`
	OrgName          string  `json:"orgName"`
	Year             int     `json:"year"`
	BudgetHours      int     `json:"budgetHours"`
	UsedSeconds      int64   `json:"usedSeconds"`
	UsedHours        float64 `json:"usedHours"`
	Percent          float64 `json:"percent"` // one decimal
	Level            string  `json:"level"`
	RefuseOverBudget bool    `json:"refuseOverBudget"`
	// Refusing: new meetings of this organisation are refused now.
	Refusing bool `json:"refusing"`
}

// Budget computes o's use of this year's budget (meeting-hours).
func (s *Service) Budget(ctx context.Context, o store.Org) (Budget, error) {
	now := s.clock()
	from, to := YearRange(now)
	ms, ss, err := s.store.UsageRecords(ctx, Query{From: from, To: to, OrgID: o.ID})
	if err != nil {
		return Budget{}, fmt.Errorf("budget of %s: %w", o.Slug, err)
	}
	used := Build(ms, ss, s.buildOptions(from, to)).Total.MeetingSeconds
	b := Budget{
		Org: o.Slug, OrgName: o.Name, Year: from.Year(), BudgetHours: o.Contract.HoursPerYear,
		UsedSeconds: used, UsedHours: Hours(used), RefuseOverBudget: o.Contract.RefuseOverBudget, Level: LevelNone,
	}
	if b.BudgetHours > 0 {
		b.Percent = math.Round(float64(used)/float64(b.BudgetHours*3600)*1000) / 10
		switch {
		case used >= int64(b.BudgetHours)*3600:
			b.Level = LevelExceeded
		case used*10 >= int64(b.BudgetHours)*3600*8:
			b.Level = LevelWarning
		default:
			b.Level = LevelOK
		}
		b.Refusing = b.Level == LevelExceeded && b.RefuseOverBudget
	}
	s.budgets.put(o.ID, b, now)
	return b, nil
}

// Budgets lists every organisation with a budget, fullest first: the
// operator's list of who is near or past their budget.
func (s *Service) Budgets(ctx context.Context) ([]Budget, error) {
	var out []Budget
	for off := 0; ; off += store.MaxLimit {
		page, err := s.orgs.ListOrgs(ctx, store.ListOptions{Limit: store.MaxLimit, Offset: off})
		if err != nil {
			return nil, fmt.Errorf("budgets: %w", err)
		}
		for _, o := range page.Items {
			if o.Contract.HoursPerYear == 0 {
				continue
			}
			b, err := s.Budget(ctx, o)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		if off+len(page.Items) >= page.Total || len(page.Items) == 0 {
			break
		}
	}
	slices.SortFunc(out, func(a, b Budget) int { return cmp.Or(-cmp.Compare(a.Percent, b.Percent), cmp.Compare(a.Org, b.Org)) })
	if out == nil {
		out = []Budget{}
	}
	return out, nil
}

// CheckNewMeeting returns ErrOverBudget when the organisation refuses
// meetings past its budget and has used it up. Only the start of a meeting
// is checked: joining one in progress never is. The figure may be up to a
// minute old (cache), which can let one more meeting start.
func (s *Service) CheckNewMeeting(ctx context.Context, orgID int64) error {
	now := s.clock()
	b, ok := s.budgets.get(orgID, now)
	if !ok {
		o, err := s.orgs.OrgByID(ctx, orgID)
		if err != nil {
			return fmt.Errorf("budget check: %w", err)
		}
		if o.Contract.HoursPerYear == 0 || !o.Contract.RefuseOverBudget {
			return nil
		}
		if b, err = s.Budget(ctx, o); err != nil {
			return err
		}
	}
	if b.Refusing {
		return ErrOverBudget
	}
	return nil
}

// ForgetBudget drops the cached figure of an org (its contract changed).
func (s *Service) ForgetBudget(orgID int64) { s.budgets.drop(orgID) }

type budgetCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[int64]cachedBudget
}

type cachedBudget struct {
	b  Budget
	at time.Time
}

func newBudgetCache(ttl time.Duration) *budgetCache {
	return &budgetCache{ttl: ttl, m: map[int64]cachedBudget{}}
}

func (c *budgetCache) get(id int64, now time.Time) (Budget, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.Sub(e.at) > c.ttl || now.Before(e.at) {
		return Budget{}, false
	}
	return e.b, true
}

func (c *budgetCache) put(id int64, b Budget, now time.Time) {
	c.mu.Lock()
	c.m[id] = cachedBudget{b, now}
	c.mu.Unlock()
}

func (c *budgetCache) drop(id int64) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
