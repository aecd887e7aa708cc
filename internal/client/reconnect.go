package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/signal"
)

// ErrMediaNotKept: the server did not keep the PeerConnections on
// Reconnect (they are gone on its side); join anew.
var ErrMediaNotKept = errors.New("reconnect: the server did not keep the media")

// Reconnect replaces the signalling connection as after a network
// change: the old WebSocket is dropped, a new one joins with the resume
// token and keepMedia, and the PeerConnections stay; ICE then restarts
// (RestartICE). Events sent while no connection was up are lost; the new
// welcome is recorded as an event and replaces the list of others'
// tracks. On an error the client is done. It must be called before Done
// (which also stops the publisher): the caller drops the connection
// through it, as a network change would.
func (c *Client) Reconnect(ctx context.Context, baseURL string) error {
	c.mu.Lock()
	ended := false
	select {
	case <-c.done:
		ended = true
	default:
	}
	if c.closed || ended {
		c.mu.Unlock()
		return errors.New("reconnect: client closed or connection ended")
	}
	c.reconnecting = true
	old, loop := c.ws, c.loopEnded
	c.mu.Unlock()
	old.CloseNow()
	<-loop
	err := c.rejoin(ctx, baseURL)
	c.mu.Lock()
	c.reconnecting = false
	c.mu.Unlock()
	if err != nil {
		c.finish()
		return err
	}
	// An offer whose answer went with the old connection will never be
	// answered: take it back before restarting.
	c.neg.mu.Lock()
	if c.neg.busy {
		if err := c.pub.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
			c.neg.mu.Unlock()
			return fmt.Errorf("reconnect: roll back the unanswered offer: %w", err)
		}
		c.neg.busy = false
		c.neg.asked++ // what it carried goes in the restart offer
	}
	c.neg.mu.Unlock()
	return c.RestartICE(ctx)
}

// rejoin dials, sends the resume join and reads the welcome; on success
// the new WebSocket is the client's and its read loop runs.
func (c *Client) rejoin(ctx context.Context, baseURL string) error {
	wsURL := signalURL(baseURL, c.room)
	hdr := http.Header{"Origin": {baseURL}}
	if c.opts.Cookie != nil {
		hdr.Set("Cookie", c.opts.Cookie.String())
	}
	ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		return fmt.Errorf("reconnect: dial %s: %w", wsURL, err)
	}
	ws.SetReadLimit(1 << 20)
	c.mu.Lock()
	token := c.resumeToken
	c.mu.Unlock()
	b, err := signal.Encode(signal.TypeJoin, c.joinMsg(token, true))
	if err == nil {
		err = ws.Write(ctx, websocket.MessageText, b)
	}
	var env signal.Envelope
	for err == nil {
		if env, err = readFrom(ctx, ws); err != nil || env.Type == signal.TypeWelcome || env.Type == signal.TypeError {
			break
		}
		c.record(env) // room events that overtook the welcome
	}
	var w signal.Welcome
	switch {
	case err != nil:
	case env.Type == signal.TypeError:
		var e signal.Error
		_ = json.Unmarshal(env.Data, &e)
		err = &JoinError{Code: e.Code, Message: e.Message}
	default:
		if err = json.Unmarshal(env.Data, &w); err == nil && !w.MediaKept {
			err = ErrMediaNotKept
		}
	}
	if err != nil {
		ws.CloseNow()
		return fmt.Errorf("reconnect: %w", err)
	}
	c.writeMu.Lock()
	c.mu.Lock()
	if c.closed { // Close ran meanwhile, on the old connection
		c.mu.Unlock()
		c.writeMu.Unlock()
		ws.CloseNow()
		return errors.New("reconnect: client closed")
	}
	c.ws = ws
	c.resumeToken = w.ResumeToken
	c.tracks = make(map[string]signal.Track, len(w.Tracks))
	for _, t := range w.Tracks {
		c.tracks[t.ID] = t
	}
	c.mu.Unlock()
	c.writeMu.Unlock()
	c.record(env)
	c.startReading(ws)
	return nil
}
