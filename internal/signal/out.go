package signal

import (
	"context"
	"time"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/sfu"
	"github.com/pion/webrtc/v4"
)

// writeLoop sends queued messages in order until the session ends.
func (s *session) writeLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case b, ok := <-s.out:
			if !ok {
				return
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := s.t.Write(wctx, b)
			cancel()
			if err != nil {
				s.cancel()
				return
			}
		}
	}
}

// send encodes and queues one message.
func (s *session) send(typ string, data any) {
	b, err := Encode(typ, data)
	if err != nil {
		s.log.Error("encode", "type", typ, "err", err)
		return
	}
	s.enqueue(b)
}

// event queues a room event, holding it back until welcome has gone out.
func (s *session) event(typ string, data any) {
	b, err := Encode(typ, data)
	if err != nil {
		s.log.Error("encode", "type", typ, "err", err)
		return
	}
	s.mu.Lock()
	if !s.ready {
		s.held = append(s.held, b)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.enqueue(b)
}

func (s *session) enqueue(b []byte) {
	select {
	case s.out <- b:
	default:
		// A client that cannot keep up is dropped rather than slowing
		// the room; it reconnects and resumes.
		s.log.Warn("client too slow, disconnecting")
		s.cancel()
	}
}

func (s *session) sendError(code, msg string, fatal bool) {
	s.send(TypeError, Error{Code: code, Message: msg, Fatal: fatal})
}

// fail sends a fatal error, waits briefly for it to leave, and closes.
func (s *session) fail(code, msg string) {
	s.sendError(code, msg, true)
	s.drainAndClose(code)
}

func (s *session) drainAndClose(reason string) {
	deadline := time.After(2 * time.Second)
	for len(s.out) > 0 {
		select {
		case <-deadline:
			_ = s.t.Close(reason)
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	time.Sleep(20 * time.Millisecond) // the last message may still be in Write
	_ = s.t.Close(reason)
}

func participantMsg(i room.Info) Participant {
	return Participant{ID: i.ID, Name: i.Name, AudioMuted: i.AudioMuted, VideoMuted: i.VideoMuted, Role: i.Role, Hand: i.Hand, Quality: i.Quality}
}

func trackMsg(t room.Track) Track {
	return Track{ID: t.ID, ParticipantID: t.PeerID, Kind: t.Kind, Source: t.Source}
}

// room.Listener

func (s *session) ParticipantJoined(i room.Info) { s.event(TypeParticipantJoined, participantMsg(i)) }
func (s *session) ParticipantUpdated(i room.Info) {
	s.event(TypeParticipantUpdated, participantMsg(i))
}
func (s *session) ParticipantLeft(id, reason string) {
	s.event(TypeParticipantLeft, ParticipantLeft{ID: id, Reason: reason})
}
func (s *session) TrackPublished(t room.Track) { s.event(TypeTrackPublished, trackMsg(t)) }
func (s *session) TrackRemoved(t room.Track)   { s.event(TypeTrackRemoved, trackMsg(t)) }
func (s *session) SubscriberOffer(sdp string) {
	s.event(TypeOffer, SDP{PC: PCSubscribe, SDP: sdp})
}

func (s *session) ICECandidate(dir sfu.Direction, c webrtc.ICECandidateInit) {
	pc := PCPublish
	if dir == sfu.Subscribe {
		pc = PCSubscribe
	}
	s.event(TypeCandidate, Candidate{PC: pc, Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex})
}

// Closed is called when the room ends this participant's part through
// this connection.
func (s *session) Closed(reason string) {
	s.mu.Lock()
	s.part = nil
	s.mu.Unlock()
	s.event(TypeBye, Bye{Reason: reason})
	go s.drainAndClose(reason)
}
