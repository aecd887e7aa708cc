// Package client is a Go participant of a confer meeting: it speaks the
// signalling protocol over a WebSocket and sends and receives media with
// Pion PeerConnections. Integration tests and the load tester use it; it
// is the reference client next to the browser's.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/signal"
)

// JoinError is a refused join, with the protocol's error code.
type JoinError struct {
	Code    string
	Message string
}

func (e *JoinError) Error() string { return "join refused: " + e.Code + ": " + e.Message }

// Options describe how to join.
type Options struct {
	Name        string
	PIN         string
	ResumeToken string
	Device      string
	// API builds the PeerConnections; nil uses a default API with
	// loopback candidates and the default codecs.
	API *webrtc.API
	// SubscribeAPI, if set, builds the subscribe PeerConnection instead
	// of API (the load tester's receivers run with fewer interceptors
	// than its publishers).
	SubscribeAPI *webrtc.API
	// Cookie, if set, is sent with the WebSocket upgrade (a signed-in
	// session).
	Cookie *http.Cookie
	// Lobby is told when the room puts the client in its lobby; Join
	// then waits (within ctx) for a host to admit or refuse it.
	Lobby func()
	// RelayOnly uses the welcome's ICE servers with the "relay"
	// transport policy, as a browser on a network that lets nothing out
	// but the TURN relay; otherwise the client ignores them (loopback).
	RelayOnly bool
	// Slots asks for receive slots (join.slots): a few subscribe
	// m-lines that the server maps sources onto; SlotOf tells which.
	Slots bool
	// OnSlots, if set, gets every slot map (the full map each time), on
	// the signalling goroutine after SlotOf already answers with it.
	OnSlots func([]signal.Slot)
	// OnePC joins with join.onePC (implies Slots): one PeerConnection,
	// built from API (SubscribeAPI is not used), publishes and receives
	// on the client's own recvonly transceivers; the client makes every
	// offer (onepc.go).
	OnePC bool
	// Media, if set, is published while joining (Publisher returns it):
	// with OnePC in the first offer, as the web client does, else by
	// PublishMedia after the welcome.
	Media *MediaOptions
}

// Client is one participant.
type Client struct {
	ws   *websocket.Conn
	api  *webrtc.API
	opts Options
	room string

	Welcome signal.Welcome

	pub *webrtc.PeerConnection
	sub *webrtc.PeerConnection

	writeMu sync.Mutex

	mu          sync.Mutex
	onTrack     func(*webrtc.TrackRemote, *webrtc.RTPReceiver)
	events      []signal.Envelope
	eventsCh    chan struct{}
	pubAnswered chan struct{}
	pendingPub  []webrtc.ICECandidateInit
	pendingSub  []webrtc.ICECandidateInit
	closed      bool
	done        chan struct{}
	doneOnce    sync.Once
	// reconnecting: Reconnect is replacing ws; loopEnded is closed when
	// the read loop of the current ws ends.
	reconnecting bool
	loopEnded    chan struct{}
	resumeToken  string // the latest welcome's
	publisher    *Publisher
	neg          negotiation             // OnePC offers
	slots        map[string]signal.Slot  // receive slot map by mid
	tracks       map[string]signal.Track // others' tracks by id
}

// NewAPI returns a Pion API suited to clients on this machine: loopback
// candidates, no mDNS, default codecs and interceptors.
func NewAPI() (*webrtc.API, error) {
	return NewAPIWith(webrtc.SettingEngine{})
}

// NewAPIWith is NewAPI on top of se (e.g. a lossy network for tests,
// SettingEngine.SetNet); loopback candidates and UDP4 are set on it.
func NewAPIWith(se webrtc.SettingEngine) (*webrtc.API, error) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	// Audio levels let the server rank speakers (top-N audio, active
	// speaker), as browsers send them.
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir)), nil
}

// Join connects to the server at baseURL (http://host:port) and joins
// room. onTrack, if not nil, is called for every remote track.
func Join(ctx context.Context, baseURL, room string, opts Options, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) (*Client, error) {
	api := opts.API
	if api == nil {
		var err error
		if api, err = NewAPI(); err != nil {
			return nil, err
		}
	}
	wsURL := signalURL(baseURL, room)
	hdr := http.Header{"Origin": {baseURL}}
	if opts.Cookie != nil {
		hdr.Set("Cookie", opts.Cookie.String())
	}
	ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	ws.SetReadLimit(1 << 20)
	c := &Client{ws: ws, api: api, opts: opts, room: room, onTrack: onTrack,
		eventsCh: make(chan struct{}, 1), pubAnswered: make(chan struct{}, 1), done: make(chan struct{}),
		tracks: map[string]signal.Track{}}
	if err := c.send(ctx, signal.TypeJoin, c.joinMsg(opts.ResumeToken, false)); err != nil {
		ws.CloseNow()
		return nil, err
	}
	if err := c.readWelcome(ctx); err != nil {
		ws.CloseNow()
		return nil, err
	}
	c.resumeToken = c.Welcome.ResumeToken
	for _, t := range c.Welcome.Tracks {
		c.tracks[t.ID] = t
	}
	if opts.OnePC {
		if err := c.startOnePC(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	if err := c.newSubscriber(); err != nil {
		ws.CloseNow()
		return nil, err
	}
	c.startReading(ws)
	if opts.Media != nil {
		if _, err := c.PublishMedia(ctx, *opts.Media); err != nil {
			c.Close()
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	return c, nil
}

func (c *Client) joinMsg(token string, keepMedia bool) signal.Join {
	o := c.opts
	return signal.Join{Version: signal.ProtocolVersion, Room: c.room, Name: o.Name, PIN: o.PIN, ResumeToken: token,
		KeepMedia: keepMedia, Device: o.Device, Slots: o.Slots || o.OnePC, OnePC: o.OnePC}
}

// readWelcome reads up to the welcome (into c.Welcome) or a refusal.
func (c *Client) readWelcome(ctx context.Context) error {
	env, err := c.read(ctx)
	for err == nil && env.Type != signal.TypeWelcome && env.Type != signal.TypeError {
		switch env.Type {
		case signal.TypeLobby:
			if c.opts.Lobby != nil {
				c.opts.Lobby()
			}
		case signal.TypeParticipantJoined, signal.TypeParticipantLeft:
			// Room events can overtake the welcome when many join at
			// once; keep them like any later event.
			c.record(env)
		default:
			return fmt.Errorf("expected welcome, got %q", env.Type)
		}
		env, err = c.read(ctx)
	}
	if err != nil {
		return err
	}
	if env.Type == signal.TypeError {
		var e signal.Error
		_ = json.Unmarshal(env.Data, &e)
		return &JoinError{Code: e.Code, Message: e.Message}
	}
	var w signal.Welcome
	if err := json.Unmarshal(env.Data, &w); err != nil {
		return fmt.Errorf("welcome: %w", err)
	}
	c.Welcome = w
	return nil
}

// pcConfig is every PeerConnection's configuration: no RFC 9335
// encrypted header extensions (a=cryptex), which Pion offers by default
// and Chromium does not, so the server is exercised (and load-tested)
// the way browsers use it.
func (c *Client) pcConfig() webrtc.Configuration {
	cfg := webrtc.Configuration{RTPHeaderEncryptionPolicy: webrtc.RTPHeaderEncryptionPolicyDisable}
	if c.opts.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
		for _, s := range c.Welcome.ICEServers {
			cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
	}
	return cfg
}

// ID is this participant's id.
func (c *Client) ID() string { return c.Welcome.ParticipantID }

func (c *Client) newSubscriber() error {
	api := c.api
	if c.opts.SubscribeAPI != nil {
		api = c.opts.SubscribeAPI
	}
	pc, err := api.NewPeerConnection(c.pcConfig())
	if err != nil {
		return err
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			c.sendCandidate(signal.PCSubscribe, cand.ToJSON())
		}
	})
	pc.OnTrack(c.handleTrack)
	c.sub = pc
	return nil
}

func (c *Client) handleTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	c.mu.Lock()
	f := c.onTrack
	c.mu.Unlock()
	if f != nil {
		f(t, r)
		return
	}
	go drain(t)
}

func drain(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
	}
}

// Publish sends tracks on a new publish PeerConnection and waits for the
// server's answer.
func (c *Client) Publish(ctx context.Context, tracks ...webrtc.TrackLocal) error {
	return c.publishWith(ctx, func(pc *webrtc.PeerConnection) error {
		for _, t := range tracks {
			tr, err := pc.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
			if err != nil {
				return err
			}
			go readRTCP(tr.Sender())
		}
		return nil
	})
}

// publishWith creates the publish PeerConnection, lets setup add its
// transceivers, offers and waits for the answer. With OnePC setup adds
// them to the one connection.
func (c *Client) publishWith(ctx context.Context, setup func(*webrtc.PeerConnection) error) error {
	if c.opts.OnePC {
		return c.onePCSetup(ctx, setup)
	}
	pc, err := c.api.NewPeerConnection(c.pcConfig())
	if err != nil {
		return err
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			c.sendCandidate(signal.PCPublish, cand.ToJSON())
		}
	})
	if err := setup(pc); err != nil {
		_ = pc.Close()
		return err
	}
	c.mu.Lock()
	c.pub = pc
	c.mu.Unlock()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		return err
	}
	if err := c.send(ctx, signal.TypeOffer, signal.SDP{PC: signal.PCPublish, SDP: offer.SDP}); err != nil {
		return err
	}
	select {
	case <-c.pubAnswered:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return errors.New("no answer to publish offer")
	}
}

// readRTCP keeps the sender's interceptors fed (NACK responses, PLI).
func readRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// PublishPC and SubscribePC expose the PeerConnections to tests.
func (c *Client) PublishPC() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pub
}

// SubscribePC returns the subscribe PeerConnection (with OnePC the one
// connection, as PublishPC).
func (c *Client) SubscribePC() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sub
}

// Mute tells the room about the microphone or camera state.
func (c *Client) Mute(ctx context.Context, kind string, muted bool) error {
	return c.send(ctx, signal.TypeMute, signal.Mute{Kind: kind, Muted: muted})
}

// Leave leaves the meeting and closes everything.
func (c *Client) Leave(ctx context.Context) {
	_ = c.send(ctx, signal.TypeLeave, struct{}{})
	c.Close()
}

// Close drops the connection without leaving (as a crash would).
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	pub, sub, ws := c.pub, c.sub, c.ws
	c.mu.Unlock()
	ws.CloseNow()
	if pub != nil {
		_ = pub.Close()
	}
	if sub != nil && sub != pub {
		_ = sub.Close()
	}
}

func (c *Client) finish() { c.doneOnce.Do(func() { close(c.done) }) }

// Done is closed when the signalling connection ends (and no Reconnect
// replaces it).
func (c *Client) Done() <-chan struct{} { return c.done }

// signalURL is the signalling WebSocket for room; the room in the URL
// lets a multi-node deployment send the connection to the node running
// that meeting.
func signalURL(baseURL, room string) string {
	return "ws" + strings.TrimPrefix(baseURL, "http") + "/ws?room=" + url.QueryEscape(room)
}
