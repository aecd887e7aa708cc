package usage

import (
	"fmt"
	"time"
	_ "time/tzdata" // the static binary needs Europe/Rome on any host
)

// Location is where months and years begin (docs/usage.md).
var Location = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("usage: time zone " + name + ": " + err.Error()) // embedded: cannot happen
	}
	return loc
}

// ParseMonth reads "2026-03" as the first instant of that month in Rome.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, Location)
	if err != nil {
		return time.Time{}, fmt.Errorf("month %q: want YYYY-MM: %w", s, err)
	}
	return t, nil
}

// MonthRange returns [first instant of from, first instant after to) for
// months written YYYY-MM; to may equal from.
func MonthRange(from, to string) (time.Time, time.Time, error) {
	a, err := ParseMonth(from)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	b, err := ParseMonth(to)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if b.Before(a) {
		return time.Time{}, time.Time{}, fmt.Errorf("month range %s to %s: the end is before the start", from, to)
	}
	if b.Sub(a) > 10*366*24*time.Hour {
		return time.Time{}, time.Time{}, fmt.Errorf("month range %s to %s: at most ten years", from, to)
	}
	return a, nextMonth(b), nil
}

// YearRange returns the calendar year (in Rome) containing t.
func YearRange(t time.Time) (time.Time, time.Time) {
	y := t.In(Location).Year()
	return time.Date(y, 1, 1, 0, 0, 0, 0, Location), time.Date(y+1, 1, 1, 0, 0, 0, 0, Location)
}

// MonthKey names the month (in Rome) containing t, as YYYY-MM.
func MonthKey(t time.Time) string { return t.In(Location).Format("2006-01") }

func monthStart(t time.Time) time.Time {
	l := t.In(Location)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, Location)
}

func nextMonth(t time.Time) time.Time {
	l := t.In(Location)
	return time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, Location)
}

// splitMonths calls f for each month piece of [a, b) with its seconds.
func splitMonths(a, b time.Time, f func(month string, secs int64)) {
	for a.Before(b) {
		end := nextMonth(a)
		if end.After(b) {
			end = b
		}
		f(MonthKey(a), int64(end.Sub(a)/time.Second))
		a = end
	}
}

// Months lists the months of [from, to) as YYYY-MM.
func Months(from, to time.Time) []string {
	var out []string
	for m := monthStart(from); m.Before(to); m = nextMonth(m) {
		out = append(out, MonthKey(m))
	}
	return out
}

// Hours turns seconds into hours rounded half-up to two decimals (0.01 h
// is 36 s). Sums are made on seconds, never on rounded hours.
func Hours(secs int64) float64 {
	return float64((secs*100+1800)/3600) / 100
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
