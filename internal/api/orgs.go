package api

import (
	"context"
	"net/http"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

// orgFor returns the org named slug if p may administer it. Someone of
// that very org without admin rights gets errForbidden; everyone else
// ErrNotFound, so other tenants' names cannot be probed.
func (s *Server) orgFor(ctx context.Context, p *login.Principal, slug string) (store.Org, error) {
	o, err := s.d.OrgBySlug(ctx, slug)
	if err != nil {
		return store.Org{}, err
	}
	switch {
	case directory.CanAdminOrg(p.Account, o.ID):
		return o, nil
	case directory.CanSeeOrg(p.Account, o.ID):
		return store.Org{}, errForbidden
	}
	return store.Org{}, store.ErrNotFound
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	opts := listOptions(r)
	a := p.Account
	var pg store.Page[store.Org]
	switch {
	case a.IsPlatformAdmin():
		var err error
		if pg, err = s.d.ListOrgs(r.Context(), opts); err != nil {
			s.writeErr(w, err)
			return
		}
	case a.Role == store.RoleOrgAdmin:
		o, err := s.st.OrgByID(r.Context(), a.OrgID)
		if err != nil {
			s.writeErr(w, err)
			return
		}
		pg = store.Page[store.Org]{Items: []store.Org{o}, Total: 1}
	default:
		s.writeErr(w, errForbidden)
		return
	}
	problem.JSON(w, http.StatusOK, pageOut(pg, opts, orgOut))
}

type contractIn struct {
	Accounts         *int  `json:"accounts"`
	HoursPerYear     *int  `json:"hoursPerYear"`
	MaxRooms         *int  `json:"maxRooms"`
	RefuseOverBudget *bool `json:"refuseOverBudget"`
}

type orgIn struct {
	Slug         string      `json:"slug"`
	Name         *string     `json:"name"`
	Kind         *string     `json:"kind"`
	Status       *string     `json:"status"`
	ContactName  *string     `json:"contactName"`
	ContactEmail *string     `json:"contactEmail"`
	ContactPhone *string     `json:"contactPhone"`
	Contract     *contractIn `json:"contract"`
	Version      *int64      `json:"version"`
}

// apply copies the given fields; admin-only ones only when platform is set.
func (in orgIn) apply(o *store.Org, platform bool) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&o.ContactName, in.ContactName)
	set(&o.ContactEmail, in.ContactEmail)
	set(&o.ContactPhone, in.ContactPhone)
	if in.Name == nil && in.Kind == nil && in.Status == nil && in.Contract == nil {
		return nil
	}
	if !platform {
		return errForbidden // name, kind, status and contract are the operator's
	}
	set(&o.Name, in.Name)
	set(&o.Kind, in.Kind)
	set(&o.Status, in.Status)
	if c := in.Contract; c != nil {
		seti := func(dst *int, v *int) {
			if v != nil {
				*dst = *v
			}
		}
		seti(&o.Contract.Accounts, c.Accounts)
		seti(&o.Contract.HoursPerYear, c.HoursPerYear)
		seti(&o.Contract.MaxRooms, c.MaxRooms)
		if c.RefuseOverBudget != nil {
			o.Contract.RefuseOverBudget = *c.RefuseOverBudget
		}
	}
	return nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	if !p.Account.IsPlatformAdmin() {
		s.writeErr(w, errForbidden)
		return
	}
	var in orgIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	o := store.Org{Slug: in.Slug}
	if err := in.apply(&o, true); err != nil {
		s.writeErr(w, err)
		return
	}
	o, err := s.d.CreateOrg(r.Context(), o)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, o.Version)
	problem.JSON(w, http.StatusCreated, orgOut(o))
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	o, err := s.orgFor(r.Context(), p, r.PathValue("org"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, o.Version)
	problem.JSON(w, http.StatusOK, orgOut(o))
}

func (s *Server) patchOrg(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	o, err := s.orgFor(r.Context(), p, r.PathValue("org"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	var in orgIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	if o.Version = version(r, in.Version); !needVersion(w, o.Version) {
		return
	}
	if err := in.apply(&o, p.Account.IsPlatformAdmin()); err != nil {
		s.writeErr(w, err)
		return
	}
	if o, err = s.d.UpdateOrg(r.Context(), o); err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, o.Version)
	problem.JSON(w, http.StatusOK, orgOut(o))
}

func (s *Server) deleteOrg(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	o, err := s.orgFor(r.Context(), p, r.PathValue("org"))
	if err == nil && !p.Account.IsPlatformAdmin() {
		err = errForbidden
	}
	if err == nil && o.Slug == store.PersonalOrgSlug {
		err = errForbidden
	}
	if err == nil {
		// Without ?force=true an org with accounts or rooms is refused
		// (409, saying how many).
		err = s.d.DeleteOrg(r.Context(), o.Slug, r.URL.Query().Get("force") == "true")
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) authConfig(w http.ResponseWriter, r *http.Request, _ *login.Principal) {
	problem.JSON(w, http.StatusOK, map[string]any{"signup": s.d.SignupEnabled(), "sso": s.o.SSO != "", "ssoName": s.o.SSO})
}
