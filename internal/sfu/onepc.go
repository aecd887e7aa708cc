package sfu

import (
	"errors"

	"github.com/pion/webrtc/v4"
)

// One connection per participant (PeerOptions.OnePC). The client's
// publish connection also receives: the client offers, besides its own
// tracks, one recvonly transceiver per receive slot, and the server
// attaches a slot (slot.go) to each when it answers. The client stays the
// only offerer, so there is no glare and the server never has to offer
// simulcast reception. When the server wants more slots than the client
// offered, it says so (SlotsWantedHandler) and the client offers again.
// Half the ICE, DTLS and SRTP state per participant, and one connection
// for a phone to set up.

var errOnePC = errors.New("sfu: one-connection peer: the client makes every offer")

// SlotsWantedHandler is an optional extension of PeerHandler for OnePC
// peers: it hears how many receive slots of each kind the server would
// use now. The client adds recvonly transceivers up to those counts (it
// never needs to remove any) and makes a new offer.
type SlotsWantedHandler interface {
	SlotsWanted(audio, video int)
}

// SlotsWanted returns the counts last asked of the client, for a client
// that reconnected.
func (p *Peer) SlotsWanted() (audio, video int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.slotsWanted[0], p.slotsWanted[1]
}

// wantSlots asks the client for n slots of kind when it has fewer and
// was not asked for as many already.
func (p *Peer) wantSlots(kind webrtc.RTPCodecType, n int) {
	i := 1
	if kind == webrtc.RTPCodecTypeAudio {
		i = 0
	}
	p.mu.Lock()
	have := len(p.audioSlots)
	if i == 1 {
		have = len(p.videoSlots)
	}
	if n <= have || n <= p.slotsWanted[i] {
		p.mu.Unlock()
		return
	}
	p.slotsWanted[i] = n
	a, v := p.slotsWanted[0], p.slotsWanted[1]
	p.mu.Unlock()
	if h, ok := p.h.(SlotsWantedHandler); ok {
		p.events.post(func() { h.SlotsWanted(a, v) })
	}
}

// attachSlots makes a slot of every transceiver the client's offer
// created to receive on: Pion made it send-only on this side, without a
// sender. Called under pubMu, between the offer and the answer.
func (p *Peer) attachSlots() {
	for _, tr := range p.pub.GetTransceivers() {
		if tr.Direction() != webrtc.RTPTransceiverDirectionSendonly || tr.Sender() != nil {
			continue
		}
		kind := tr.Kind()
		p.mu.Lock()
		idx := len(p.videoSlots)
		if kind == webrtc.RTPCodecTypeAudio {
			idx = len(p.audioSlots)
		}
		p.mu.Unlock()
		s := newSlot(p, kind, idx)
		sender, err := p.r.e.oneAPI.NewRTPSender(s, p.pub.SCTP().Transport())
		if err == nil {
			err = tr.SetSender(sender, s)
		}
		if err != nil {
			p.log.Warn("attach receive slot", "slot", s.id, "mid", tr.Mid(), "err", err)
			continue
		}
		p.keepSlot(s, sender, tr)
	}
}
