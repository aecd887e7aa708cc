package api

import (
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// JSON shapes of the API. Dates are YYYY-MM-DD (validity, inclusive) or
// RFC 3339 (timestamps); zero values are left out.

type contractView struct {
	Accounts         int  `json:"accounts"`
	HoursPerYear     int  `json:"hoursPerYear"`
	MaxRooms         int  `json:"maxRooms"`
	RefuseOverBudget bool `json:"refuseOverBudget"`
}

type orgView struct {
	Slug               string       `json:"slug"`
	Name               string       `json:"name"`
	Kind               string       `json:"kind"`
	Status             string       `json:"status"`
	ContactName        string       `json:"contactName"`
	ContactEmail       string       `json:"contactEmail"`
	ContactPhone       string       `json:"contactPhone"`
	Contract           contractView `json:"contract"`
	ContractedAccounts int          `json:"contractedAccounts"`
	Rooms              int          `json:"rooms"`
	Version            int64        `json:"version"`
	CreatedAt          time.Time    `json:"createdAt"`
}

func orgOut(o store.Org) orgView {
	c := o.Contract
	return orgView{Slug: o.Slug, Name: o.Name, Kind: o.Kind, Status: o.Status, ContactName: o.ContactName,
		ContactEmail: o.ContactEmail, ContactPhone: o.ContactPhone,
		Contract:           contractView{c.Accounts, c.HoursPerYear, c.MaxRooms, c.RefuseOverBudget},
		ContractedAccounts: o.ContractedAccounts, Rooms: o.Rooms, Version: o.Version, CreatedAt: o.CreatedAt}
}

type accountView struct {
	ID             int64     `json:"id"`
	Email          string    `json:"email"`
	DisplayName    string    `json:"displayName"`
	Kind           string    `json:"kind"`
	Org            string    `json:"org,omitempty"`
	Role           string    `json:"role"`
	Status         string    `json:"status"`
	EmailConfirmed bool      `json:"emailConfirmed"`
	ValidFrom      string    `json:"validFrom,omitempty"`
	ValidUntil     string    `json:"validUntil,omitempty"`
	HasPassword    bool      `json:"hasPassword"`
	SSO            bool      `json:"sso"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"createdAt"`
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func accountOut(a store.Account) accountView {
	return accountView{ID: a.ID, Email: a.Email, DisplayName: a.DisplayName, Kind: a.Kind, Org: a.OrgSlug,
		Role: a.Role, Status: a.Status, EmailConfirmed: a.EmailConfirmed, ValidFrom: day(a.ValidFrom),
		ValidUntil: day(a.ValidUntil), HasPassword: a.PasswordHash != "", SSO: a.SSOSubject != "",
		Version: a.Version, CreatedAt: a.CreatedAt}
}

type roomView struct {
	Slug          string `json:"slug"`
	Org           string `json:"org"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Capacity      int    `json:"capacity"`
	PIN           string `json:"pin"`
	GuestsAllowed bool   `json:"guestsAllowed"`
	Lobby         bool   `json:"lobby"`
	WhoMayShare   string `json:"whoMayShare"`
	Personal      bool   `json:"personal"`
	Link          string `json:"link"`
	Version       int64  `json:"version"`
	// MayEdit tells the UI which settings the requester may change:
	// "admin" (all, delete), "host" (meeting settings) or "" (read only).
	MayEdit string `json:"mayEdit,omitempty"`
}

func roomOut(r store.Room, base string) roomView {
	return roomView{Slug: r.Slug, Org: r.OrgSlug, Title: r.Title, Description: r.Description,
		Capacity: r.Capacity, PIN: r.PIN, GuestsAllowed: r.GuestsAllowed, Lobby: r.Lobby,
		WhoMayShare: r.WhoMayShare, Personal: r.PersonalOf != 0, Link: base + "/r/" + r.Slug, Version: r.Version}
}

type hostView struct {
	AccountID   int64  `json:"accountId"`
	Email       string `json:"email"`
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
}

func hostsOut(hs []store.RoomHost) []hostView {
	out := make([]hostView, 0, len(hs))
	for _, h := range hs {
		out = append(out, hostView{h.AccountID, h.Email, h.DisplayName, h.Role})
	}
	return out
}

type tokenView struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Scopes    string     `json:"scopes"`
	CreatedAt time.Time  `json:"createdAt"`
	LastUsed  *time.Time `json:"lastUsed,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Revoked   bool       `json:"revoked"`
	Secret    string     `json:"secret,omitempty"` // only when created
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenOut(t store.APIToken) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt,
		LastUsed: opt(t.LastUsed), ExpiresAt: opt(t.ExpiresAt), Revoked: t.Revoked}
}

type sessionView struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	LastSeen  time.Time `json:"lastSeen"`
	ExpiresAt time.Time `json:"expiresAt"`
	UserAgent string    `json:"userAgent"`
	IP        string    `json:"ip"`
	Current   bool      `json:"current"`
}

type page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func pageOut[S, T any](p store.Page[S], o store.ListOptions, f func(S) T) page[T] {
	out := page[T]{Items: make([]T, 0, len(p.Items)), Total: p.Total, Limit: o.Limit, Offset: o.Offset}
	for _, x := range p.Items {
		out.Items = append(out.Items, f(x))
	}
	return out
}
