package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/signal"
)

// slotPeer is the server's side of one slot subscriber, scripted: a real
// WebSocket and a real Pion PeerConnection offering two slot
// transceivers, with the slot map sent BEFORE the offer that creates
// their mids (the protocol allows it; the real server's timing decides
// whether it happens).
type slotPeer struct {
	t      *testing.T
	joined chan signal.Join
	mu     sync.Mutex
	ws     *websocket.Conn
}

func (s *slotPeer) send(ctx context.Context, typ string, data any) {
	b, err := signal.Encode(typ, data)
	if err != nil {
		s.t.Error(err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.ws.Write(ctx, websocket.MessageText, b)
}

func (s *slotPeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.t.Error(err)
		return
	}
	s.ws = ws
	ctx := r.Context()
	var env signal.Envelope
	_, b, err := ws.Read(ctx)
	if err != nil || json.Unmarshal(b, &env) != nil {
		s.t.Errorf("join: %v", err)
		return
	}
	var j signal.Join
	_ = json.Unmarshal(env.Data, &j)
	s.joined <- j
	s.send(ctx, signal.TypeWelcome, signal.Welcome{Version: 1, ParticipantID: "me", Tracks: []signal.Track{
		{ID: "mic-a", ParticipantID: "a", Kind: "audio"}, {ID: "cam-b", ParticipantID: "b", Kind: "video"}}})
	s.send(ctx, signal.TypeSlots, signal.Slots{Slots: []signal.Slot{
		{Mid: "0", Kind: "audio", TrackID: "mic-a", ParticipantID: "a"},
		{Mid: "1", Kind: "video", TrackID: "cam-b", ParticipantID: "b"}}})

	api, err := NewAPI()
	if err != nil {
		s.t.Error(err)
		return
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		s.t.Error(err)
		return
	}
	defer pc.Close()
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			ci := c.ToJSON()
			s.send(ctx, signal.TypeCandidate, signal.Candidate{PC: signal.PCSubscribe, Candidate: ci.Candidate, SDPMid: ci.SDPMid, SDPMLineIndex: ci.SDPMLineIndex})
		}
	})
	var tracks []*webrtc.TrackLocalStaticRTP
	for _, k := range []struct{ mime, id string }{{webrtc.MimeTypeOpus, "slot-a0"}, {webrtc.MimeTypeVP8, "slot-v0"}} {
		codec := webrtc.RTPCodecCapability{MimeType: k.mime, ClockRate: 90000}
		if k.mime == webrtc.MimeTypeOpus {
			codec = webrtc.RTPCodecCapability{MimeType: k.mime, ClockRate: 48000, Channels: 2}
		}
		tl, err := webrtc.NewTrackLocalStaticRTP(codec, k.id, SlotsStreamID)
		if err != nil {
			s.t.Error(err)
			return
		}
		if _, err := pc.AddTransceiverFromTrack(tl, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			s.t.Error(err)
			return
		}
		tracks = append(tracks, tl)
	}
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		s.t.Error(err)
		return
	}
	s.send(ctx, signal.TypeOffer, signal.SDP{PC: signal.PCSubscribe, SDP: offer.SDP})
	go func() {
		for seq := uint16(0); ctx.Err() == nil; seq++ {
			for _, tl := range tracks {
				_ = tl.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: []byte{0x10, 0, 0, 0}})
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var env signal.Envelope
		if json.Unmarshal(b, &env) != nil {
			continue
		}
		switch env.Type {
		case signal.TypeAnswer:
			var sd signal.SDP
			_ = json.Unmarshal(env.Data, &sd)
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sd.SDP}); err != nil {
				s.t.Error(err)
			}
			// A switch of the video slot, as after a speaker change.
			s.send(ctx, signal.TypeSlots, signal.Slots{Slots: []signal.Slot{
				{Mid: "0", Kind: "audio", TrackID: "mic-a", ParticipantID: "a"},
				{Mid: "1", Kind: "video", TrackID: "cam-c", ParticipantID: "c"}}})
		case signal.TypeCandidate:
			var c signal.Candidate
			_ = json.Unmarshal(env.Data, &c)
			_ = pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex})
		}
	}
}

// The client asks for slots, keeps a map that arrived before the offer
// creating its mids, maps each received track to its slot through the
// transceiver's mid, and follows a later switch.
func TestSlotMapBeforeOffer(t *testing.T) {
	peer := &slotPeer{t: t, joined: make(chan signal.Join, 1)}
	srv := httptest.NewServer(peer)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type got struct {
		t *webrtc.TrackRemote
		r *webrtc.RTPReceiver
	}
	tracks := make(chan got, 4)
	maps := make(chan []signal.Slot, 4)
	c, err := Join(ctx, srv.URL, "demo", Options{Name: "sub", Slots: true, OnSlots: func(s []signal.Slot) { maps <- s }},
		func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
			tracks <- got{t, r}
			go drain(t)
		})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if j := <-peer.joined; !j.Slots {
		t.Fatal("join without slots: true")
	}
	if ts := c.Tracks(); len(ts) != 2 || ts[0].ID != "cam-b" {
		t.Fatalf("Tracks() from the welcome = %+v", ts)
	}
	want := map[string]string{"slot-a0": "a", "slot-v0": "b"}
	for range 2 {
		select {
		case g := <-tracks:
			if g.t.StreamID() != SlotsStreamID {
				t.Errorf("stream id %q", g.t.StreamID())
			}
			s, ok := c.SlotOfReceiver(g.r)
			if !ok {
				t.Fatalf("track %s (mid %q): no slot", g.t.ID(), c.MidOf(g.r))
			}
			// The first map or the switched one, depending on timing.
			if p := want[g.t.ID()]; s.ParticipantID != p && !(g.t.ID() == "slot-v0" && s.ParticipantID == "c") {
				t.Errorf("track %s on mid %s carries %q, want %q", g.t.ID(), s.Mid, s.ParticipantID, p)
			}
		case <-ctx.Done():
			t.Fatal("no tracks")
		}
	}
	for n := 0; ; n++ {
		select {
		case m := <-maps:
			if n == 1 {
				if s, _ := c.SlotOf("1"); s.ParticipantID != "c" || len(m) != 2 {
					t.Fatalf("after the switch: slot 1 = %+v, map %+v", s, m)
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("no second map")
		}
	}
}
