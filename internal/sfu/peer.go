package sfu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

const (
	// negotiationDelay coalesces bursts of track changes (a peer leaving
	// removes two tracks at once) into one subscriber offer.
	negotiationDelay = 30 * time.Millisecond
	// offerGap and maxOfferWait batch a subscriber's offers while people
	// join or leave in a burst (a class at 9:00): each offer rebuilds the
	// whole session, every m-line, and one offer per newcomer meant 49
	// renegotiations per join. The first change after a quiet spell still
	// goes out after negotiationDelay; changes within offerGap of an offer
	// wait until none came for offerGap, at most maxOfferWait.
	offerGap     = 300 * time.Millisecond
	maxOfferWait = 2 * time.Second
	// gatherTimeout bounds the wait for candidates before an SDP is handed
	// out. Host candidates on the shared mux are gathered at once.
	gatherTimeout = 2 * time.Second
)

// Peer is one participant: a publish PeerConnection (client offers, server
// receives) and a subscribe PeerConnection (server offers, server sends).
type Peer struct {
	id string
	// publishOnly peers (WHIP ingest) have no subscribe PC and receive
	// nothing.
	publishOnly bool
	r           *Router
	h           PeerHandler
	log         *slog.Logger

	pub, sub         *webrtc.PeerConnection
	pubGate, subGate *candidateGate

	pubMu sync.Mutex // serialises HandleOffer
	addMu sync.Mutex // serialises Router.addTrack for this publisher
	negMu sync.Mutex // serialises offers and answers on the subscribe PC

	bwe     bwe
	events  notifier // optional handler calls (LayerHandler), in order
	out     srtpOut  // direct RTP path of the subscribe PC (srtpout.go)
	in      srtpIn   // direct RTP path of the publish PC (srtpin.go)
	fb      *pubFeedback
	quality qualityState // connquality.go; router loop only
	// allocScratch: allocate's reusable slices (router tick goroutine only).
	allocScratch  allocScratch
	reportScratch reportScratch             // sendReports' (reports.go)
	writeReports  func([]rtcp.Packet) error // tests: where sendReports writes instead of p.sub
	// rtcpMode: how the subscribe PC's RTCP is read (rtcpin.go).
	rtcpMode atomic.Int32
	// subUp: the subscribe connection has been connected (DTLS up), so
	// packets sent to it arrive.
	subUp atomic.Bool

	stateMu   sync.Mutex // serialises ConnectionState reports; guards lastState
	lastState [2]webrtc.PeerConnectionState

	mu          sync.Mutex // guards everything below; never held while calling Pion or a handler
	closed      bool
	trackSeq    map[string]int
	published   map[string]*receiver
	downTracks  map[string]*downTrack // by track id
	bySSRC      map[uint32]*downTrack // by outgoing SSRC, once bound
	hasRemote   [2]bool
	remoteUfrag [2]string // ICE ufrag of the current remote description
	queued      [2][]webrtc.ICECandidateInit
	negTimer    *time.Timer
	lastOfferAt time.Time // when the latest subscriber offer was made (offerGap)
	negSince    time.Time // first change the pending offer is for
	negBurst    bool      // the pending offer waits for a quiet offerGap
	negPending  bool      // a change happened while an offer was outstanding
	restart     bool      // the next offer must restart ICE
	// lastOfferRestart: the latest offer restarted ICE.
	lastOfferRestart bool

	// Receive slots (slots.go) and one connection (onepc.go); both are
	// set at creation.
	slotMode, onePC        bool
	slotsWanted            [2]int // onePC: slots asked of the client, audio and video
	primed                 bool   // the first video slots were made (slots.go); tick goroutine only
	audioSlots, videoSlots []*slot
	prefs                  map[string]VideoPref // tile sizes by track id, slot peers
	prefsAdded             atomic.Bool          // a new id in prefs since forgetPrefs
	slotMsgMu              sync.Mutex           // serialises notifySlots; guards slotsSent
	slotsSent              string
}

func newPeer(r *Router, id string, h PeerHandler, publishOnly bool, o PeerOptions) (*Peer, error) {
	p := &Peer{
		id:          id,
		publishOnly: publishOnly,
		slotMode:    (o.Slots || o.OnePC) && !publishOnly,
		onePC:       o.OnePC && !publishOnly,
		prefs:       map[string]VideoPref{},
		r:           r,
		h:           h,
		log:         r.log.With("peer", id),
		trackSeq:    map[string]int{},
		published:   map[string]*receiver{},
		downTracks:  map[string]*downTrack{},
		bySSRC:      map[uint32]*downTrack{},
	}
	p.out.in.handle = p.handleRTCP
	api := r.e.pubAPI
	if p.onePC {
		api = r.e.oneAPI
	}
	var err error
	if p.pub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, fmt.Errorf("sfu: publish pc: %w", err)
	}
	p.fb = newPubFeedback(r.e.fb, id, p.pub.WriteRTCP, p.log)
	p.pubGate = newCandidateGate(func(c webrtc.ICECandidateInit) { h.ICECandidate(Publish, c) })
	p.pub.OnICECandidate(p.pubGate.candidate)
	switch {
	case p.onePC:
		// Both directions on one connection (onepc.go).
		p.sub, p.subGate = p.pub, p.pubGate
		p.pub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			p.pubState(s)
			p.subState(s)
		})
		p.pub.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(func(pair *webrtc.ICECandidatePair) {
			p.pubPair(pair)
			p.subPair(pair)
		})
	default:
		p.pub.OnConnectionStateChange(p.pubState)
		p.pub.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(p.pubPair)
		if publishOnly {
			break
		}
		if p.sub, err = r.e.subAPI.NewPeerConnection(webrtc.Configuration{}); err != nil {
			_ = p.pub.Close()
			p.fb.close()
			return nil, fmt.Errorf("sfu: subscribe pc: %w", err)
		}
		p.subGate = newCandidateGate(func(c webrtc.ICECandidateInit) { h.ICECandidate(Subscribe, c) })
		p.sub.OnICECandidate(p.subGate.candidate)
		p.sub.OnConnectionStateChange(p.subState)
		p.sub.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(p.subPair)
	}
	p.pub.OnTrack(func(t *webrtc.TrackRemote, rr *webrtc.RTPReceiver) {
		r.addTrack(p, t, rr)
	})
	return p, nil
}

// pubState and subState follow the state of the publish and the
// subscribe connection (the same one with OnePC).
func (p *Peer) pubState(s webrtc.PeerConnectionState) {
	if s == webrtc.PeerConnectionStateConnected {
		p.startInPath()
	}
	p.reportState(Publish)
}

func (p *Peer) subState(s webrtc.PeerConnectionState) {
	if s == webrtc.PeerConnectionStateConnected {
		p.startFastPath()
		if !p.subUp.Swap(true) {
			// Keyframes that came before DTLS was up were dropped.
			p.startKeyframes()
		}
	}
	p.reportState(Subscribe)
}

// startKeyframes asks for a keyframe of every video this peer is to
// receive and has not started yet.
func (p *Peer) startKeyframes() {
	p.mu.Lock()
	dts := p.downTrackList()
	p.mu.Unlock()
	for _, d := range dts {
		d.startKeyframe()
	}
}

// pubPair and subPair move the direct paths to a new candidate pair.
func (p *Peer) pubPair(pair *webrtc.ICECandidatePair) {
	if err := p.in.setPair(pair, p.r.e.batch); err != nil {
		p.log.Debug("direct receive path off", "err", err)
	}
}

func (p *Peer) subPair(pair *webrtc.ICECandidatePair) {
	if p.rtcpMode.Load() == rtcpUndecided {
		return // startFastPath decides
	}
	if err := p.out.setPair(pair, p.r.e.batch); err != nil {
		p.log.Debug("direct RTP path off", "err", err)
		p.setRTCPMode(rtcpPerTrack)
		return
	}
	p.rtcpMode.Store(rtcpDirect)
}

// reportState tells the handler about a connection state change. Pion
// calls its state handler on a new goroutine per change, so the calls can
// race; reading the current state under stateMu and skipping repeats keeps
// the reports in order.
func (p *Peer) reportState(dir Direction) {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	s := p.pc(dir).ConnectionState()
	if s == p.lastState[dir] {
		return
	}
	p.lastState[dir] = s
	p.log.Debug("connection state", "dir", dir, "state", s)
	p.h.ConnectionState(dir, s)
}

// startFastPath turns on the direct RTP path once the subscribe PC is up.
func (p *Peer) startFastPath() {
	if p.r.e.batch == nil {
		return
	}
	first, err := p.out.start(p.sub, p.r.e.batch)
	if first && err == nil {
		p.r.e.stats.fastPaths.Add(1)
	}
	if err != nil {
		p.pathOff("direct RTP path off", err)
		p.setRTCPMode(rtcpPerTrack)
		return
	}
	p.rtcpMode.Store(rtcpDirect)
}

// startInPath turns on the direct receive path once the publish PC is up.
func (p *Peer) startInPath() {
	if p.r.e.batch == nil {
		return
	}
	first, err := p.in.start(p.pub, p.r.e.batch)
	if err != nil {
		p.pathOff("direct receive path off", err)
		return
	}
	if first {
		p.r.e.stats.directIn.Add(1)
	}
}

// pathOff logs why a direct path stays off: ICE over TCP and the like
// are expected; a DTLS connection out of reach means Pion changed under
// us, which costs CPU.
func (p *Peer) pathOff(msg string, err error) {
	lvl := slog.LevelDebug
	if errors.Is(err, errFastPathDTLS) {
		lvl = slog.LevelWarn
	}
	p.log.Log(context.Background(), lvl, msg, "err", err)
}

var errPublishOnly = errors.New("sfu: publish-only peer has no subscribe connection")

// ID returns the peer's id.
func (p *Peer) ID() string { return p.id }

// HandleOffer applies the client's offer on the publish PC (first offer,
// renegotiation, ICE restart) and returns the answer. The answer already
// carries the server's candidates; any gathered later are trickled.
func (p *Peer) HandleOffer(sdp string) (string, error) {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	if p.isClosed() {
		return "", ErrClosed
	}
	// Hold trickling from here: a restart offer restarts gathering.
	p.pubGate.hold()
	if err := p.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		go p.pubGate.release("")
		return "", fmt.Errorf("sfu: set publish offer: %w", err)
	}
	p.flushCandidates(Publish, sdp)
	if p.onePC {
		p.attachSlots() // the offer's recvonly transceivers
	}
	answer, err := p.pub.CreateAnswer(nil)
	if err != nil {
		go p.pubGate.release("")
		return "", fmt.Errorf("sfu: create publish answer: %w", err)
	}
	// The client's offer may have restarted ICE: take the full path.
	out, err := setLocalAndGather(p.pub, answer, false)
	if err != nil {
		go p.pubGate.release("")
		return "", fmt.Errorf("sfu: set publish answer: %w", err)
	}
	// Candidates the answer does not list yet are trickled from another
	// goroutine: the handler must not be called from inside HandleOffer.
	go p.pubGate.release(out)
	if p.onePC {
		p.notifySlots() // the new slots' mids
		p.r.kick()      // and sources for them
	}
	return withOpusDTX(withStartBitrate(out)), nil
}

// HandleAnswer applies the client's answer to the last subscriber offer.
func (p *Peer) HandleAnswer(sdp string) error {
	if p.publishOnly {
		return errPublishOnly
	}
	if p.onePC {
		return errOnePC
	}
	p.negMu.Lock()
	defer p.negMu.Unlock()
	if p.isClosed() {
		return ErrClosed
	}
	if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("sfu: set subscribe answer: %w", err)
	}
	p.flushCandidates(Subscribe, sdp)
	p.mu.Lock()
	again := p.negPending || p.restart
	p.negPending = false
	p.mu.Unlock()
	if again {
		p.negotiate()
	}
	return nil
}

// AddICECandidate adds a client candidate. Candidates that arrive before
// the description they belong to (none yet, or the one of an ICE restart
// whose SDP is still on its way) are queued rather than dropped.
func (p *Peer) AddICECandidate(dir Direction, c webrtc.ICECandidateInit) error {
	if dir == Subscribe && p.publishOnly {
		return errPublishOnly
	}
	if p.onePC {
		dir = Publish // one connection; its state is kept as the publish one's
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	u := candUfrag(c)
	early := !p.hasRemote[dir] || (u != "" && u != p.remoteUfrag[dir])
	if early {
		if len(p.queued[dir]) < maxQueuedCandidates {
			p.queued[dir] = append(p.queued[dir], c)
		}
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	return p.pc(dir).AddICECandidate(c)
}

const maxQueuedCandidates = 64

// flushCandidates runs after a remote description was applied.
func (p *Peer) flushCandidates(dir Direction, remoteSDP string) {
	ufrag := sdpUfrag(remoteSDP)
	p.mu.Lock()
	p.hasRemote[dir] = true
	p.remoteUfrag[dir] = ufrag
	var now, later []webrtc.ICECandidateInit
	for _, c := range p.queued[dir] {
		if u := candUfrag(c); u == "" || u == ufrag {
			now = append(now, c)
		} else {
			later = append(later, c) // a later generation, or stale
		}
	}
	p.queued[dir] = later
	p.mu.Unlock()
	for _, c := range now {
		if err := p.pc(dir).AddICECandidate(c); err != nil {
			p.log.Debug("queued candidate rejected", "dir", dir, "err", err)
		}
	}
}

// candUfrag returns the ICE generation a candidate belongs to: its
// usernameFragment, or the "ufrag" attribute inside the candidate line.
func candUfrag(c webrtc.ICECandidateInit) string {
	if c.UsernameFragment != nil && *c.UsernameFragment != "" {
		return *c.UsernameFragment
	}
	f := strings.Fields(c.Candidate)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "ufrag" {
			return f[i+1]
		}
	}
	return ""
}

// sdpUfrag returns the first a=ice-ufrag value of an SDP (all m-lines are
// bundled, so they share it).
func sdpUfrag(sdp string) string {
	const key = "a=ice-ufrag:"
	i := strings.Index(sdp, key)
	if i < 0 {
		return ""
	}
	v := sdp[i+len(key):]
	if j := strings.IndexAny(v, "\r\n"); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(v)
}

func (p *Peer) pc(dir Direction) *webrtc.PeerConnection {
	if dir == Publish {
		return p.pub
	}
	return p.sub
}

// RestartICE sends a new subscriber offer that restarts ICE. If an offer is
// still unanswered it is sent again (the client may have lost it while
// disconnected), and the restart follows its answer unless that offer
// restarted ICE already.
func (p *Peer) RestartICE() {
	if p.publishOnly || p.onePC {
		return // with one connection, the client restarts ICE with its offer
	}
	p.mu.Lock()
	p.restart = true
	p.mu.Unlock()
	p.negotiate()
}

// RequestKeyframes asks the publishers of every video track this peer
// receives for a keyframe, e.g. after its connection came back.
func (p *Peer) RequestKeyframes() {
	p.mu.Lock()
	recvs := make([]*receiver, 0, len(p.downTracks))
	for _, d := range p.downTracks {
		recvs = append(recvs, d.recv)
	}
	p.mu.Unlock()
	for _, r := range recvs {
		r.requestKeyframe()
	}
}

// Close removes the peer's tracks from every subscriber and closes its
// connections.
func (p *Peer) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.r.e.stats.qualityMoved(p.ConnectionQuality(), QualityGood) // uncounted (connquality.go)
	if p.negTimer != nil {
		p.negTimer.Stop()
		p.negTimer = nil
	}
	published := make([]*receiver, 0, len(p.published))
	for _, r := range p.published {
		published = append(published, r)
	}
	dts := make([]*downTrack, 0, len(p.downTracks))
	for _, d := range p.downTracks {
		dts = append(dts, d)
	}
	p.downTracks = map[string]*downTrack{}
	p.mu.Unlock()

	p.r.removePeer(p)
	for _, r := range published {
		p.r.removeTrack(r)
	}
	for _, d := range dts {
		d.recv.removeDownTrack(d)
		d.close()
	}
	p.out.stop(p.r.e.batch)
	p.closePCs()
	p.log.Info("peer closed")
}

func (p *Peer) closePCs() {
	if err := p.pub.Close(); err != nil {
		p.log.Debug("close publish pc", "err", err)
	}
	p.in.stop(p.r.e.batch)
	p.fb.close()
	if p.sub == nil || p.sub == p.pub {
		return
	}
	if err := p.sub.Close(); err != nil {
		p.log.Debug("close subscribe pc", "err", err)
	}
}

func (p *Peer) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

func (p *Peer) nextTrackID(kind string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.trackSeq[kind]
	p.trackSeq[kind] = n + 1
	return fmt.Sprintf("%s-%s-%d", p.id, kind, n)
}

// downTrackList returns the peer's downTracks; p.mu must be held.
func (p *Peer) downTrackList() []*downTrack {
	return p.appendDownTracks(make([]*downTrack, 0, len(p.downTracks)))
}

// appendDownTracks appends the peer's downTracks to dst; p.mu must be held.
func (p *Peer) appendDownTracks(dst []*downTrack) []*downTrack {
	for _, d := range p.downTracks {
		dst = append(dst, d)
	}
	return dst
}

func (p *Peer) addPublished(r *receiver) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.published[r.info.ID] = r
	return true
}

// receiverFor finds the published track received on rr (simulcast layers
// share one RTPReceiver).
func (p *Peer) receiverFor(rr *webrtc.RTPReceiver) *receiver {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, recv := range p.published {
		if recv.rtpRecv == rr {
			return recv
		}
	}
	return nil
}

func (p *Peer) forgetPublished(r *receiver) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.published[r.info.ID] == r {
		delete(p.published, r.info.ID)
	}
}
