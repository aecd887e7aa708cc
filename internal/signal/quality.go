package signal

import (
	"context"
	"errors"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/sfu"
)

// Media quality messages: tile sizes from the client (the SFU picks each
// track's simulcast layer from them), the dominant speaker and "dynacast"
// layer switching for publishers.
const (
	TypeVideoPrefs    = "video_prefs"    // client → server
	TypeActiveSpeaker = "active_speaker" // server → client
	TypePublishLayers = "publish_layers" // server → client
	TypeSlots         = "slots"          // server → client, to clients that joined with slots
	TypeSlotsWanted   = "slots_wanted"   // server → client, to clients that joined with onePC
)

// VideoPrefs lists the size at which the client shows each video track it
// receives. Tracks not listed keep their last size.
type VideoPrefs struct {
	Tracks []VideoPref `json:"tracks"`
}

// VideoPref is one tile, in device pixels; 0×0 means not visible (the
// server pauses the track for this client).
type VideoPref struct {
	ID     string `json:"id"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// ActiveSpeaker names the participant who is speaking now.
type ActiveSpeaker struct {
	ParticipantID string `json:"participantId"`
}

// PublishLayers tells a publisher which simulcast layers (rids) of its
// track anybody needs; it sets encodings[i].active for the others to
// false. TrackID is the publisher's own track id (MediaStreamTrack.id).
type PublishLayers struct {
	TrackID string   `json:"trackId"`
	Active  []string `json:"active"`
}

// Slots is the full map of a client's receive slots (join.slots): which
// published track each m-line of its subscribe PeerConnection carries now.
type Slots struct {
	Slots []Slot `json:"slots"`
}

// Slot is one receive slot. TrackID and ParticipantID are empty when the
// slot carries nothing.
type Slot struct {
	Mid           string `json:"mid"`
	Kind          string `json:"kind"`
	TrackID       string `json:"trackId"`
	ParticipantID string `json:"participantId"`
	// FromTS is the first RTP timestamp that is TrackID's, when the slot
	// carried someone else before: frames with an older timestamp are
	// theirs and must not be shown under this person's name.
	FromTS *uint32 `json:"fromTs,omitempty"`
}

// SlotsWanted tells a one-connection client how many receive slots of
// each kind the server would use now: it adds recvonly transceivers up to
// these counts and offers again.
type SlotsWanted struct {
	Audio int `json:"audio"`
	Video int `json:"video"`
}

const maxVideoPrefs = 128

func qualityMessages() map[string]messageSpec {
	return map[string]messageSpec{
		TypeVideoPrefs: {decode: decodeAs(checkVideoPrefs), handle: handleVideoPrefs},
	}
}

func checkVideoPrefs(v *VideoPrefs) error {
	if len(v.Tracks) > maxVideoPrefs {
		return errors.New("too many tracks")
	}
	for _, t := range v.Tracks {
		if t.ID == "" || len(t.ID) > 128 || t.Width < 0 || t.Height < 0 || t.Width > 16384 || t.Height > 16384 {
			return errors.New("bad track id or size")
		}
	}
	return nil
}

func handleVideoPrefs(_ context.Context, s *session, p *room.Participant, msg any) bool {
	v := msg.(*VideoPrefs)
	prefs := make([]sfu.VideoPref, len(v.Tracks))
	for i, t := range v.Tracks {
		prefs[i] = sfu.VideoPref{TrackID: t.ID, Width: t.Width, Height: t.Height}
	}
	if err := p.SetVideoPrefs(prefs); err != nil {
		s.log.Debug("video prefs", "participant", p.ID(), "err", err)
	}
	return true
}

// room.QualityListener

func (s *session) ActiveSpeaker(id string) {
	s.event(TypeActiveSpeaker, ActiveSpeaker{ParticipantID: id})
}

func (s *session) PublishLayers(trackID string, rids []string) {
	if rids == nil {
		rids = []string{}
	}
	s.event(TypePublishLayers, PublishLayers{TrackID: trackID, Active: rids})
}

// room.SlotListener

func (s *session) Slots(m []sfu.SlotInfo) { s.event(TypeSlots, slotsMsg(m)) }

// slotsMsg is the slots message for the SFU's map; fromTs is only for
// video, where a previous person's frame can linger.
func slotsMsg(m []sfu.SlotInfo) Slots {
	out := Slots{Slots: make([]Slot, len(m))}
	for i, x := range m {
		out.Slots[i] = Slot{Mid: x.Mid, Kind: x.Kind, TrackID: x.TrackID, ParticipantID: x.PeerID}
		if x.HasFrom && x.Kind == "video" {
			out.Slots[i].FromTS = &x.From
		}
	}
	return out
}

func (s *session) SlotsWanted(audio, video int) {
	s.event(TypeSlotsWanted, SlotsWanted{Audio: audio, Video: video})
}
