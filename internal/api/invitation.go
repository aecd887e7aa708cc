package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
	"github.com/confer-dev/confer/internal/store"
)

type invitationView struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	ICS     string `json:"ics"`
}

// invite builds the invitation for ?start= (RFC 3339; default the next
// full hour) lasting ?duration= minutes (default 60), in ?lang= (it, en).
func (s *Server) invite(r *http.Request, p *login.Principal) (invitationView, error) {
	room, _, _, err := s.roomFor(r.Context(), p, r.PathValue("room"))
	if err != nil {
		return invitationView{}, err
	}
	q := r.URL.Query()
	start := time.Now().Truncate(time.Hour).Add(time.Hour)
	if v := q.Get("start"); v != "" {
		if start, err = time.Parse(time.RFC3339, v); err != nil {
			return invitationView{}, fmt.Errorf("start: want RFC 3339 like 2026-09-01T10:00:00+02:00: %w", errInvalidParam)
		}
	}
	mins, _ := strconv.Atoi(q.Get("duration"))
	if mins <= 0 || mins > 24*60 {
		mins = 60
	}
	link := s.lg.BaseURL(r) + "/r/" + room.Slug
	v := invitationText(room, link, start, q.Get("lang"))
	v.ICS = ics(room, link, v.Text, start, start.Add(time.Duration(mins)*time.Minute), r.Host)
	return v, nil
}

var errInvalidParam = errors.New("invalid parameter")

func invitationText(room store.Room, link string, start time.Time, lang string) invitationView {
	when := start.Format("2006-01-02 15:04 -07:00")
	if lang == "it" {
		t := fmt.Sprintf("Sei invitato a una riunione video: %s\nQuando: %s\n\nEntra dal browser di un computer, telefono o tablet (non serve installare nulla):\n%s\n", room.Title, when, link)
		if room.PIN != "" {
			t += "PIN della stanza: " + room.PIN + "\n"
		}
		return invitationView{Subject: "Invito: " + room.Title, Text: t}
	}
	t := fmt.Sprintf("You are invited to a video meeting: %s\nWhen: %s\n\nJoin from the browser of a computer, phone or tablet (nothing to install):\n%s\n", room.Title, when, link)
	if room.PIN != "" {
		t += "Room PIN: " + room.PIN + "\n"
	}
	return invitationView{Subject: "Invitation: " + room.Title, Text: t}
}

// ics renders one RFC 5545 event, CRLF line ends and 75-octet folding.
func ics(room store.Room, link, text string, start, end time.Time, host string) string {
	uid := make([]byte, 12)
	_, _ = rand.Read(uid)
	const f = "20060102T150405Z"
	lines := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//confer//confer//EN", "METHOD:PUBLISH",
		"BEGIN:VEVENT", "UID:" + hex.EncodeToString(uid) + "@" + host, "DTSTAMP:" + time.Now().UTC().Format(f),
		"DTSTART:" + start.UTC().Format(f), "DTEND:" + end.UTC().Format(f),
		"SUMMARY:" + icsEscape(room.Title), "LOCATION:" + icsEscape(link), "URL:" + link,
		"DESCRIPTION:" + icsEscape(text), "END:VEVENT", "END:VCALENDAR"}
	var b strings.Builder
	for _, l := range lines {
		for len(l) > 75 {
			cut := 75
			for cut > 0 && l[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
				cut--
			}
			b.WriteString(l[:cut] + "\r\n ")
			l = l[cut:]
		}
		b.WriteString(l + "\r\n")
	}
	return b.String()
}

func icsEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r", "", "\n", `\n`).Replace(s)
}

func (s *Server) invitation(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	v, err := s.invite(r, p)
	if err != nil {
		s.inviteErr(w, err)
		return
	}
	problem.JSON(w, http.StatusOK, v)
}

func (s *Server) invitationICS(w http.ResponseWriter, r *http.Request, p *login.Principal) {
	v, err := s.invite(r, p)
	if err != nil {
		s.inviteErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("room")+`.ics"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(v.ICS))
}

func (s *Server) inviteErr(w http.ResponseWriter, err error) {
	if errors.Is(err, errInvalidParam) {
		badRequest(w, err.Error())
		return
	}
	s.writeErr(w, err)
}
