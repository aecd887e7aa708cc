package directory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// ParseDate reads YYYY-MM-DD as the end of that day in loc (nil = UTC):
// "valid until 2027-08-31" means usable through that whole day.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, invalid(fmt.Sprintf("date %q", s), "want YYYY-MM-DD")
	}
	return EndOfDay(d), nil
}

// EndOfDay returns the last second of t's day in t's location.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, t.Location())
}

// ExtendValidity sets valid-until to until (zero: no end) for the accounts
// in set. until must be in the future; use EndValidity to end it.
func (d *Directory) ExtendValidity(ctx context.Context, set store.AccountSet, until time.Time) (int, error) {
	if !until.IsZero() && !until.After(d.now()) {
		return 0, invalid("valid until "+until.Format("2006-01-02"), "must be in the future")
	}
	if err := checkSet(set); err != nil {
		return 0, err
	}
	return d.st.SetValidUntil(ctx, set, until)
}

// EndValidity ends the validity of the accounts in set now: they can no
// longer sign in. Their existing sessions and tokens stop working because
// the session and token checks apply CheckCanSignIn on every request.
func (d *Directory) EndValidity(ctx context.Context, set store.AccountSet) (int, error) {
	if err := checkSet(set); err != nil {
		return 0, err
	}
	return d.st.SetValidUntil(ctx, set, d.now())
}

func checkSet(set store.AccountSet) error {
	if !set.AllPersonal && len(set.IDs) == 0 {
		return invalid("accounts", "name at least one account, or all personal accounts")
	}
	return nil
}

// MaxImportRows bounds one CSV import (it runs in one transaction).
const MaxImportRows = 50_000

// ImportRowError is the refusal of one CSV line (Line counts from 1,
// including the header).
type ImportRowError struct {
	Line  int
	Email string
	Err   error
}

// ImportError lists every refused line; nothing was imported.
type ImportError struct{ Rows []ImportRowError }

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d line(s) refused, nothing imported", len(e.Rows))
	for i, r := range e.Rows {
		if i == 5 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; line %d: %v", r.Line, r.Err)
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalid) match: the input was refused.
func (e *ImportError) Unwrap() error { return ErrInvalid }

var importColumns = []string{"email", "name", "kind", "org", "role", "valid_until"}

// ImportCSV creates the accounts listed in r, all or nothing, in one
// transaction. Columns: email,name,kind,org,role,valid_until (a header
// row naming them may reorder them; only email is required). UTF-8,
// optional BOM, separated by ; or , (whichever the first line uses more).
// Dates are YYYY-MM-DD, end of day in loc. On refusal it returns an
// *ImportError listing every bad line.
func (d *Directory) ImportCSV(ctx context.Context, r io.Reader, loc *time.Location) ([]store.Account, error) {
	return d.ImportCSVWith(ctx, r, ImportOptions{Loc: loc})
}

// ImportOptions tune ImportCSVWith.
type ImportOptions struct {
	Loc *time.Location // dates are the end of that day here; nil = UTC
	// Org is the org of rows that name none (personal rows excepted).
	Org string
	// OnlyOrg confines the import to Org, for an org admin: rows of other
	// orgs, personal accounts and platform admins are refused (only the
	// operator creates those).
	OnlyOrg bool
}

// ImportCSVWith is ImportCSV with a default org and, for org admins, the
// import confined to it.
func (d *Directory) ImportCSVWith(ctx context.Context, r io.Reader, opts ImportOptions) ([]store.Account, error) {
	loc := opts.Loc
	if opts.OnlyOrg && opts.Org == "" {
		return nil, invalid("CSV import", "an import confined to one organisation needs that organisation")
	}
	records, lineNos, err := readCSV(r)
	if err != nil {
		return nil, err
	}
	cols, first := map[string]int{}, 0
	for i, c := range importColumns {
		cols[c] = i
	}
	if len(records) > 0 && slices.ContainsFunc(records[0], func(c string) bool { return strings.EqualFold(strings.TrimSpace(c), "email") }) {
		cols, first = map[string]int{}, 1
		for i, h := range records[0] {
			h = strings.ToLower(strings.TrimSpace(h))
			if !slices.Contains(importColumns, h) {
				return nil, invalid(fmt.Sprintf("CSV column %q", h), "want %s", strings.Join(importColumns, ", "))
			}
			cols[h] = i
		}
	}
	if len(records)-first > MaxImportRows {
		return nil, invalid("CSV", "more than %d rows; split the file", MaxImportRows)
	}
	var ie ImportError
	var rows []store.NewAccount
	var lines []int
	seen := map[string]int{}
	for i, rec := range records[first:] {
		line := lineNos[first+i]
		get := func(c string) string {
			if j, ok := cols[c]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		a := store.Account{Email: get("email"), DisplayName: get("name"), Kind: get("kind"),
			OrgSlug: get("org"), Role: get("role"), EmailConfirmed: true}
		if a.OrgSlug == "" && a.Kind != store.AccountPersonal {
			a.OrgSlug = opts.Org
		}
		if why := opts.refuse(a); why != nil {
			ie.Rows = append(ie.Rows, ImportRowError{line, a.Email, why})
			continue
		}
		if v := get("valid_until"); v != "" {
			if a.ValidUntil, err = ParseDate(v, loc); err != nil {
				ie.Rows = append(ie.Rows, ImportRowError{line, a.Email, err})
				continue
			}
		}
		row, err := d.prepareAccount(ctx, a, "")
		if err == nil {
			if prev, dup := seen[row.Account.Email]; dup {
				err = invalid("email "+row.Account.Email, "also on line %d", prev)
			}
			seen[row.Account.Email] = line
		}
		if err == nil {
			// Checked here too (the store checks again inside its
			// transaction) so one report lists every problem at once.
			if _, lookErr := d.st.AccountByEmail(ctx, row.Account.Email); lookErr == nil {
				err = fmt.Errorf("account %q: email %w", row.Account.Email, store.ErrConflict)
			}
		}
		if err != nil {
			ie.Rows = append(ie.Rows, ImportRowError{line, a.Email, err})
			continue
		}
		rows, lines = append(rows, row), append(lines, line)
	}
	if len(ie.Rows) > 0 {
		return nil, &ie
	}
	if len(rows) == 0 {
		return nil, invalid("CSV", "no accounts in the file")
	}
	out, err := d.st.CreateAccounts(ctx, rows)
	var be *store.BulkError
	if errors.As(err, &be) {
		for _, re := range be.Rows {
			ie.Rows = append(ie.Rows, ImportRowError{lines[re.Row], rows[re.Row].Account.Email, re.Err})
		}
		return nil, &ie
	}
	return out, err
}

// refuse says why an OnlyOrg import may not create a.
func (o ImportOptions) refuse(a store.Account) error {
	switch {
	case !o.OnlyOrg:
		return nil
	case a.Kind == store.AccountPersonal:
		return invalid("kind", "only the platform operator creates personal accounts")
	case a.Role == store.RolePlatformAdmin:
		return invalid("role", "only the platform operator creates platform admins")
	case a.OrgSlug != o.Org:
		return invalid("organisation", "you may import only into %s", o.Org)
	}
	return nil
}

// readCSV returns the non-blank records and the file line each starts on.
func readCSV(r io.Reader) ([][]string, []int, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read CSV: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, lines, nil
		}
		if err != nil {
			return nil, nil, invalid("CSV", "%v", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		line, _ := cr.FieldPos(0)
		out, lines = append(out, rec), append(lines, line)
	}
}
