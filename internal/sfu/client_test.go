package sfu

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// testClient is a participant made of two real Pion PeerConnections that
// talks to a Peer by direct Go calls instead of a signalling channel.
type testClient struct {
	t    *testing.T
	id   string
	peer *Peer

	pub, sub     *webrtc.PeerConnection
	audio, video *webrtc.TrackLocalStaticRTP
	videoSender  *webrtc.RTPSender
	audioSender  *webrtc.RTPSender
	level        atomic.Int32 // RFC 6464 level sent with audio; -1 none

	offers    chan string
	dropOffer atomic.Bool  // ignore subscriber offers (a client that went away)
	plis      atomic.Int32 // PLIs received by the publisher
	rrs       atomic.Int32 // receiver reports received by the publisher
	lsrs      sync.Map     // LastSenderReport values seen in those
	nacked    sync.Map     // video sequence numbers the server NACKed
	skipSeq   atomic.Int32 // a video sequence number not to send (loss); -1 none
	dropEvery atomic.Int32 // > 0: every n-th video packet is lost on the way
	vSeqNow   atomic.Int32 // the next video sequence number
	wantKey   atomic.Bool  // next video frame is a keyframe
	stop      chan struct{}
	stopOnce  sync.Once
	wg        sync.WaitGroup

	mu         sync.Mutex
	remote     map[string]*remoteTrack // by track id
	offerLog   []string
	hasRemote  [2]bool
	queued     [2][]webrtc.ICECandidateInit
	answerErrs []error
	slotMaps   [][]SlotInfo                    // slot maps received (SlotHandler)
	slotRecv   map[string]*slotTrack           // by slot track id
	onePC      bool                            // pub and sub are one connection
	ready      atomic.Bool                     // the first publish offer is answered
	renegMu    sync.Mutex                      // serialises republish (onepc_test.go)
	states     [2][]webrtc.PeerConnectionState // ConnectionState reports
}

// remoteTrack is what a client receives for one forwarded track.
type remoteTrack struct {
	streamID, id string
	kind         webrtc.RTPCodecType
	ssrc         uint32

	mu        sync.Mutex
	good, bad int
	seqCount  map[uint16]int
	payloads  map[uint16][]byte
	lastSeq   uint16
	reordered int // packets older than the one before them
	firstAt   time.Time
	firstKey  time.Time
	ended     bool
	lastError string
	lastTS    uint32              // RTP timestamp of the newest packet
	reports   []rtcp.SenderReport // sender reports received for this track
}

func (r *remoteTrack) snapshot() (good, bad int, keyDelay time.Duration, hasKey bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.firstKey.IsZero() {
		keyDelay, hasKey = r.firstKey.Sub(r.firstAt), true
	}
	return r.good, r.bad, keyDelay, hasKey
}

func clientAPI(t *testing.T, opts clientOpts) *webrtc.API {
	t.Helper()
	me := &webrtc.MediaEngine{}
	must(t, me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2},
		PayloadType:        111,
	}, webrtc.RTPCodecTypeAudio))
	must(t, me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback},
		PayloadType:        96,
	}, webrtc.RTPCodecTypeVideo))
	must(t, me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio))
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if opts.tcpOnly {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	}
	// Only loopback, both ways: tests send nothing to the machine's other
	// addresses.
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetRemoteIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	// The NACK test re-receives a packet it already has; a real
	// subscriber only NACKs packets it lost, which the replay window has
	// not seen.
	se.DisableSRTPReplayProtection(true)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newTestClient joins router r as id, publishes Opus and VP8 and answers
// every subscriber offer.
func newTestClient(t *testing.T, r *Router, id string) *testClient {
	t.Helper()
	return newTestClientOpts(t, r, id, clientOpts{})
}

type clientOpts struct {
	tcpOnly bool // ICE over TCP only
	// whip: join with Router.AddPublisher and send one complete offer, as
	// a WHIP client does (no trickling either way).
	whip bool
	// slots: join with receive slots (slots_test.go).
	slots bool
	// onePC: one connection both ways (onepc_test.go); implies slots.
	onePC bool
	// cryptex: offer RFC 9335 encrypted header extensions, as Pion does
	// by default; Chromium does not, and test clients behave like it.
	cryptex bool
}

// pcConfig is a test client's PeerConnection configuration.
func (o clientOpts) pcConfig() webrtc.Configuration {
	if o.cryptex {
		return webrtc.Configuration{RTPHeaderEncryptionPolicy: webrtc.RTPHeaderEncryptionPolicyNegotiate}
	}
	return webrtc.Configuration{RTPHeaderEncryptionPolicy: webrtc.RTPHeaderEncryptionPolicyDisable}
}

func newTestClientOpts(t *testing.T, r *Router, id string, opts clientOpts) *testClient {
	t.Helper()
	c := &testClient{
		t:      t,
		id:     id,
		offers: make(chan string, 32),
		stop:   make(chan struct{}),
		remote: map[string]*remoteTrack{},
	}
	c.skipSeq.Store(-1)
	api := clientAPI(t, opts)
	var err error
	c.pub, err = api.NewPeerConnection(opts.pcConfig())
	must(t, err)
	if opts.onePC {
		c.sub = c.pub
		c.onePC = true
	} else {
		c.sub, err = api.NewPeerConnection(opts.pcConfig())
		must(t, err)
	}
	t.Cleanup(c.close)

	if opts.whip {
		c.peer, err = r.AddPublisher(id, c)
	} else {
		c.peer, err = r.AddPeerWith(id, c, PeerOptions{Slots: opts.slots, OnePC: opts.onePC})
	}
	must(t, err)

	c.pub.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic != nil && !opts.whip {
			_ = c.peer.AddICECandidate(Publish, ic.ToJSON())
		}
	})
	if !opts.onePC {
		c.sub.OnICECandidate(func(ic *webrtc.ICECandidate) {
			if ic != nil {
				_ = c.peer.AddICECandidate(Subscribe, ic.ToJSON())
			}
		})
	}
	c.sub.OnTrack(c.onTrack)

	c.audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", id+"-stream")
	must(t, err)
	c.video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", id+"-stream")
	must(t, err)
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	at, err := c.pub.AddTransceiverFromTrack(c.audio, sendonly)
	must(t, err)
	c.audioSender = at.Sender()
	c.level.Store(-1)
	vt, err := c.pub.AddTransceiverFromTrack(c.video, sendonly)
	must(t, err)
	c.videoSender = vt.Sender()

	c.wg.Add(2)
	go c.answerLoop()
	go c.readPublisherRTCP()

	offer, err := c.pub.CreateOffer(nil)
	must(t, err)
	gathered := webrtc.GatheringCompletePromise(c.pub)
	must(t, c.pub.SetLocalDescription(offer))
	if opts.whip {
		<-gathered
		offer = *c.pub.LocalDescription()
	}
	answer, err := c.peer.HandleOffer(offer.SDP)
	must(t, err)
	if opts.whip && !strings.Contains(answer, "a=candidate:") {
		t.Fatalf("WHIP answer lists no candidate:\n%s", answer)
	}
	must(t, c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}))
	c.flush(Publish)

	c.wantKey.Store(true)
	c.wg.Add(1)
	go c.sendMedia()
	c.ready.Store(true)
	return c
}

// republish sends a new publish offer (after tracks were added/removed).
func (c *testClient) republish() {
	c.t.Helper()
	offer, err := c.pub.CreateOffer(nil)
	must(c.t, err)
	must(c.t, c.pub.SetLocalDescription(offer))
	answer, err := c.peer.HandleOffer(offer.SDP)
	must(c.t, err)
	must(c.t, c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}))
}

// PeerHandler, called by the SFU.

func (c *testClient) SubscriberOffer(sdp string) {
	c.mu.Lock()
	c.offerLog = append(c.offerLog, sdp)
	c.mu.Unlock()
	select {
	case c.offers <- sdp:
	default:
		c.t.Errorf("%s: offer channel full", c.id)
	}
}

func (c *testClient) ICECandidate(dir Direction, ic webrtc.ICECandidateInit) {
	c.mu.Lock()
	if !c.hasRemote[dir] {
		c.queued[dir] = append(c.queued[dir], ic)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	_ = c.pc(dir).AddICECandidate(ic)
}

func (c *testClient) ConnectionState(dir Direction, s webrtc.PeerConnectionState) {
	c.mu.Lock()
	c.states[dir] = append(c.states[dir], s)
	c.mu.Unlock()
}

func (c *testClient) pc(dir Direction) *webrtc.PeerConnection {
	if dir == Publish {
		return c.pub
	}
	return c.sub
}

func (c *testClient) flush(dir Direction) {
	c.mu.Lock()
	c.hasRemote[dir] = true
	q := c.queued[dir]
	c.queued[dir] = nil
	c.mu.Unlock()
	for _, ic := range q {
		_ = c.pc(dir).AddICECandidate(ic)
	}
}

func (c *testClient) answerLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.stop:
			return
		case sdp := <-c.offers:
			if c.dropOffer.Load() {
				continue
			}
			err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp})
			if err == nil {
				c.flush(Subscribe)
				var answer webrtc.SessionDescription
				if answer, err = c.sub.CreateAnswer(nil); err == nil {
					if err = c.sub.SetLocalDescription(answer); err == nil {
						err = c.peer.HandleAnswer(answer.SDP)
					}
				}
			}
			if err != nil {
				c.mu.Lock()
				c.answerErrs = append(c.answerErrs, err)
				c.mu.Unlock()
			}
		}
	}
}

func (c *testClient) readPublisherRTCP() {
	defer c.wg.Done()
	for {
		pkts, _, err := c.videoSender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				c.plis.Add(1)
				c.wantKey.Store(true)
			case *rtcp.ReceiverReport:
				c.rrs.Add(1)
				for _, r := range p.(*rtcp.ReceiverReport).Reports {
					c.lsrs.Store(r.LastSenderReport, true)
				}
			case *rtcp.TransportLayerNack:
				for _, n := range p.(*rtcp.TransportLayerNack).Nacks {
					for _, s := range n.PacketList() {
						c.nacked.Store(s, true)
					}
				}
			}
		}
	}
}

// Synthetic media. Sequence numbers start just below the wrap so the
// forwarding path crosses 65535→0 in every test.
const startSeq = 65500

func mediaTail(peerID string, kind byte, seq uint16) []byte {
	return []byte(fmt.Sprintf("%s|%c|%05d|%s", peerID, kind, seq, strings.Repeat("x", 60)))
}

func (c *testClient) sendMedia() {
	defer c.wg.Done()
	audioTick := time.NewTicker(20 * time.Millisecond)
	videoTick := time.NewTicker(33 * time.Millisecond)
	defer audioTick.Stop()
	defer videoTick.Stop()
	aSeq, vSeq := uint16(startSeq), uint16(startSeq)
	var aTS, vTS uint32
	var levelID uint8
	for _, e := range c.audioSender.GetParameters().HeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			levelID = uint8(e.ID)
		}
	}
	for {
		select {
		case <-c.stop:
			return
		case <-audioTick.C:
			pkt := &rtp.Packet{
				Header:  rtp.Header{Version: 2, SequenceNumber: aSeq, Timestamp: aTS, Marker: aSeq == startSeq},
				Payload: mediaTail(c.id, 'a', aSeq),
			}
			if lv := c.level.Load(); lv >= 0 && levelID != 0 {
				_ = pkt.Header.SetExtension(levelID, []byte{byte(lv)})
			}
			_ = c.audio.WriteRTP(pkt)
			aSeq++
			aTS += 960
		case <-videoTick.C:
			// VP8 payload descriptor: S=1, PID=0, no extensions. The
			// first byte of the VP8 header has bit 0 clear on keyframes.
			vp8 := byte(0x01)
			if c.wantKey.Swap(false) {
				vp8 = 0x00
			}
			payload := append([]byte{0x10, vp8}, mediaTail(c.id, 'v', vSeq)...)
			c.vSeqNow.Store(int32(vSeq))
			if n := c.dropEvery.Load(); int32(vSeq) == c.skipSeq.Load() || (n > 0 && int32(vSeq)%n == 0) {
				vSeq++
				vTS += 3000
				continue // lost on the way
			}
			_ = c.video.WriteRTP(&rtp.Packet{
				Header:  rtp.Header{Version: 2, SequenceNumber: vSeq, Timestamp: vTS, Marker: true},
				Payload: payload,
			})
			vSeq++
			vTS += 3000
		}
	}
}

func isVP8Keyframe(p []byte) bool {
	return len(p) >= 2 && p[0]&0x80 == 0 && p[0]&0x10 != 0 && p[0]&0x0f == 0 && p[1]&0x01 == 0
}

func (c *testClient) onTrack(tr *webrtc.TrackRemote, rr *webrtc.RTPReceiver) {
	if tr.StreamID() == slotStreamID {
		c.onSlotTrack(tr, rr)
		return
	}
	rt := &remoteTrack{
		streamID: tr.StreamID(),
		id:       tr.ID(),
		kind:     tr.Kind(),
		ssrc:     uint32(tr.SSRC()),
		seqCount: map[uint16]int{},
		payloads: map[uint16][]byte{},
	}
	c.mu.Lock()
	c.remote[rt.id] = rt
	c.mu.Unlock()
	go func() {
		for {
			pkts, _, err := rr.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == rt.ssrc {
					rt.mu.Lock()
					rt.reports = append(rt.reports, *sr)
					rt.mu.Unlock()
				}
			}
		}
	}()
	kind := byte('a')
	if rt.kind == webrtc.RTPCodecTypeVideo {
		kind = 'v'
	}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			rt.mu.Lock()
			rt.ended = true
			rt.mu.Unlock()
			return
		}
		seq := pkt.SequenceNumber
		body := pkt.Payload
		if kind == 'v' {
			if len(body) < 2 || body[0] != 0x10 {
				rt.mu.Lock()
				rt.bad++
				rt.lastError = fmt.Sprintf("bad VP8 descriptor %x", body)
				rt.mu.Unlock()
				continue
			}
			body = body[2:]
		}
		now := time.Now()
		rt.mu.Lock()
		rt.lastTS = pkt.Timestamp
		if rt.firstAt.IsZero() {
			rt.firstAt = now
		}
		if kind == 'v' && rt.firstKey.IsZero() && isVP8Keyframe(pkt.Payload) {
			rt.firstKey = now
		}
		if bytes.Equal(body, mediaTail(rt.streamID, kind, seq)) {
			rt.good++
		} else {
			rt.bad++
			rt.lastError = fmt.Sprintf("seq %d: got %q", seq, body)
		}
		if len(rt.seqCount) > 0 && seqNewer(rt.lastSeq, seq) {
			rt.reordered++
		}
		rt.seqCount[seq]++
		if prev, ok := rt.payloads[seq]; !ok {
			rt.payloads[seq] = append([]byte(nil), pkt.Payload...)
		} else if !bytes.Equal(prev, pkt.Payload) {
			rt.bad++
			rt.lastError = fmt.Sprintf("seq %d: retransmission differs", seq)
		}
		rt.lastSeq = seq
		rt.mu.Unlock()
	}
}

func (c *testClient) remoteTracks() map[string]*remoteTrack {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]*remoteTrack, len(c.remote))
	for k, v := range c.remote {
		out[k] = v
	}
	return out
}

func (c *testClient) offersSoFar() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.offerLog...)
}

// close stops the client's media and connections (not the server Peer).
func (c *testClient) close() {
	c.stopOnce.Do(func() {
		close(c.stop)
		_ = c.pub.Close()
		_ = c.sub.Close()
		c.wg.Wait()
	})
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var msg string
	for time.Now().Before(deadline) {
		var ok bool
		if ok, msg = cond(); ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s: %s", what, msg)
}

// recordingRouterHandler records TrackAdded/TrackRemoved calls.
type recordingRouterHandler struct {
	mu      sync.Mutex
	added   []TrackInfo
	removed []TrackInfo
	quality map[string][]Quality // ConnectionQuality calls by peer
}

func (h *recordingRouterHandler) ConnectionQuality(peerID string, q Quality) {
	h.mu.Lock()
	if h.quality == nil {
		h.quality = map[string][]Quality{}
	}
	h.quality[peerID] = append(h.quality[peerID], q)
	h.mu.Unlock()
}

// qualityOf is what the handler heard of peerID's connection quality.
func (h *recordingRouterHandler) qualityOf(peerID string) []Quality {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Quality(nil), h.quality[peerID]...)
}

func (h *recordingRouterHandler) TrackAdded(ti TrackInfo) {
	h.mu.Lock()
	h.added = append(h.added, ti)
	h.mu.Unlock()
}

func (h *recordingRouterHandler) TrackRemoved(ti TrackInfo) {
	h.mu.Lock()
	h.removed = append(h.removed, ti)
	h.mu.Unlock()
}

func (h *recordingRouterHandler) removedFor(peerID string) []TrackInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []TrackInfo
	for _, ti := range h.removed {
		if ti.PeerID == peerID {
			out = append(out, ti)
		}
	}
	return out
}

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := NewEngine(Config{Port: 0, Loopback: true, Logger: log})
	must(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// testWriter sends log output to t.Log so it shows only for failed tests.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
