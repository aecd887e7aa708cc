package sfu

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// subscribe adds a downTrack for recv to this peer's subscribe PC and
// schedules a new offer.
func (p *Peer) subscribe(recv *receiver) {
	if recv.publisher == p || p.publishOnly {
		return
	}
	if p.slotMode {
		p.r.kick() // the router's tick assigns it a slot if wanted
		return
	}
	d := newDownTrack(recv, p)
	p.mu.Lock()
	if _, dup := p.downTracks[d.id]; dup || p.closed {
		p.mu.Unlock()
		return
	}
	p.downTracks[d.id] = d
	p.mu.Unlock()

	tr, err := p.sub.AddTransceiverFromTrack(d, webrtc.RTPTransceiverInit{
		Direction: webrtc.RTPTransceiverDirectionSendonly,
	})
	if err != nil {
		p.log.Warn("add subscriber track", "track", d.id, "err", err)
		p.mu.Lock()
		delete(p.downTracks, d.id)
		p.mu.Unlock()
		return
	}
	// Offer only the publisher's codec: the subscriber must accept what
	// the publisher sends, there is no transcoding.
	// The payload type is left to the subscribe PC (0 = ours), and the
	// feedback to what the SFU answers.
	pref := recv.codec
	pref.PayloadType = 0
	pref.RTCPFeedback = nil
	if d.kind == webrtc.RTPCodecTypeVideo {
		pref.RTCPFeedback = videoFeedback
	}
	if err := tr.SetCodecPreferences([]webrtc.RTPCodecParameters{pref}); err != nil {
		p.log.Debug("codec preferences", "track", d.id, "err", err)
	}
	d.sender = tr.Sender()
	d.transceiver = tr

	if !recv.addDownTrack(d) || p.isClosed() {
		recv.removeDownTrack(d)
		p.unsubscribe(d)
		return
	}
	d.countLive()
	if p.rtcpMode.Load() == rtcpPerTrack {
		d.startRTCPReader()
	}
	p.negotiate()
}

// unsubscribe removes a downTrack from the subscribe PC and schedules a new
// offer in which its m-line is inactive.
func (p *Peer) unsubscribe(d *downTrack) {
	if d.slot != nil {
		p.unsubscribeSlot(d)
		return
	}
	p.mu.Lock()
	if p.downTracks[d.id] == d {
		delete(p.downTracks, d.id)
	}
	closed := p.closed
	p.mu.Unlock()
	d.close()
	if closed || d.sender == nil {
		return
	}
	if err := p.sub.RemoveTrack(d.sender); err != nil {
		p.log.Debug("remove subscriber track", "track", d.id, "err", err)
	}
	p.negotiate()
}

// negotiate schedules a subscriber offer after a short delay so that a
// burst of changes produces one offer.
func (p *Peer) negotiate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.publishOnly || p.onePC {
		return // with one connection only the client offers
	}
	now := time.Now()
	if p.negTimer != nil {
		switch {
		case p.restart:
			// An ICE restart does not wait: the subscriber's media is
			// down until it is done. A timer that already fired is about
			// to offer anyway.
			if p.negTimer.Stop() {
				p.negTimer.Reset(negotiationDelay)
			}
			p.negBurst = false // later changes must not push it out again
		case p.negBurst:
			// Changes keep coming: wait for a quiet offerGap, but never
			// longer than maxOfferWait after the first of them.
			if p.negTimer.Stop() {
				p.negTimer.Reset(p.burstDelayLocked(now))
			}
		}
		return
	}
	d := p.offerDelayLocked(now)
	p.negBurst = d > negotiationDelay
	p.negSince = now
	p.negTimer = time.AfterFunc(d, func() {
		p.mu.Lock()
		p.negTimer = nil
		p.mu.Unlock()
		p.offer()
	})
}

// offerDelayLocked is how long a first change waits for its offer: a
// moment after a quiet spell; a quiet offerGap when the latest offer was
// less than offerGap ago, i.e. people are joining or leaving in a burst.
// p.mu is held.
func (p *Peer) offerDelayLocked(now time.Time) time.Duration {
	// A slot peer is renegotiated only when it needs a slot more, and its
	// offers are small: batching them would only delay a newcomer's
	// first videos (its layout asks for them just after the audio).
	if p.restart || p.slotMode || now.Sub(p.lastOfferAt) >= offerGap {
		return negotiationDelay
	}
	return offerGap
}

// burstDelayLocked is the wait after a further change in a burst: a quiet
// offerGap, cut short so that the offer never comes later than
// maxOfferWait after the burst's first change. p.mu is held.
func (p *Peer) burstDelayLocked(now time.Time) time.Duration {
	left := p.negSince.Add(maxOfferWait).Sub(now)
	return max(min(offerGap, left), 0)
}

// offer creates and sends a subscriber offer, or, when one is outstanding,
// records that another is needed once the answer arrives.
func (p *Peer) offer() {
	p.negMu.Lock()
	// Pion is queried before taking p.mu: p.mu is never held across calls
	// into Pion. The outstanding offer is only fetched for an ICE restart,
	// which resends it: rebuilding it is one of the costliest steps of a
	// renegotiation in a big meeting.
	state := p.sub.SignalingState()
	var pendingSDP string
	if state == webrtc.SignalingStateHaveLocalOffer && p.restartWanted() {
		if ld := p.sub.PendingLocalDescription(); ld != nil {
			pendingSDP = ld.SDP
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.negMu.Unlock()
		return
	}
	restart := p.restart
	if state == webrtc.SignalingStateHaveLocalOffer {
		// Pion cannot roll back a local offer, so a new one has to wait
		// for the answer.
		resend := ""
		if restart {
			// ICE restarts are asked for after a reconnect, when the
			// client may have lost the outstanding offer: send it again.
			// If that offer restarts ICE itself, nothing more is needed;
			// otherwise p.restart stays set for the offer after the
			// answer.
			resend = pendingSDP
			if resend == "" {
				// Asked for after the check above: RestartICE has
				// scheduled another offer() that resends it; and in
				// case the answer comes first, offer again after it.
				p.negPending = true
			} else if p.lastOfferRestart {
				p.restart = false
			}
		} else {
			p.negPending = true
		}
		p.mu.Unlock()
		p.negMu.Unlock()
		if resend != "" {
			p.h.SubscriberOffer(resend)
		}
		return
	}
	p.restart = false
	p.negPending = false
	p.mu.Unlock()

	sdp, err := p.createOffer(restart)
	if err == nil {
		p.mu.Lock()
		p.lastOfferRestart = restart
		p.lastOfferAt = time.Now()
		p.mu.Unlock()
		p.r.e.stats.offers.Add(1)
	}
	p.negMu.Unlock()
	if err != nil {
		if !errors.Is(err, errNothingToOffer) {
			p.log.Warn("subscriber offer", "err", err)
		}
		return
	}
	p.h.SubscriberOffer(sdp)
	p.subGate.release(sdp)
	if p.slotMode {
		p.notifySlots() // new slots have their mid now
	}
}

var errNothingToOffer = errors.New("nothing to offer")

func (p *Peer) restartWanted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restart
}

// createOffer runs under negMu. On success the subscribe gate is held and
// the caller releases it once the offer is handed out.
func (p *Peer) createOffer(restart bool) (string, error) {
	if len(p.sub.GetTransceivers()) == 0 {
		// No track to send yet: the subscribe PC stays unconnected until
		// there is.
		return "", errNothingToOffer
	}
	// Hold trickling before CreateOffer: an ICE restart starts gathering
	// right there.
	p.subGate.hold()
	offer, err := p.sub.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		p.subGate.release("")
		return "", err
	}
	sdp, err := setLocalAndGather(p.sub, offer, !restart)
	if err != nil {
		p.subGate.release("")
		return "", err
	}
	return sdp, nil
}

// setLocalAndGather applies a local description and waits (briefly) for
// candidate gathering so that the SDP handed out already lists them.
// When gathering had completed before desc was created and sameICE says
// ICE is not restarting, desc lists every candidate already: it is handed
// out as it is, sparing Pion a re-parse and re-marshal of the whole
// session (big meetings renegotiate often).
func setLocalAndGather(pc *webrtc.PeerConnection, desc webrtc.SessionDescription, sameICE bool) (string, error) {
	if sameICE && pc.ICEGatheringState() == webrtc.ICEGatheringStateComplete &&
		strings.Contains(desc.SDP, "a=end-of-candidates") {
		if err := pc.SetLocalDescription(desc); err != nil {
			return "", err
		}
		return desc.SDP, nil
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return "", err
	}
	t := time.NewTimer(gatherTimeout)
	select {
	case <-done:
	case <-t.C:
	}
	t.Stop()
	ld := pc.LocalDescription()
	if ld == nil {
		return "", errors.New("no local description")
	}
	return ld.SDP, nil
}

// candidateGate holds back trickled server candidates while an SDP is being
// produced: a candidate must not reach the client before the description
// it belongs to. On release, candidates the SDP already lists are dropped.
type candidateGate struct {
	out func(webrtc.ICECandidateInit)

	mu   sync.Mutex
	held int
	buf  []webrtc.ICECandidateInit
}

func newCandidateGate(out func(webrtc.ICECandidateInit)) *candidateGate {
	return &candidateGate{out: out}
}

func (g *candidateGate) candidate(c *webrtc.ICECandidate) {
	if c == nil {
		return // end of gathering; the SDP or earlier trickles said it all
	}
	init := c.ToJSON()
	g.mu.Lock()
	if g.held > 0 {
		g.buf = append(g.buf, init)
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	g.out(init)
}

func (g *candidateGate) hold() {
	g.mu.Lock()
	g.held++
	g.mu.Unlock()
}

func (g *candidateGate) release(sdp string) {
	g.mu.Lock()
	if g.held > 0 {
		g.held--
	}
	if g.held > 0 {
		g.mu.Unlock()
		return
	}
	buf := g.buf
	g.buf = nil
	g.mu.Unlock()
	for _, c := range buf {
		if sdp == "" || !strings.Contains(sdp, c.Candidate) {
			g.out(c)
		}
	}
}
