package signal

import "github.com/confer-dev/confer/internal/room"

// Event is room.Listener's catch-all: meeting control events become
// protocol messages here.
func (s *session) Event(ev any) {
	switch e := ev.(type) {
	case room.WaitingEvent:
		s.send(TypeLobby, s.lobbyStatus()) // not held: no welcome comes first
	case room.AdmittedEvent:
		s.admitted(e)
	case room.RefusedEvent:
		s.refused()
	case room.ChatMessage:
		s.event(TypeChat, chatMsg(e))
	case room.StateEvent:
		st := MeetingState{Role: e.Role, Locked: e.Locked, Chat: make([]Chat, len(e.History)),
			HardMuted: append([]string{}, e.Hard...), Lobby: waitingMsgs(e.Lobby), Log: logMsgs(e.Log)}
		for i, m := range e.History {
			st.Chat[i] = chatMsg(m)
		}
		s.event(TypeMeetingState, st)
	case room.LobbyEvent:
		u := LobbyUpdate{Waiting: waitingMsgs(e.Waiting)}
		if e.Added != nil {
			u.Added = &Waiting{ID: e.Added.ID, Name: e.Added.Name, Since: e.Added.Since}
		}
		s.event(TypeLobbyUpdate, u)
	case room.ModeratedEvent:
		s.event(TypeModerated, Moderated{Action: e.Action, Group: e.Group, Hard: e.Hard, By: e.By})
	case room.RoomEvent:
		s.event(TypeRoomUpdated, RoomUpdated{Locked: e.Locked})
	case room.LogEvent:
		s.event(TypeModerationLog, ModerationLog{Entries: logMsgs(e.Entries)})
	case room.Custom:
		s.event(e.Type, e.Data)
	default:
		s.log.Error("unknown room event", "event", ev)
	}
}

func chatMsg(m room.ChatMessage) Chat {
	return Chat{ID: m.ID, From: m.From, FromName: m.FromName, To: m.To, Text: m.Text, At: m.At}
}

func logMsgs(es []room.LogEntry) []LogEntry {
	if len(es) == 0 {
		return nil
	}
	out := make([]LogEntry, len(es))
	for i, e := range es {
		out[i] = LogEntry{At: e.At, By: e.By, ByName: e.ByName, Action: e.Action, Target: e.Target, TargetName: e.TargetName, Detail: e.Detail}
	}
	return out
}
