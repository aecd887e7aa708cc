package usage

import (
	"time"

	"github.com/confer-dev/confer/internal/room"
)

// Tee passes room events to each of evs in turn (records first, so a
// webhook or metric never runs ahead of the record).
func Tee(evs ...room.Events) room.Events { return tee(evs) }

type tee []room.Events

func (t tee) MeetingStarted(slug string, at time.Time) {
	for _, e := range t {
		e.MeetingStarted(slug, at)
	}
}

func (t tee) MeetingEnded(slug string, at time.Time) {
	for _, e := range t {
		e.MeetingEnded(slug, at)
	}
}

func (t tee) ParticipantJoined(slug string, p room.Info, at time.Time) {
	for _, e := range t {
		e.ParticipantJoined(slug, p, at)
	}
}

func (t tee) ParticipantLeft(slug string, p room.Info, at time.Time) {
	for _, e := range t {
		e.ParticipantLeft(slug, p, at)
	}
}
