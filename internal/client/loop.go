package client

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/signal"
)

func (c *Client) send(ctx context.Context, typ string, data any) error {
	b, err := signal.Encode(typ, data)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.Write(ctx, websocket.MessageText, b)
}

func (c *Client) sendCandidate(pc signal.PC, ci webrtc.ICECandidateInit) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.send(ctx, signal.TypeCandidate, signal.Candidate{PC: pc, Candidate: ci.Candidate, SDPMid: ci.SDPMid, SDPMLineIndex: ci.SDPMLineIndex})
}

func (c *Client) read(ctx context.Context) (signal.Envelope, error) {
	return readFrom(ctx, c.ws)
}

func readFrom(ctx context.Context, ws *websocket.Conn) (signal.Envelope, error) {
	var env signal.Envelope
	_, b, err := ws.Read(ctx)
	if err != nil {
		return env, err
	}
	err = json.Unmarshal(b, &env)
	return env, err
}

// startReading runs readLoop for ws, the client's current WebSocket.
func (c *Client) startReading(ws *websocket.Conn) {
	ended := make(chan struct{})
	c.mu.Lock()
	c.loopEnded = ended
	c.mu.Unlock()
	go c.readLoop(ws, ended)
}

// readLoop reads ws until it ends; then the client is done unless a
// Reconnect is replacing ws.
func (c *Client) readLoop(ws *websocket.Conn, ended chan struct{}) {
	defer func() {
		close(ended)
		c.mu.Lock()
		last := c.ws == ws && !c.reconnecting
		c.mu.Unlock()
		if last {
			c.finish()
		}
	}()
	ctx := context.Background()
	for {
		env, err := readFrom(ctx, ws)
		if err != nil {
			return
		}
		if err := c.dispatch(ctx, env); err != nil {
			c.record(signal.Envelope{Type: "client_error", Data: json.RawMessage(`"` + err.Error() + `"`)})
		}
	}
}

func (c *Client) dispatch(ctx context.Context, env signal.Envelope) error {
	switch env.Type {
	case signal.TypeOffer:
		var s signal.SDP
		if err := json.Unmarshal(env.Data, &s); err != nil {
			return err
		}
		if c.opts.OnePC {
			return errors.New("an offer from the server with onePC")
		}
		if err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.SDP}); err != nil {
			return err
		}
		c.flushCandidates(c.sub, &c.pendingSub)
		ans, err := c.sub.CreateAnswer(nil)
		if err != nil {
			return err
		}
		if err := c.sub.SetLocalDescription(ans); err != nil {
			return err
		}
		return c.send(ctx, signal.TypeAnswer, signal.SDP{PC: signal.PCSubscribe, SDP: ans.SDP})
	case signal.TypeAnswer:
		var s signal.SDP
		if err := json.Unmarshal(env.Data, &s); err != nil {
			return err
		}
		if c.opts.OnePC {
			return c.onePCAnswer(s.SDP)
		}
		pub := c.PublishPC()
		if pub == nil {
			return errors.New("answer without publish offer")
		}
		if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: s.SDP}); err != nil {
			return err
		}
		c.flushCandidates(pub, &c.pendingPub)
		select {
		case c.pubAnswered <- struct{}{}:
		default:
		}
	case signal.TypeCandidate:
		var cand signal.Candidate
		if err := json.Unmarshal(env.Data, &cand); err != nil {
			return err
		}
		ci := webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex}
		if cand.PC == signal.PCSubscribe && !c.opts.OnePC {
			c.addCandidate(c.sub, &c.pendingSub, ci)
		} else if pub := c.PublishPC(); pub != nil {
			c.addCandidate(pub, &c.pendingPub, ci)
		}
	case signal.TypePublishLayers:
		var m signal.PublishLayers
		if err := json.Unmarshal(env.Data, &m); err != nil {
			return err
		}
		c.mu.Lock()
		p := c.publisher
		c.mu.Unlock()
		if p != nil {
			p.setLayers(m.TrackID, m.Active)
		}
		c.record(env)
	case signal.TypeSlotsWanted:
		defer c.record(env)
		return c.slotsWanted(env.Data)
	case signal.TypeSlots:
		// Recorded even if malformed, so a test waiting for it sees it.
		defer c.record(env)
		return c.applySlots(env.Data)
	case signal.TypeTrackPublished, signal.TypeTrackRemoved:
		err := c.trackEvent(env.Type, env.Data)
		c.record(env) // after, so Tracks already has it for a waiter
		return err
	default:
		c.record(env)
	}
	return nil
}

func (c *Client) addCandidate(pc *webrtc.PeerConnection, pending *[]webrtc.ICECandidateInit, ci webrtc.ICECandidateInit) {
	c.mu.Lock()
	if pc.RemoteDescription() == nil {
		*pending = append(*pending, ci)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	_ = pc.AddICECandidate(ci)
}

func (c *Client) flushCandidates(pc *webrtc.PeerConnection, pending *[]webrtc.ICECandidateInit) {
	c.mu.Lock()
	list := *pending
	*pending = nil
	c.mu.Unlock()
	for _, ci := range list {
		_ = pc.AddICECandidate(ci)
	}
}

// record keeps a room event for WaitEvent.
func (c *Client) record(env signal.Envelope) {
	c.mu.Lock()
	c.events = append(c.events, env)
	c.mu.Unlock()
	select {
	case c.eventsCh <- struct{}{}:
	default:
	}
}

// Events returns the room events received so far (everything but SDP and
// candidates).
func (c *Client) Events() []signal.Envelope {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]signal.Envelope(nil), c.events...)
}

// WaitEvent waits until an event of type typ for which match (may be nil)
// returns true has been received, and returns its data.
func (c *Client) WaitEvent(ctx context.Context, typ string, match func(json.RawMessage) bool) (json.RawMessage, error) {
	seen := 0
	for {
		evs := c.Events()
		for _, e := range evs[seen:] {
			if e.Type == typ && (match == nil || match(e.Data)) {
				return e.Data, nil
			}
		}
		seen = len(evs)
		select {
		case <-c.eventsCh:
		case <-c.done:
			// one last look at what arrived before the end
			for _, e := range c.Events()[seen:] {
				if e.Type == typ && (match == nil || match(e.Data)) {
					return e.Data, nil
				}
			}
			return nil, errors.New("connection closed while waiting for " + typ)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// ParticipantName returns the display name of participant id as announced
// in welcome or participant_joined, "" if unknown.
func (c *Client) ParticipantName(id string) string {
	for _, p := range c.Welcome.Participants {
		if p.ID == id {
			return p.Name
		}
	}
	for _, e := range c.Events() {
		if e.Type != signal.TypeParticipantJoined {
			continue
		}
		var p signal.Participant
		if json.Unmarshal(e.Data, &p) == nil && p.ID == id {
			return p.Name
		}
	}
	return ""
}
