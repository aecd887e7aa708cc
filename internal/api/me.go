package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

func (s *Server) me(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	problem.JSON(w, http.StatusOK, login.MeOf(p))
}

func (s *Server) patchMe(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	var in mePatchIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	name := strings.Join(strings.Fields(in.DisplayName), " ")
	if name == "" {
		badRequest(w, "display name: must not be empty")
		return
	}
	// A profile edit has nothing to merge: retry over concurrent admin
	// edits rather than bother the person with a conflict.
	a := p.Account
	var err error
	for range 3 {
		a.DisplayName = name
		if a, err = s.d.UpdateAccount(r.Context(), a); !errors.Is(err, store.ErrStale) {
			break
		}
		if a, err = s.d.AccountByID(r.Context(), p.Account.ID); err != nil {
			break
		}
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	p.Account = a
	problem.JSON(w, http.StatusOK, login.MeOf(p))
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	var in passwordIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	err := s.lg.ChangePassword(r.Context(), p, in.Current, in.New)
	if errors.Is(err, login.ErrWrongPassword) {
		problem.Error(w, http.StatusBadRequest, "wrong-password", err.Error())
		return
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) sessions(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	list, err := s.st.ListSessions(r.Context(), p.Account.ID)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	out := make([]sessionView, 0, len(list))
	for _, x := range list {
		out = append(out, sessionView{ID: x.ID, CreatedAt: x.CreatedAt, LastSeen: x.LastSeen, ExpiresAt: x.ExpiresAt,
			UserAgent: x.UserAgent, IP: x.IP, Current: x.ID == p.Session.ID})
	}
	problem.JSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	id, _ := pathID(r, "id")
	// Scoped to the requester's account: someone else's id is not found.
	if err := s.st.DeleteSession(r.Context(), p.Account.ID, id); err != nil {
		s.writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	list, err := s.d.ListAPITokens(r.Context(), p.Account.ID)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	out := make([]tokenView, 0, len(list))
	for _, t := range list {
		out = append(out, tokenOut(t))
	}
	problem.JSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	var in tokenIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	scopes := strings.Fields(in.Scopes)
	if len(scopes) == 0 {
		badRequest(w, "scopes: name at least one of read, write, admin")
		return
	}
	for _, sc := range scopes {
		if sc != "read" && sc != "write" && sc != "admin" {
			badRequest(w, "scopes: use read, write or admin")
			return
		}
		if !p.HasScope(sc) {
			s.writeErr(w, errForbidden) // a token cannot mint a stronger one
			return
		}
	}
	var exp time.Time
	if err := parseDay(&in.ExpiresAt, &exp); err != nil {
		s.writeErr(w, err)
		return
	}
	secret, t, err := s.d.CreateAPIToken(r.Context(), p.Account, in.Name, strings.Join(scopes, " "), exp)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	v := tokenOut(t)
	v.Secret = secret
	problem.JSON(w, http.StatusCreated, v)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	id, _ := pathID(r, "id")
	if err := s.d.RevokeAPIToken(r.Context(), p.Account.ID, id); err != nil {
		s.writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
