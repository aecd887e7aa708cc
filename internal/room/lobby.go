package room

import (
	"errors"
	"sort"
	"time"
)

// ErrNotWaiting is returned when admitting or refusing someone who is no
// longer in the lobby.
var ErrNotWaiting = errors.New("nobody with that id is waiting")

// maxWaiting bounds the lobby of one meeting.
const maxWaiting = 200

// Waiter is a person in a room's lobby. It has no media and hears nothing
// of the meeting until admitted: it is not a participant.
type Waiter struct {
	room     *Room
	id       string
	req      JoinRequest
	listener Listener
	since    time.Time
}

// ID identifies the waiting person to moderators.
func (w *Waiter) ID() string { return w.id }

// lobby is the room's waiting list (guarded by Room.mu).
type lobby struct {
	waiting map[string]*Waiter
}

func (r *Room) addWaiterLocked(req JoinRequest, l Listener) *Waiter {
	if r.waiting == nil {
		r.waiting = map[string]*Waiter{}
	}
	w := &Waiter{room: r, id: "w" + randomHex(6), req: req, listener: l, since: time.Now().UTC()}
	r.waiting[w.id] = w
	r.mgr.log.Info("waiting in lobby", "room", r.slug, "waiter", w.id)
	return w
}

func (r *Room) takeWaitersLocked() []*Waiter {
	out := make([]*Waiter, 0, len(r.waiting))
	for _, w := range r.waiting {
		out = append(out, w)
	}
	r.waiting = nil
	return out
}

func (r *Room) waitingLocked() []Waiting {
	out := make([]Waiting, 0, len(r.waiting))
	for _, w := range r.waiting {
		out = append(out, Waiting{ID: w.id, Name: w.req.Name, Since: w.since})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// lobbyChanged shows hosts and moderators the current waiting list; added
// is the newcomer, if any.
func (r *Room) lobbyChanged(added *Waiter) {
	r.mu.Lock()
	ev := LobbyEvent{Waiting: r.waitingLocked()}
	ls := r.moderatorListenersLocked()
	r.mu.Unlock()
	if added != nil {
		ev.Added = &Waiting{ID: added.id, Name: added.req.Name, Since: added.since}
	}
	for _, l := range ls {
		l.Event(ev)
	}
}

// Cancel takes a waiting person out of the lobby (they left or their
// connection dropped).
func (w *Waiter) Cancel() {
	r := w.room
	r.mu.Lock()
	if r.waiting[w.id] != w {
		r.mu.Unlock()
		return
	}
	delete(r.waiting, w.id)
	r.mu.Unlock()
	r.lobbyChanged(nil)
	r.endIfEmpty()
}

// decide admits or refuses waiting people; it returns the names decided
// on, for the log.
func (r *Room) decide(action, id string) (string, error) {
	var ws []*Waiter
	r.mu.Lock()
	if action == "admit_all" {
		for _, w := range r.waiting {
			ws = append(ws, w)
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].since.Before(ws[j].since) })
	} else if w := r.waiting[id]; w != nil {
		ws = append(ws, w)
	}
	r.mu.Unlock()
	if len(ws) == 0 && action != "admit_all" {
		return "", ErrNotWaiting
	}
	names := ""
	var firstErr error
	for _, w := range ws {
		var err error
		if action == "refuse" {
			err = r.refuse(w)
		} else {
			err = r.admit(w)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if names != "" {
			names += ", "
		}
		names += w.req.Name
	}
	r.lobbyChanged(nil)
	if names == "" && firstErr != nil {
		return "", firstErr
	}
	return names, nil
}

// admit turns a waiting person into a participant and hands it to the
// waiting connection.
func (r *Room) admit(w *Waiter) error {
	r.mu.Lock()
	if r.waiting[w.id] != w {
		r.mu.Unlock()
		return ErrNotWaiting
	}
	if len(r.participants) >= r.settings.Capacity {
		r.mu.Unlock()
		return ErrFull
	}
	delete(r.waiting, w.id)
	p, others, res := r.addLocked(w.req, w.listener)
	r.mu.Unlock()
	if err := r.connect(p, others); err != nil {
		w.listener.Closed(ReasonShutdown)
		return err
	}
	w.listener.Event(AdmittedEvent{P: p, Res: res})
	return nil
}

func (r *Room) refuse(w *Waiter) error {
	r.mu.Lock()
	if r.waiting[w.id] != w {
		r.mu.Unlock()
		return ErrNotWaiting
	}
	delete(r.waiting, w.id)
	r.mu.Unlock()
	r.mgr.log.Info("refused from lobby", "room", r.slug, "waiter", w.id)
	w.listener.Event(RefusedEvent{})
	return nil
}
