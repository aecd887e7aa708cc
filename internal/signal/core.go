package signal

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/sfu"
	"github.com/pion/webrtc/v4"
)

// coreMessages are the messages of a plain meeting: joining, media
// negotiation, mute state, heartbeats and leaving.
func coreMessages() map[string]messageSpec {
	return map[string]messageSpec{
		TypeJoin:       {decode: decodeAs(checkJoin)},
		TypeOffer:      {decode: decodeAs(checkSDP(PCPublish)), handle: handleOffer},
		TypeAnswer:     {decode: decodeAs(checkSDP(PCSubscribe)), handle: handleAnswer},
		TypeCandidate:  {decode: decodeAs(checkCandidate), handle: handleCandidate},
		TypeMute:       {decode: decodeAs(checkMute), handle: handleMute},
		TypeICERestart: {decode: decodeEmpty, handle: handleICERestart},
		TypePing:       {decode: decodeEmpty, handle: handlePing},
		TypeLeave:      {decode: decodeEmpty, handle: handleLeave},
	}
}

func checkJoin(j *Join) error {
	if len(j.Room) > maxRoomSlug || len(j.PIN) > maxPIN || len(j.ResumeToken) > maxToken || len(j.Device) > 16 {
		return errors.New("field too long")
	}
	if !utf8.ValidString(j.Name) {
		return errors.New("name is not UTF-8")
	}
	return nil
}

func checkSDP(want PC) func(*SDP) error {
	return func(s *SDP) error {
		if s.PC != want {
			return fmt.Errorf("pc must be %q", want)
		}
		if s.SDP == "" || len(s.SDP) > maxSDPBytes {
			return errors.New("sdp missing or too long")
		}
		return nil
	}
}

func checkCandidate(c *Candidate) error {
	if c.PC != PCPublish && c.PC != PCSubscribe {
		return errors.New("unknown pc")
	}
	if len(c.Candidate) > maxCandidate || (c.SDPMid != nil && len(*c.SDPMid) > 32) {
		return errors.New("too long")
	}
	return nil
}

func checkMute(m *Mute) error {
	if m.Kind != "audio" && m.Kind != "video" {
		return errors.New("kind must be audio or video")
	}
	return nil
}

func handleOffer(_ context.Context, s *session, p *room.Participant, msg any) bool {
	answer, err := p.HandleOffer(msg.(*SDP).SDP)
	if err != nil {
		s.log.Info("publish offer refused", "participant", p.ID(), "err", err)
		s.sendError(CodeBadMessage, "offer refused: "+err.Error(), false)
		return true
	}
	s.send(TypeAnswer, SDP{PC: PCPublish, SDP: answer})
	return true
}

func handleAnswer(_ context.Context, s *session, p *room.Participant, msg any) bool {
	if err := p.HandleAnswer(msg.(*SDP).SDP); err != nil {
		s.log.Info("subscribe answer refused", "participant", p.ID(), "err", err)
		s.sendError(CodeBadMessage, "answer refused: "+err.Error(), false)
	}
	return true
}

func handleCandidate(_ context.Context, s *session, p *room.Participant, msg any) bool {
	c := msg.(*Candidate)
	dir := sfu.Publish
	if c.PC == PCSubscribe {
		dir = sfu.Subscribe
	}
	init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}
	if err := p.AddICECandidate(dir, init); err != nil {
		s.log.Debug("candidate refused", "participant", p.ID(), "err", err)
	}
	return true
}

func handleMute(_ context.Context, s *session, p *room.Participant, msg any) bool {
	m := msg.(*Mute)
	if err := p.SetMuted(m.Kind, m.Muted); errors.Is(err, room.ErrHardMuted) {
		// The server keeps the state muted and the track blocked.
		s.sendError(CodeHardMuted, "a moderator muted you; ask to be allowed to speak", false)
	}
	return true
}

func handleICERestart(_ context.Context, s *session, p *room.Participant, _ any) bool {
	if err := p.RestartICE(); err != nil {
		s.sendError(CodeBadMessage, err.Error(), false)
	}
	return true
}

func handlePing(_ context.Context, s *session, _ *room.Participant, _ any) bool {
	s.send(TypePong, struct{}{})
	return true
}

func handleLeave(_ context.Context, s *session, p *room.Participant, _ any) bool {
	s.mu.Lock()
	s.part = nil
	s.mu.Unlock()
	p.Leave()
	s.send(TypeBye, Bye{Reason: room.ReasonLeft})
	return false
}
