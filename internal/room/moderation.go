package room

import (
	"errors"
	"fmt"
	"time"
)

// Roles in a meeting.
const (
	RoleHost        = "host"        // a signed-in host of the room
	RoleModerator   = "moderator"   // made moderator by a host, or first in a room without lobby
	RoleParticipant = "participant" // everyone else
)

func isModerator(role string) bool { return role == RoleHost || role == RoleModerator }

// Errors of moderation actions.
var (
	ErrForbidden = errors.New("only hosts and moderators may do this")
	ErrNoTarget  = errors.New("no such participant")
	ErrBadAction = errors.New("unknown moderation action or argument")
)

// maxLog bounds the moderation log kept per meeting.
const maxLog = 500

// moderation is the room's lock, bans and log (guarded by Room.mu).
type moderation struct {
	locked     bool
	bannedKeys map[string]bool
	bannedTok  map[string]bool
	log        []LogEntry
}

func (r *Room) bannedLocked(req JoinRequest) bool {
	return (req.Key != "" && r.bannedKeys[req.Key]) || (req.ResumeToken != "" && r.bannedTok[req.ResumeToken])
}

func (r *Room) hasModeratorLocked() bool {
	for _, p := range r.participants {
		if isModerator(p.snapshot().Role) {
			return true
		}
	}
	return false
}

// heirLocked picks who becomes moderator when the last one has left a
// room without lobby: the participant who joined first.
func (r *Room) heirLocked() *Participant {
	if r.settings.Lobby || r.ended || len(r.participants) == 0 || r.hasModeratorLocked() {
		return nil
	}
	var heir *Participant
	for _, p := range r.participants {
		if heir == nil || p.seq < heir.seq {
			heir = p
		}
	}
	return heir
}

// Action is one moderation command.
type Action struct {
	Name   string // mute, mute_all, allow, remove, lock, end, set_role, lower_hand, admit, admit_all, refuse
	Target string // participant id (waiting person's id for admit and refuse)
	Group  string // GroupAudio, GroupVideo or GroupScreen, for mute, mute_all and allow
	Hard   bool   // mute: the target may not unmute until allowed
	Ban    bool   // remove: refuse them for the rest of this meeting
	Locked bool   // lock
	Role   string // set_role: RoleModerator or RoleParticipant
}

// Moderate runs a moderation action by p. Everything is checked here, so a
// modified client gets nowhere: only hosts and moderators act, and a
// moderator cannot act on a host.
func (p *Participant) Moderate(a Action) error {
	r := p.room
	by := p.snapshot()
	if !isModerator(by.Role) || !p.Present() {
		return ErrForbidden
	}
	var target *Participant
	needsTarget := map[string]bool{"mute": true, "allow": true, "remove": true, "set_role": true}
	if needsTarget[a.Name] || (a.Name == "lower_hand" && a.Target != "") {
		r.mu.Lock()
		target = r.participants[a.Target]
		r.mu.Unlock()
		if target == nil {
			return ErrNoTarget
		}
		if target.Role() == RoleHost && by.Role != RoleHost && target != p {
			return ErrForbidden
		}
	}
	validGroup := a.Group == GroupAudio || a.Group == GroupVideo || a.Group == GroupScreen
	detail := ""
	switch a.Name {
	case "mute":
		if !validGroup {
			return ErrBadAction
		}
		target.modMute(a.Group, a.Hard, by.Name)
		detail = fmt.Sprintf("%s hard=%t", a.Group, a.Hard)
	case "mute_all":
		if !validGroup {
			return ErrBadAction
		}
		r.mu.Lock()
		ps := make([]*Participant, 0, len(r.participants))
		for _, o := range r.participants {
			ps = append(ps, o)
		}
		r.mu.Unlock()
		for _, o := range ps {
			if o != p && !isModerator(o.Role()) {
				o.modMute(a.Group, a.Hard, by.Name)
			}
		}
		detail = fmt.Sprintf("%s hard=%t", a.Group, a.Hard)
	case "allow":
		if !validGroup {
			return ErrBadAction
		}
		target.mu.Lock()
		delete(target.hard, a.Group)
		target.mu.Unlock()
		if a.Group == GroupScreen {
			target.enforce(GroupScreen, false)
		}
		if l := target.currentListener(); l != nil {
			l.Event(ModeratedEvent{Action: "allow", Group: a.Group, By: by.Name})
		}
		detail = a.Group
	case "remove":
		if target == p {
			return ErrBadAction
		}
		if a.Ban {
			r.mu.Lock()
			if target.key != "" {
				if r.bannedKeys == nil {
					r.bannedKeys = map[string]bool{}
				}
				r.bannedKeys[target.key] = true
			}
			if r.bannedTok == nil {
				r.bannedTok = map[string]bool{}
			}
			r.bannedTok[target.token] = true
			r.mu.Unlock()
		}
		if target.close(ReasonRemoved) {
			r.remove(target, ReasonRemoved)
		}
		detail = fmt.Sprintf("ban=%t", a.Ban)
	case "lock":
		r.mu.Lock()
		r.locked = a.Locked
		r.mu.Unlock()
		r.broadcast("", func(l Listener) { l.Event(RoomEvent{Locked: a.Locked}) })
		detail = fmt.Sprintf("locked=%t", a.Locked)
	case "end":
		r.record(by, a, nil, "")
		r.end(ReasonEnded)
		return nil
	case "set_role":
		if a.Role != RoleModerator && a.Role != RoleParticipant {
			return ErrBadAction
		}
		if target.Role() == RoleHost {
			return ErrForbidden
		}
		r.setRole(target, a.Role)
		detail = a.Role
	case "lower_hand":
		if target != nil {
			target.setHand(false)
		} else {
			r.lowerAllHands()
		}
	case "admit", "refuse", "admit_all":
		n, err := r.decide(a.Name, a.Target)
		if err != nil {
			return err
		}
		r.record(by, a, nil, n)
		return nil
	default:
		return ErrBadAction
	}
	r.record(by, a, target, detail)
	return nil
}

// modMute mutes a group of p's tracks on the server and tells p's client
// to stop sending them. A soft mute ends when p unmutes itself; a hard one
// when a moderator allows it.
func (p *Participant) modMute(group string, hard bool, by string) {
	p.mu.Lock()
	if hard {
		if p.hard == nil {
			p.hard = map[string]bool{}
		}
		p.hard[group] = true
	}
	switch group {
	case GroupAudio:
		p.info.AudioMuted = true
	case GroupVideo:
		p.info.VideoMuted = true
	}
	info := p.info
	p.mu.Unlock()
	p.enforce(group, true)
	if l := p.currentListener(); l != nil {
		l.Event(ModeratedEvent{Action: "mute", Group: group, Hard: hard, By: by})
	}
	p.room.broadcast(info.ID, func(l Listener) { l.ParticipantUpdated(info) })
}

// setRole changes p's role and tells everyone; p also gets its new state
// (lobby and log when it became a moderator).
func (r *Room) setRole(p *Participant, role string) {
	p.mu.Lock()
	p.info.Role = role
	info := p.info
	p.mu.Unlock()
	r.broadcast("", func(l Listener) { l.ParticipantUpdated(info) })
	r.sendState(p)
	r.mgr.log.Info("role changed", "room", r.slug, "participant", info.ID, "role", role)
}

// record appends a moderation action to the meeting's log, logs it, and
// shows it to hosts and moderators.
func (r *Room) record(by Info, a Action, target *Participant, detail string) {
	e := LogEntry{At: time.Now().UTC(), By: by.ID, ByName: by.Name, Action: a.Name, Target: a.Target, Detail: detail}
	if target != nil {
		e.TargetName = target.Name()
	}
	r.mu.Lock()
	r.log = append(r.log, e)
	if len(r.log) > maxLog {
		r.log = r.log[len(r.log)-maxLog:]
	}
	ls := r.moderatorListenersLocked()
	r.mu.Unlock()
	r.mgr.log.Info("moderation", "room", r.slug, "by", e.By, "byName", e.ByName, "action", e.Action,
		"target", e.Target, "targetName", e.TargetName, "detail", e.Detail)
	for _, l := range ls {
		l.Event(LogEvent{Entries: []LogEntry{e}})
	}
}

// Record adds an action p took outside the meeting's own commands (a WHIP
// token created over HTTP) to the moderation log. Only moderators' actions
// belong there.
func (p *Participant) Record(action, detail string) error {
	by := p.snapshot()
	if !isModerator(by.Role) || !p.Present() {
		return ErrForbidden
	}
	p.room.record(by, Action{Name: action}, nil, detail)
	return nil
}

func (r *Room) moderatorListenersLocked() []Listener {
	var out []Listener
	for _, p := range r.participants {
		if !isModerator(p.snapshot().Role) {
			continue
		}
		if l := p.currentListener(); l != nil {
			out = append(out, l)
		}
	}
	return out
}

// Locked reports whether new joins are refused.
func (r *Room) Locked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.locked
}

// ModerationLog returns the meeting's moderation log, oldest first.
func (r *Room) ModerationLog() []LogEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]LogEntry(nil), r.log...)
}
