package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/confer-dev/confer/internal/directory"
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
	platform := p.Account.IsPlatformAdmin()
	if !platform {
		org = p.Account.OrgSlug
	}
	// An org admin's import is confined to their org by the directory,
	// which reports refused rows with the other problems of the file.
	body := http.MaxBytesReader(w, r.Body, 16<<20)
	out, err := s.d.ImportCSVWith(ctx, body, directory.ImportOptions{Org: org, OnlyOrg: !platform})
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		badRequest(w, "CSV too large (16 MB at most)")
		return
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	s.log.Info("accounts imported", "count", len(out), "by", p.Account.ID)
	problem.JSON(w, http.StatusCreated, pageOut(store.Page[store.Account]{Items: out, Total: len(out)},
		store.ListOptions{Limit: len(out)}, accountOut))
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
