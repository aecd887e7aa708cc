package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

// Room access levels of a requester.
const (
	levelNone  = iota
	levelMod   // assigned moderator: meeting settings
	levelHost  // assigned host or personal-room owner: also moderators
	levelAdmin // org admin or platform admin: everything
)

// roomFor returns the room named slug, its hosts and p's level in it, or
// ErrNotFound when p has no business with it (the same answer as for a
// room that does not exist).
func (s *Server) roomFor(ctx context.Context, p *login.Principal, slug string) (store.Room, []store.RoomHost, int, error) {
	r, err := s.d.RoomBySlug(ctx, slug)
	if err != nil {
		return r, nil, levelNone, err
	}
	hosts, err := s.d.RoomHosts(ctx, r.ID)
	if err != nil {
		return r, nil, levelNone, err
	}
	a := p.Account
	lvl := levelNone
	switch {
	case directory.CanAdminOrg(a, r.OrgID):
		lvl = levelAdmin
	case r.PersonalOf != 0 && r.PersonalOf == a.ID:
		lvl = levelHost
	default:
		if i := slices.IndexFunc(hosts, func(h store.RoomHost) bool { return h.AccountID == a.ID }); i >= 0 {
			lvl = levelMod
			if hosts[i].Role == store.RoomRoleHost {
				lvl = levelHost
			}
		}
	}
	if lvl == levelNone {
		return store.Room{}, nil, lvl, store.ErrNotFound
	}
	return r, hosts, lvl, nil
}

func (s *Server) roomView(r *http.Request, room store.Room, lvl int) roomView {
	v := roomOut(room, s.lg.BaseURL(r))
	v.MayEdit = map[int]string{levelMod: "host", levelHost: "host", levelAdmin: "admin"}[lvl]
	return v
}

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	opts := listOptions(r)
	f := store.RoomFilter{ListOptions: opts}
	lvl := levelAdmin
	a := p.Account
	if a.IsPlatformAdmin() || a.Role == store.RoleOrgAdmin {
		var err error
		if f.OrgID, err = s.scopeOrg(r.Context(), p, r.URL.Query().Get("org")); err != nil {
			s.writeErr(w, err)
			return
		}
	} else {
		if r.URL.Query().Get("org") != "" {
			s.writeErr(w, errForbidden) // only admins list an org's rooms
			return
		}
		f.HostAccountID, lvl = a.ID, levelHost
	}
	pg, err := s.d.ListRooms(r.Context(), f)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, pageOut(pg, opts, func(x store.Room) roomView { return s.roomView(r, x, lvl) }))
}

func (s *Server) myRooms(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	ctx := r.Context()
	pg, err := s.d.ListRooms(ctx, store.RoomFilter{HostAccountID: p.Account.ID, ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	if err != nil {
		s.writeErr(w, err)
		return
	}
	rooms := pg.Items
	if pr, err := s.st.PersonalRoom(ctx, p.Account.ID); err == nil {
		if !slices.ContainsFunc(rooms, func(x store.Room) bool { return x.ID == pr.ID }) {
			rooms = append([]store.Room{pr}, rooms...)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		s.writeErr(w, err)
		return
	}
	out := page[roomView]{Items: []roomView{}, Limit: store.MaxLimit}
	for _, x := range rooms {
		_, _, lvl, err := s.roomFor(ctx, p, x.Slug)
		if err != nil {
			continue
		}
		out.Items = append(out.Items, s.roomView(r, x, lvl))
	}
	out.Total = len(out.Items)
	problem.JSON(w, http.StatusOK, out)
}

type roomIn struct {
	Org           string  `json:"org"`
	Slug          string  `json:"slug"`
	Title         *string `json:"title"`
	Description   *string `json:"description"`
	Capacity      *int    `json:"capacity"`
	PIN           *string `json:"pin"`
	GuestsAllowed *bool   `json:"guestsAllowed"`
	Lobby         *bool   `json:"lobby"`
	WhoMayShare   *string `json:"whoMayShare"`
	Version       *int64  `json:"version"`
}

func (in roomIn) apply(r *store.Room, lvl int) error {
	if in.Capacity != nil && *in.Capacity != r.Capacity && lvl < levelAdmin {
		return errForbidden // capacity follows the contract: admins only
	}
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	str(&r.Title, in.Title)
	str(&r.Description, in.Description)
	str(&r.PIN, in.PIN)
	str(&r.WhoMayShare, in.WhoMayShare)
	if in.Capacity != nil {
		r.Capacity = *in.Capacity
	}
	if in.GuestsAllowed != nil {
		r.GuestsAllowed = *in.GuestsAllowed
	}
	if in.Lobby != nil {
		r.Lobby = *in.Lobby
	}
	return nil
}

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	var in roomIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	org := in.Org
	if org == "" && !p.Account.IsPlatformAdmin() {
		org = p.Account.OrgSlug
	}
	o, err := s.orgFor(r.Context(), p, org)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	room := store.Room{OrgSlug: o.Slug, Slug: strings.TrimSpace(in.Slug)}
	_ = in.apply(&room, levelAdmin)
	if room, err = s.d.CreateRoom(r.Context(), room); err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, room.Version)
	problem.JSON(w, http.StatusCreated, s.roomView(r, room, levelAdmin))
}

func (s *Server) getRoom(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	room, _, lvl, err := s.roomFor(r.Context(), p, r.PathValue("room"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, room.Version)
	problem.JSON(w, http.StatusOK, s.roomView(r, room, lvl))
}

func (s *Server) patchRoom(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	room, _, lvl, err := s.roomFor(r.Context(), p, r.PathValue("room"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	var in roomIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	if room.Version = version(r, in.Version); !needVersion(w, room.Version) {
		return
	}
	if err := in.apply(&room, lvl); err != nil {
		s.writeErr(w, err)
		return
	}
	if room, err = s.d.UpdateRoom(r.Context(), room); err != nil {
		s.writeErr(w, err)
		return
	}
	etag(w, room.Version)
	problem.JSON(w, http.StatusOK, s.roomView(r, room, lvl))
}

func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	room, _, lvl, err := s.roomFor(r.Context(), p, r.PathValue("room"))
	if err == nil && lvl < levelAdmin {
		err = errForbidden
	}
	if err == nil {
		err = s.d.DeleteRoom(r.Context(), room.Slug)
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listHosts(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	_, hosts, _, err := s.roomFor(r.Context(), p, r.PathValue("room"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, map[string]any{"items": hostsOut(hosts)})
}

func (s *Server) setHost(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	ctx := r.Context()
	room, _, lvl, err := s.roomFor(ctx, p, r.PathValue("room"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	var in hostIn
	if err := login.DecodeJSON(r, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	switch {
	case in.Role != store.RoomRoleHost && in.Role != store.RoomRoleModerator:
		badRequest(w, "role: must be host or moderator")
		return
	case lvl < levelHost || lvl == levelHost && in.Role == store.RoomRoleHost && room.PersonalOf != p.Account.ID:
		s.writeErr(w, errForbidden) // hosts appoint moderators; admins and owners appoint hosts
		return
	}
	a, err := s.d.AccountByEmail(ctx, strings.TrimSpace(in.Email))
	// One answer for "no such email" and "someone of another org", so a
	// host cannot probe other tenants' addresses.
	if err != nil || room.PersonalOf == 0 && a.OrgID != room.OrgID {
		badRequest(w, "no account with this email in the room's organisation")
		return
	}
	if err := s.st.SetRoomHost(ctx, room.ID, a.ID, in.Role); err != nil {
		s.writeErr(w, err)
		return
	}
	s.listHosts(w, r, p)
}

func (s *Server) removeHost(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	ctx := r.Context()
	room, hosts, lvl, err := s.roomFor(ctx, p, r.PathValue("room"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	id, _ := pathID(r, "id")
	i := slices.IndexFunc(hosts, func(h store.RoomHost) bool { return h.AccountID == id })
	switch {
	case i < 0:
		s.writeErr(w, store.ErrNotFound)
		return
	case lvl < levelHost || lvl == levelHost && hosts[i].Role == store.RoomRoleHost && room.PersonalOf != p.Account.ID:
		s.writeErr(w, errForbidden)
		return
	}
	if err := s.st.RemoveRoomHost(ctx, room.ID, id); err != nil {
		s.writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
