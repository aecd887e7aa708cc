package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

func (s *Server) importAccounts(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	ctx := r.Context()
	org := r.URL.Query().Get("org")
	if _, err := s.scopeOrg(ctx, p, org); err != nil {
		s.writeErr(w, err)
		return
	}
	if !p.Account.IsPlatformAdmin() {
		org = p.Account.OrgSlug
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<20))
	if err != nil {
		badRequest(w, "CSV too large (16 MB at most)")
		return
	}
	body, rows := fillCSV(body, org, !p.Account.IsPlatformAdmin())
	if len(rows) > 0 {
		problem.Write(w, problem.Problem{Status: http.StatusUnprocessableEntity, Code: "rows",
			Detail: "nothing was imported: fix these lines", Rows: rows})
		return
	}
	out, err := s.d.ImportCSV(ctx, bytes.NewReader(body), nil)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	s.log.Info("accounts imported", "count", len(out), "by", p.Account.ID)
	problem.JSON(w, http.StatusCreated, pageOut(store.Page[store.Account]{Items: out, Total: len(out)},
		store.ListOptions{Limit: len(out)}, accountOut))
}

// fillCSV gives rows without an org the default org and, for an org
// admin (restrict), refuses rows for other orgs, personal accounts and
// platform admins, which only the operator may create. It returns the
// CSV rewritten with a header (comma-separated), or the refused lines.
func fillCSV(body []byte, org string, restrict bool) ([]byte, []problem.RowError) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(body, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(body))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, []problem.RowError{{Row: 0, Error: "not a CSV file: " + err.Error()}}
	}
	header := []string{"email", "name", "kind", "org", "role", "valid_until"}
	start := 0
	if len(recs) > 0 && strings.EqualFold(strings.TrimSpace(recs[0][0]), "email") {
		header, start = recs[0], 1
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["org"]; !ok {
		col["org"] = len(header)
		header = append(header, "org")
	}
	var refused []problem.RowError
	out := [][]string{header}
	for i, rec := range recs[start:] {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		for len(rec) < len(header) {
			rec = append(rec, "")
		}
		get := func(c string) string {
			if j, ok := col[c]; ok {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		if get("org") == "" && get("kind") != store.AccountPersonal {
			rec[col["org"]] = org
		}
		if restrict {
			var why string
			switch {
			case get("org") != org:
				why = fmt.Sprintf("organisation: you may import only into %s", org)
			case get("kind") == store.AccountPersonal:
				why = "kind: only the platform operator creates personal accounts"
			case get("role") == store.RolePlatformAdmin:
				why = "role: only the platform operator creates platform admins"
			}
			if why != "" {
				refused = append(refused, problem.RowError{Row: start + i + 1, Error: why})
			}
		}
		out = append(out, rec)
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.WriteAll(out)
	return buf.Bytes(), refused
}

type validityIn struct {
	Accounts    []int64 `json:"accounts"`
	AllPersonal bool    `json:"allPersonal"`
	Until       string  `json:"until"` // YYYY-MM-DD, "" = no end
	End         bool    `json:"end"`   // end validity now
}

func (s *Server) bulkValidity(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	a := p.Account
	if !a.IsPlatformAdmin() && a.Role != store.RoleOrgAdmin {
		s.writeErr(w, errForbidden)
		return
	}
	var in validityIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	set := store.AccountSet{IDs: in.Accounts, AllPersonal: in.AllPersonal}
	if !a.IsPlatformAdmin() {
		if in.AllPersonal {
			s.writeErr(w, errForbidden)
			return
		}
		set.OrgID = a.OrgID              // the store skips accounts of other orgs, and
		for _, id := range in.Accounts { // naming one is refused outright
			if _, err := s.accountFor(r.Context(), p, id); err != nil {
				s.writeErr(w, err)
				return
			}
		}
	}
	var n int
	var err error
	if in.End {
		n, err = s.d.EndValidity(r.Context(), set)
	} else {
		var t time.Time
		if err = parseDay(&in.Until, &t); err == nil {
			n, err = s.d.ExtendValidity(r.Context(), set, t)
		}
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, map[string]int{"count": n})
}
