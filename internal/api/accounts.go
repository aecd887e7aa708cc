package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

// accountFor returns account id if p may administer it: platform admins
// any, org admins those of their org (never platform admins). Others of
// the same org get errForbidden, everyone else ErrNotFound.
func (s *Server) accountFor(ctx context.Context, p *login.Principal, id int64) (store.Account, error) {
	a, err := s.d.AccountByID(ctx, id)
	if err != nil {
		return store.Account{}, err
	}
	switch {
	case p.Account.IsPlatformAdmin():
		return a, nil
	case directory.CanAdminOrg(p.Account, a.OrgID) && !a.IsPlatformAdmin():
		return a, nil
	case a.OrgID != 0 && a.OrgID == p.Account.OrgID:
		return store.Account{}, errForbidden
	}
	return store.Account{}, store.ErrNotFound
}

// scopeOrg resolves ?org= for a list: platform admins may name any org
// (or none: all), org admins only their own; others may not list.
func (s *Server) scopeOrg(ctx context.Context, p *login.Principal, slug string) (int64, error) {
	a := p.Account
	if !a.IsPlatformAdmin() && a.Role != store.RoleOrgAdmin {
		return 0, errForbidden
	}
	if slug == "" {
		if a.IsPlatformAdmin() {
			return 0, nil
		}
		return a.OrgID, nil
	}
	o, err := s.orgFor(ctx, p, slug)
	return o.ID, err
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	q := r.URL.Query()
	orgID, err := s.scopeOrg(r.Context(), p, q.Get("org"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	opts := listOptions(r)
	pg, err := s.d.ListAccounts(r.Context(), store.AccountFilter{ListOptions: opts, OrgID: orgID,
		Kind: q.Get("kind"), Role: q.Get("role"), Status: q.Get("status")})
	if err != nil {
		s.writeErr(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, pageOut(pg, opts, accountOut))
}

type accountIn struct {
	Email       *string `json:"email"`
	DisplayName *string `json:"displayName"`
	Kind        *string `json:"kind"`
	Org         *string `json:"org"`
	Role        *string `json:"role"`
	Status      *string `json:"status"`
	ValidFrom   *string `json:"validFrom"`
	ValidUntil  *string `json:"validUntil"`
	Password    string  `json:"password"`
	Version     *int64  `json:"version"`
}

func parseDay(s *string, dst *time.Time) error {
	if s == nil {
		return nil
	}
	if *s == "" {
		*dst = time.Time{}
		return nil
	}
	t, err := directory.ParseDate(*s, nil)
	if err == nil {
		*dst = t
	}
	return err
}

// apply copies the given fields into a, refusing what p may not set.
func (in accountIn) apply(p *login.Principal, a *store.Account) error {
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	str(&a.Email, in.Email)
	str(&a.DisplayName, in.DisplayName)
	str(&a.Kind, in.Kind)
	str(&a.Role, in.Role)
	str(&a.Status, in.Status)
	if in.Org != nil && *in.Org != a.OrgSlug {
		a.OrgSlug, a.OrgID = strings.TrimSpace(*in.Org), 0
	}
	if err := parseDay(in.ValidFrom, &a.ValidFrom); err != nil {
		return err
	}
	if err := parseDay(in.ValidUntil, &a.ValidUntil); err != nil {
		return err
	}
	if p.Account.IsPlatformAdmin() {
		return nil
	}
	// Org admins manage their own org's contracted staff only.
	own := p.Account.OrgSlug
	if a.OrgSlug == "" && a.OrgID == 0 {
		a.OrgSlug = own
	}
	if a.OrgSlug != own && a.OrgID != p.Account.OrgID || a.Kind == store.AccountPersonal ||
		!slices.Contains([]string{"", store.RoleOrgAdmin, store.RoleHost, store.RoleMember}, a.Role) {
		return errForbidden
	}
	return nil
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	if !p.Account.IsPlatformAdmin() && p.Account.Role != store.RoleOrgAdmin {
		s.writeErr(w, errForbidden)
		return
	}
	var in accountIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	// Someone the organisation vouches for: no confirmation email needed.
	a := store.Account{EmailConfirmed: true}
	if err := in.apply(p, &a); err != nil {
		s.writeErr(w, err)
		return
	}
	a, err := s.d.CreateAccount(r.Context(), a, in.Password)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, a.Version)
	problem.JSON(w, http.StatusCreated, accountOut(a))
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	id, _ := pathID(r, "id")
	a, err := s.accountFor(r.Context(), p, id)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, a.Version)
	problem.JSON(w, http.StatusOK, accountOut(a))
}

func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	ctx := r.Context()
	id, _ := pathID(r, "id")
	a, err := s.accountFor(ctx, p, id)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	var in accountIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	if a.Version = version(r, in.Version); !needVersion(w, a.Version) {
		return
	}
	if a.ID == p.Account.ID && (in.Role != nil && *in.Role != a.Role || in.Status != nil && *in.Status != a.Status) {
		badRequest(w, "you cannot change your own role or status; ask another administrator")
		return
	}
	wasActive := a.Status == store.StatusActive
	if err := in.apply(p, &a); err != nil {
		s.writeErr(w, err)
		return
	}
	if a, err = s.d.UpdateAccount(ctx, a); err != nil {
		s.writeErr(w, err)
		return
	}
	if in.Password != "" {
		if err := s.d.SetPassword(ctx, a.ID, in.Password, 0); err != nil {
			s.writeErr(w, err)
			return
		}
	}
	if wasActive && a.Status == store.StatusSuspended {
		if _, err := s.st.DeleteAccountSessions(ctx, a.ID, 0); err != nil {
			s.log.Error("sign out suspended account", "account", a.ID, "err", err)
		}
	}
	etag(w, a.Version)
	problem.JSON(w, http.StatusOK, accountOut(a))
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	id, _ := pathID(r, "id")
	a, err := s.accountFor(r.Context(), p, id)
	if err == nil && a.ID == p.Account.ID {
		badRequest(w, "you cannot delete your own account")
		return
	}
	if err == nil {
		err = s.d.DeleteAccount(r.Context(), a.ID)
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) resetLink(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	id, _ := pathID(r, "id")
	a, err := s.accountFor(r.Context(), p, id)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	link, err := s.lg.IssueResetLink(r.Context(), a.ID, s.lg.BaseURL(r))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	s.log.Info("reset link issued", "account", a.ID, "by", p.Account.ID)
	problem.JSON(w, http.StatusOK, map[string]any{"link": link, "expiresAt": time.Now().Add(login.ResetTTL)})
}
