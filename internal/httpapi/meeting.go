package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/files"
	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/whip"
)

// ParticipantHeader carries a participant's resume token on the meeting's
// HTTP calls (uploads, links, WHIP tokens). A custom header, never a
// cookie: another site cannot make a browser send it (CSRF).
const ParticipantHeader = "X-Confer-Participant"

// MeetingOptions wires the meeting's HTTP side: shared documents and WHIP.
type MeetingOptions struct {
	Rooms  *room.Manager
	Files  *files.Store
	WHIP   *whip.Server
	Logger *slog.Logger
	// OrgOf names the organisation a room belongs to (storage quota).
	OrgOf func(ctx context.Context, slug string) (string, error)
}

type meetingAPI struct {
	o   MeetingOptions
	log *slog.Logger
}

// MeetingRoutes adds the documents and WHIP endpoints (docs/protocol.md).
func MeetingRoutes(mux *http.ServeMux, o MeetingOptions) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	m := &meetingAPI{o: o, log: o.Logger}
	mux.HandleFunc("GET /api/v1/rooms/{slug}/files", m.list)
	mux.HandleFunc("POST /api/v1/rooms/{slug}/files", m.upload)
	mux.HandleFunc("POST /api/v1/rooms/{slug}/files/{id}/link", m.link)
	mux.HandleFunc("DELETE /api/v1/rooms/{slug}/files/{id}", m.remove)
	mux.HandleFunc("GET /files/{slug}/{id}", m.download)
	mux.HandleFunc("POST /api/v1/rooms/{slug}/whip-tokens", m.whipToken)
	mux.HandleFunc("GET /api/v1/rooms/{slug}/whip-tokens", m.whipTokens)
	mux.HandleFunc("DELETE /api/v1/rooms/{slug}/whip-tokens/{id}", m.whipRevoke)
	o.WHIP.Register(mux)
}

// participant returns who in the live meeting of the request's room sent
// it, or writes 403 and returns nil.
func (m *meetingAPI) participant(w http.ResponseWriter, r *http.Request) *room.Participant {
	tok := r.Header.Get(ParticipantHeader)
	if rm := m.o.Rooms.Room(r.PathValue("slug")); rm != nil && tok != "" {
		if p := rm.ByToken(tok); p != nil && p.Present() {
			return p
		}
	}
	problem(w, http.StatusForbidden, "not in the meeting", "only participants of this meeting may do this")
	return nil
}

func (m *meetingAPI) list(w http.ResponseWriter, r *http.Request) {
	if m.participant(w, r) == nil {
		return
	}
	fs, err := m.o.Files.List(r.PathValue("slug"))
	if err != nil {
		problem(w, http.StatusNotFound, "not found", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": fs})
}

func (m *meetingAPI) upload(w http.ResponseWriter, r *http.Request) {
	p := m.participant(w, r)
	if p == nil {
		return
	}
	slug := r.PathValue("slug")
	lim := m.o.Files.Limits()
	if r.ContentLength > lim.MaxFile {
		problem(w, http.StatusRequestEntityTooLarge, "file too large", fmt.Sprintf("files may be up to %d MB", lim.MaxFile>>20))
		return
	}
	name, err := url.PathUnescape(r.Header.Get("X-File-Name"))
	if err != nil {
		name = ""
	}
	org, err := m.o.OrgOf(r.Context(), slug)
	if err != nil {
		problem(w, http.StatusNotFound, "room not found", "")
		return
	}
	body := http.MaxBytesReader(w, r.Body, lim.MaxFile+1)
	f, err := m.o.Files.Save(slug, org, name, body, p.ID(), p.Name())
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, files.ErrTooLarge), errors.As(err, &tooBig):
		problem(w, http.StatusRequestEntityTooLarge, "file too large", fmt.Sprintf("files may be up to %d MB", lim.MaxFile>>20))
		return
	case errors.Is(err, files.ErrOrgFull):
		problem(w, http.StatusInsufficientStorage, "storage full",
			fmt.Sprintf("your organisation's %d MB for documents are used up: a host can delete old documents", lim.MaxOrg>>20))
		return
	case errors.Is(err, files.ErrDisguised):
		problem(w, http.StatusUnsupportedMediaType, "content does not match the name", files.ErrDisguised.Error())
		return
	case errors.Is(err, files.ErrEmpty):
		problem(w, http.StatusBadRequest, "empty file", files.ErrEmpty.Error())
		return
	case err != nil:
		m.log.Warn("upload failed", "room", slug, "err", err)
		problem(w, http.StatusBadRequest, "upload failed", "the upload did not complete")
		return
	}
	m.log.Info("document shared", "room", slug, "file", f.ID, "size", f.Size, "type", f.Type, "participant", p.ID())
	if rm := m.o.Rooms.Room(slug); rm != nil {
		rm.Notify("file_added", fileMsg(f))
	}
	writeJSON(w, http.StatusCreated, fileMsg(f))
}

// fileMsg is a document as clients see it (no organisation).
func fileMsg(f files.File) map[string]any {
	return map[string]any{"id": f.ID, "name": f.Name, "type": f.Type, "size": f.Size, "by": f.By, "byName": f.ByName, "at": f.At}
}

func (m *meetingAPI) link(w http.ResponseWriter, r *http.Request) {
	p := m.participant(w, r)
	if p == nil {
		return
	}
	slug, id := r.PathValue("slug"), r.PathValue("id")
	if _, err := m.o.Files.Get(slug, id); err != nil {
		problem(w, http.StatusNotFound, "not found", "no such document")
		return
	}
	exp, sig := m.o.Files.Link(slug, id, p.ID(), time.Now())
	u := fmt.Sprintf("/files/%s/%s?p=%s&e=%d&s=%s", slug, id, url.QueryEscape(p.ID()), exp, sig)
	writeJSON(w, http.StatusOK, map[string]any{"url": u, "expiresAt": time.Unix(exp, 0).UTC()})
}

// download serves a document for a signed link, to a participant still in
// the meeting, as an attachment that the browser never renders.
func (m *meetingAPI) download(w http.ResponseWriter, r *http.Request) {
	slug, id := r.PathValue("slug"), r.PathValue("id")
	q := r.URL.Query()
	pid := q.Get("p")
	err := m.o.Files.Verify(slug, id, pid, q.Get("e"), q.Get("s"), time.Now())
	if errors.Is(err, files.ErrExpired) {
		problem(w, http.StatusGone, "link expired", err.Error())
		return
	}
	if err != nil {
		problem(w, http.StatusForbidden, "invalid link", files.ErrBadLink.Error())
		return
	}
	rm := m.o.Rooms.Room(slug)
	if rm == nil || rm.Participant(pid) == nil {
		problem(w, http.StatusForbidden, "not in the meeting", "the link belongs to someone no longer in the meeting")
		return
	}
	f, fh, err := m.o.Files.Open(slug, id)
	if err != nil {
		problem(w, http.StatusNotFound, "not found", "no such document")
		return
	}
	defer fh.Close()
	h := w.Header()
	h.Set("Content-Type", f.Type)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	_, _ = io.Copy(w, fh)
}

func (m *meetingAPI) remove(w http.ResponseWriter, r *http.Request) {
	p := m.participant(w, r)
	if p == nil {
		return
	}
	slug, id := r.PathValue("slug"), r.PathValue("id")
	f, err := m.o.Files.Get(slug, id)
	if err != nil {
		problem(w, http.StatusNotFound, "not found", "no such document")
		return
	}
	if !p.Moderates() && f.By != p.ID() {
		problem(w, http.StatusForbidden, "forbidden", "only hosts, moderators and the person who shared it may delete a document")
		return
	}
	if err := m.o.Files.Delete(slug, id); err != nil {
		problem(w, http.StatusInternalServerError, "server error", "")
		return
	}
	m.log.Info("document deleted", "room", slug, "file", id, "by", p.ID())
	if rm := m.o.Rooms.Room(slug); rm != nil {
		rm.Notify("file_removed", map[string]string{"id": id})
	}
	w.WriteHeader(http.StatusNoContent)
}

// moderator returns the host or moderator in the meeting who sent the
// request, or writes 403 and returns nil.
func (m *meetingAPI) moderator(w http.ResponseWriter, r *http.Request) *room.Participant {
	p := m.participant(w, r)
	if p != nil && !p.Moderates() {
		problem(w, http.StatusForbidden, "forbidden", "only hosts and moderators may manage encoder tokens")
		return nil
	}
	return p
}

// whipToken lets a host or moderator in the meeting create a WHIP token;
// the creation goes into the meeting's moderation log.
func (m *meetingAPI) whipToken(w http.ResponseWriter, r *http.Request) {
	p := m.moderator(w, r)
	if p == nil {
		return
	}
	var in struct {
		Label string `json:"label"`
		Hours int    `json:"hours"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in)
	label := strings.TrimSpace(files.CleanName(in.Label))
	if in.Label == "" || len([]rune(label)) > 64 {
		label = "Encoder"
	}
	hours := in.Hours
	if hours <= 0 || hours > 24*7 {
		hours = 12
	}
	slug := r.PathValue("slug")
	tok, t, err := m.o.WHIP.CreateToken(r.Context(), whip.Grant{Room: slug, Label: label, By: p.Name()}, time.Duration(hours)*time.Hour)
	if err != nil {
		m.log.Error("whip token", "room", slug, "err", err)
		problem(w, http.StatusInternalServerError, "server error", "")
		return
	}
	_ = p.Record("whip_token", fmt.Sprintf("%s (#%d, %d h)", label, t.ID, hours))
	m.log.Info("whip token created", "room", slug, "label", label, "id", t.ID, "by", p.ID())
	out := whipTokenMsg(t)
	out["token"], out["url"] = tok, "/whip/"+slug
	writeJSON(w, http.StatusCreated, out)
}

// whipTokenMsg is a token as hosts see it: never the secret nor its hash.
func whipTokenMsg(t whip.Token) map[string]any {
	return map[string]any{"id": t.ID, "label": t.Label, "createdBy": t.CreatedBy, "createdAt": t.CreatedAt,
		"expiresAt": t.ExpiresAt, "revoked": t.Revoked, "expired": !time.Now().Before(t.ExpiresAt)}
}

func (m *meetingAPI) whipTokens(w http.ResponseWriter, r *http.Request) {
	if m.moderator(w, r) == nil {
		return
	}
	ts, err := m.o.WHIP.ListTokens(r.Context(), r.PathValue("slug"))
	if err != nil {
		problem(w, http.StatusNotFound, "not found", "")
		return
	}
	out := make([]map[string]any, len(ts))
	for i, t := range ts {
		out[i] = whipTokenMsg(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

// whipRevoke revokes a token; encoders publishing with it are ended.
func (m *meetingAPI) whipRevoke(w http.ResponseWriter, r *http.Request) {
	p := m.moderator(w, r)
	if p == nil {
		return
	}
	slug := r.PathValue("slug")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = m.o.WHIP.RevokeToken(r.Context(), slug, id)
	}
	if err != nil && !errors.Is(err, whip.ErrNoToken) && !errors.Is(err, strconv.ErrSyntax) {
		m.log.Error("whip revoke", "room", slug, "err", err)
	}
	if err != nil {
		problem(w, http.StatusNotFound, "not found", "no such encoder token in this room")
		return
	}
	_ = p.Record("whip_revoke", fmt.Sprintf("#%d", id))
	m.log.Info("whip token revoked", "room", slug, "id", id, "by", p.ID())
	w.WriteHeader(http.StatusNoContent)
}
