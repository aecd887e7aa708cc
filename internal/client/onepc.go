package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/signal"
)

// One PeerConnection (Options.OnePC, docs/protocol.md): the publish
// connection also receives, on the client's own recvonly transceivers,
// which the server makes receive slots. The client makes every offer.

const (
	firstAudioSlots = 3 // the server's default top-N audio
	firstVideoSlots = 4 // at most, when others publish video (as the web client)
)

// negotiation serialises a one-connection client's offers: one awaits
// its answer at a time, and whatever is asked meanwhile goes in one more
// offer after that answer. mu is also held while transceivers are added,
// so none is added between an offer and its local description.
type negotiation struct {
	mu       sync.Mutex
	asked    uint64 // offers asked for
	sent     uint64 // asked when the outstanding (or last) offer was made
	answered uint64 // sent of the last applied answer
	busy     bool   // an offer awaits its answer
	restart  bool   // the next offer restarts ICE
	err      error  // the last offer failed
	changed  chan struct{}
	recv     [2]int // recvonly transceivers added, audio and video
}

// wakeLocked tells the waiters (waitAnswer) that something changed.
func (n *negotiation) wakeLocked() {
	if n.changed != nil {
		close(n.changed)
	}
	n.changed = make(chan struct{})
}

// startOnePC makes the one PeerConnection with the first receive slots
// and Options.Media, starts the read loop and sends the first offer; with
// Media it waits for the answer.
func (c *Client) startOnePC(ctx context.Context) error {
	pc, err := c.api.NewPeerConnection(c.pcConfig())
	if err != nil {
		return fmt.Errorf("peer connection: %w", err)
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			c.sendCandidate(signal.PCPublish, cand.ToJSON())
		}
	})
	pc.OnTrack(c.handleTrack)
	c.mu.Lock()
	c.pub, c.sub = pc, pc
	c.mu.Unlock()

	var p *Publisher
	var senders []*webrtc.RTPSender
	if c.opts.Media != nil {
		if p, err = c.newPublisher(*c.opts.Media); err != nil {
			return err
		}
		if senders, err = p.addTo(pc); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	}
	videos := 0
	for _, t := range c.Welcome.Tracks {
		if t.Kind == "video" {
			videos++
		}
	}
	// Slots in the first offer: its first videos need no slots_wanted
	// round trip.
	c.neg.mu.Lock()
	err = c.addRecvLocked(firstAudioSlots, min(videos, firstVideoSlots))
	c.neg.mu.Unlock()
	if err != nil {
		return err
	}
	c.startReading(c.ws)
	n := c.offer(false)
	if p == nil {
		return nil
	}
	if err := c.waitAnswer(ctx, n); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	p.start(senders)
	return nil
}

// addRecvLocked adds recvonly transceivers up to audio and video in all.
func (c *Client) addRecvLocked(audio, video int) error {
	recvonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}
	for i, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		want := audio
		if i == 1 {
			want = video
		}
		for ; c.neg.recv[i] < want; c.neg.recv[i]++ {
			if _, err := c.pub.AddTransceiverFromKind(k, recvonly); err != nil {
				return fmt.Errorf("recvonly %s transceiver: %w", k, err)
			}
		}
	}
	return nil
}

// onePCSetup adds transceivers (setup) to the one connection and waits
// for the answer to an offer that has them.
func (c *Client) onePCSetup(ctx context.Context, setup func(*webrtc.PeerConnection) error) error {
	c.neg.mu.Lock()
	err := setup(c.pub)
	c.neg.mu.Unlock()
	if err != nil {
		return err
	}
	return c.waitAnswer(ctx, c.offer(false))
}

// offer asks for an offer and returns its number for waitAnswer.
func (c *Client) offer(restart bool) uint64 {
	c.neg.mu.Lock()
	defer c.neg.mu.Unlock()
	return c.offerLocked(restart)
}

func (c *Client) offerLocked(restart bool) uint64 {
	n := &c.neg
	n.asked++
	n.restart = n.restart || restart
	if !n.busy {
		c.sendOfferLocked()
	}
	return n.asked
}

// sendOfferLocked makes and sends the offer for everything asked so far.
func (c *Client) sendOfferLocked() {
	n := &c.neg
	restart := n.restart
	n.busy, n.sent, n.restart = true, n.asked, false
	if err := c.makeOffer(restart); err != nil {
		n.busy, n.err = false, fmt.Errorf("offer: %w", err)
		n.wakeLocked()
		c.record(signal.Envelope{Type: "client_error", Data: json.RawMessage(fmt.Sprintf("%q", n.err.Error()))})
	}
}

func (c *Client) makeOffer(restart bool) error {
	offer, err := c.pub.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		return err
	}
	if err := c.pub.SetLocalDescription(offer); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.send(ctx, signal.TypeOffer, signal.SDP{PC: signal.PCPublish, SDP: offer.SDP, ICERestart: restart})
}

// onePCAnswer applies the answer to the outstanding offer and sends the
// next one if more was asked meanwhile.
func (c *Client) onePCAnswer(sdp string) error {
	n := &c.neg
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.busy {
		return errors.New("answer without an offer")
	}
	n.busy = false
	defer n.wakeLocked()
	if err := c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		n.err = fmt.Errorf("answer: %w", err)
		return n.err
	}
	c.flushCandidates(c.pub, &c.pendingPub)
	n.answered, n.err = n.sent, nil
	if n.asked > n.sent || n.restart {
		c.sendOfferLocked()
	}
	return nil
}

// waitAnswer waits until an answer covers offer number k.
func (c *Client) waitAnswer(ctx context.Context, k uint64) error {
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		n := &c.neg
		n.mu.Lock()
		if n.answered >= k {
			n.mu.Unlock()
			return nil
		}
		if !n.busy && n.err != nil {
			err := n.err
			n.mu.Unlock()
			return err
		}
		if n.changed == nil {
			n.changed = make(chan struct{})
		}
		ch := n.changed
		n.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return errors.New("connection closed before the answer")
		case <-timeout.C:
			return errors.New("no answer to the offer")
		}
	}
}

// slotsWanted adds the recvonly transceivers a slots_wanted message asks
// for and offers them.
func (c *Client) slotsWanted(data json.RawMessage) error {
	var w signal.SlotsWanted
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("slots_wanted: %w", err)
	}
	if !c.opts.OnePC {
		return errors.New("slots_wanted without onePC")
	}
	c.neg.mu.Lock()
	defer c.neg.mu.Unlock()
	before := c.neg.recv
	if err := c.addRecvLocked(w.Audio, w.Video); err != nil {
		return err
	}
	if c.neg.recv != before {
		c.offerLocked(false)
	}
	return nil
}

// RestartICE restarts ICE, as after a reconnection that kept the media:
// with OnePC by its own offer; else the publish connection by its offer
// and the subscribe one by asking the server (ice_restart).
func (c *Client) RestartICE(ctx context.Context) error {
	if c.opts.OnePC {
		return c.waitAnswer(ctx, c.offer(true))
	}
	if pub := c.PublishPC(); pub != nil {
		select { // a stale signal from an earlier answer
		case <-c.pubAnswered:
		default:
		}
		offer, err := pub.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
		if err != nil {
			return fmt.Errorf("restart offer: %w", err)
		}
		if err := pub.SetLocalDescription(offer); err != nil {
			return fmt.Errorf("restart offer: %w", err)
		}
		if err := c.send(ctx, signal.TypeOffer, signal.SDP{PC: signal.PCPublish, SDP: offer.SDP, ICERestart: true}); err != nil {
			return err
		}
		select {
		case <-c.pubAnswered:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("no answer to the restart offer")
		}
	}
	return c.send(ctx, signal.TypeICERestart, struct{}{})
}
