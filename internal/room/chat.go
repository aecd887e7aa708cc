package room

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Chat limits.
const (
	MaxChatRunes = 2000 // one message
	maxHistory   = 200  // public messages kept for late joiners
)

// ErrBadChat refuses an empty, too long or misaddressed message.
var ErrBadChat = errors.New("chat message empty, too long or to nobody")

// Chat sends text to the whole meeting (to == "") or privately to one
// participant. Public messages are kept (the last 200) for people who join
// later; private ones reach only the two people involved. Control
// characters other than newline and tab are dropped.
func (p *Participant) Chat(text, to string) (ChatMessage, error) {
	text = cleanText(text)
	if text == "" || utf8.RuneCountInString(text) > MaxChatRunes || to == p.ID() || !p.Present() {
		return ChatMessage{}, ErrBadChat
	}
	r := p.room
	m := ChatMessage{ID: "m" + randomHex(6), From: p.ID(), FromName: p.Name(), To: to, Text: text, At: time.Now().UTC()}
	var ls []Listener
	r.mu.Lock()
	if to == "" {
		r.chat = append(r.chat, m)
		if len(r.chat) > maxHistory {
			r.chat = r.chat[len(r.chat)-maxHistory:]
		}
		ls = r.listenersLocked("")
	} else {
		t := r.participants[to]
		if t == nil {
			r.mu.Unlock()
			return ChatMessage{}, ErrBadChat
		}
		for _, q := range []*Participant{p, t} {
			if l := q.currentListener(); l != nil {
				ls = append(ls, l)
			}
		}
	}
	r.mu.Unlock()
	for _, l := range ls {
		l.Event(m)
	}
	return m, nil
}

func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(c rune) rune {
		if c == '\n' || c == '\t' || !unicode.IsControl(c) {
			return c
		}
		return -1
	}, s)
	return strings.TrimSpace(s)
}

// RaiseHand raises or lowers the participant's own hand.
func (p *Participant) RaiseHand(up bool) { p.setHand(up) }

func (p *Participant) setHand(up bool) {
	r := p.room
	r.mu.Lock()
	seq := int64(0)
	if up {
		r.handSeq++
		seq = r.handSeq
	}
	r.mu.Unlock()
	p.mu.Lock()
	if (p.info.Hand != 0) == up {
		p.mu.Unlock()
		return // no change: keep the place in the queue
	}
	p.info.Hand = seq
	info := p.info
	p.mu.Unlock()
	r.broadcast("", func(l Listener) { l.ParticipantUpdated(info) })
}

func (r *Room) lowerAllHands() {
	r.mu.Lock()
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.setHand(false)
	}
}

// sendState gives p what a (re)joining client needs beyond welcome.
func (r *Room) sendState(p *Participant) {
	l := p.currentListener()
	if l == nil {
		return
	}
	info := p.snapshot()
	r.mu.Lock()
	ev := StateEvent{Role: info.Role, Locked: r.locked}
	ev.History = append([]ChatMessage(nil), r.chat...)
	if isModerator(info.Role) {
		ev.Lobby = r.waitingLocked()
		ev.Log = append([]LogEntry(nil), r.log...)
	}
	r.mu.Unlock()
	p.mu.Lock()
	for g, on := range p.hard {
		if on {
			ev.Hard = append(ev.Hard, g)
		}
	}
	p.mu.Unlock()
	l.Event(ev)
}

// Notify sends an event to everyone in the meeting (not the lobby).
func (r *Room) Notify(typ string, data any) {
	r.broadcast("", func(l Listener) { l.Event(Custom{Type: typ, Data: data}) })
}

// ByToken returns the participant (not a waiting person) whose resume
// token is token, or nil. The web layer uses it to check that an HTTP
// request comes from someone in the meeting.
func (r *Room) ByToken(token string) *Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byToken(token)
}

// Participant returns the participant with id, or nil.
func (r *Room) Participant(id string) *Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.participants[id]
}
