package sfu

import (
	"cmp"
	"slices"
	"strings"

	"github.com/pion/webrtc/v4"
)

// Receive slots (docs/receive-slots.md). A peer added with
// PeerOptions.Slots does not get one m-line per published track: its
// subscribe connection has a few slots (slot.go), and the router's tick
// decides which source each carries: the loudest others on the audio
// slots, the videos the client shows on the video slots. A slot is added
// when more are needed than ever before (one renegotiation of that peer
// only) and never removed. Assignments are sticky: a source keeps its
// slot while it is wanted, so a person who keeps talking never moves.

// maxVideoSlots bounds a subscriber's video slots (a 7 × 7 grid).
const maxVideoSlots = 49

// PeerOptions configures a peer at creation.
type PeerOptions struct {
	// Slots: the peer receives on receive slots, and its handler should
	// implement SlotHandler to learn what each slot carries.
	Slots bool
	// OnePC: one connection carries both directions, and the client makes
	// every offer (onepc.go). Implies Slots; the handler should implement
	// SlotsWantedHandler.
	OnePC bool
}

// SlotInfo is what one receive slot carries now. TrackID and PeerID are
// empty when it carries nothing.
type SlotInfo struct {
	Mid     string
	Kind    string
	TrackID string
	PeerID  string
	// From, when HasFrom, is the first RTP timestamp of the slot's video
	// that is TrackID's: older frames are the previous source's.
	From    uint32
	HasFrom bool
}

// SlotHandler is an optional extension of PeerHandler: a slot peer's
// handler hears the full slot map after every change, in order with the
// other optional calls. Slots without a mid yet (their offer is still to
// come) are left out; the map is sent again after the offer.
type SlotHandler interface {
	Slots([]SlotInfo)
}

// SlotMode says whether the peer receives on receive slots.
func (p *Peer) SlotMode() bool { return p.slotMode }

// Slots returns the peer's slot map, for a client that reconnected.
func (p *Peer) Slots() []SlotInfo {
	p.mu.Lock()
	all := append(slices.Clip(p.audioSlots), p.videoSlots...)
	p.mu.Unlock()
	out := make([]SlotInfo, 0, len(all))
	for _, s := range all {
		mid := ""
		if s.tr != nil {
			mid = s.tr.Mid()
		}
		if mid == "" {
			continue
		}
		si := SlotInfo{Mid: mid, Kind: s.kind.String()}
		if recv, from, ok := s.sourceFrom(); recv != nil {
			si.TrackID, si.PeerID = recv.info.ID, recv.info.PeerID
			si.From, si.HasFrom = from, ok
		}
		out = append(out, si)
	}
	return out
}

// notifySlots sends the slot map if it changed since the last one sent.
func (p *Peer) notifySlots() {
	h, ok := p.h.(SlotHandler)
	if !ok {
		return
	}
	p.slotMsgMu.Lock()
	defer p.slotMsgMu.Unlock()
	m := p.Slots()
	var b strings.Builder
	for _, s := range m {
		b.WriteString(s.Mid + "=" + s.TrackID + ";")
	}
	if b.String() == p.slotsSent {
		return
	}
	p.slotsSent = b.String()
	p.events.post(func() { h.Slots(m) })
}

// assignSlots runs on the router's tick goroutine: it gives every slot
// peer its sources and tells it when the map changed.
func (r *Router) assignSlots() {
	sc := &r.slotScratch // only this goroutine uses it
	defer sc.release()
	r.mu.Lock()
	sc.recvs = r.appendSortedReceiversLocked(sc.recvs[:0]) // join order
	sc.peers = r.appendPeersLocked(sc.peers[:0])
	tracksChanged := r.tracksGen != sc.tracksGen
	sc.tracksGen = r.tracksGen
	r.mu.Unlock()
	sc.audio, sc.video = sc.audio[:0], sc.video[:0]
	for _, recv := range sc.recvs {
		if recv.muted.Load() {
			continue // a host muted it: nothing to forward
		}
		if recv.isVideo() {
			sc.video = append(sc.video, recv)
		} else {
			sc.audio = append(sc.audio, recv)
		}
	}
	slices.SortStableFunc(sc.audio, func(a, b *receiver) int { return cmp.Compare(loudness(b), loudness(a)) })
	nAudio := r.e.cfg.MaxAudioStreams
	if nAudio == 0 {
		nAudio = defaultMaxAudio
	} else if nAudio < 0 {
		nAudio = maxVideoSlots
	}
	speaker := r.ActiveSpeaker()
	better := louderBy(speakerMargin)
	changed := false
	for _, p := range sc.peers {
		if !p.slotMode || p.isClosed() {
			continue
		}
		// Only when a track went, or the client named a new one (it may
		// name any): every tick, this was 2,450 string lookups at 50.
		if tracksChanged || p.prefsAdded.Load() {
			p.forgetPrefs(sc.aliveIDs())
		}
		p.primeVideoSlots(sc.video)
		sc.others = appendOthers(sc.others[:0], p, sc.audio)
		c1 := p.fillSlots(webrtc.RTPCodecTypeAudio, sc.others, nAudio, better, sc)
		sc.wanted = p.appendWantedVideos(sc.wanted[:0], sc.video, speaker, sc)
		c2 := p.fillSlots(webrtc.RTPCodecTypeVideo, sc.wanted, maxVideoSlots, nil, sc)
		if c1 || c2 {
			p.notifySlots()
			changed = true
		}
	}
	if changed {
		r.kick() // allocate the new downTracks' layers now
	}
}

// slotScratch is assignSlots' working memory, kept between ticks: a
// 50-person room's tick otherwise allocated ≈ 130 KB (of the server's
// 1.2 MB/s of garbage), ten times a second.
type slotScratch struct {
	recvs, audio, video, others, wanted []*receiver
	peers                               []*Peer
	cands                               []wantCand
	slots                               []*slot
	alive                               map[string]bool // aliveIDs
	aliveBuilt                          bool
	tracksGen                           uint64 // Router.tracksGen at the last tick
	held                                map[*receiver]*slot
}

// release drops the references a tick left, so that nothing closed is
// kept alive until the next one.
func (sc *slotScratch) release() {
	for _, s := range [][]*receiver{sc.recvs, sc.audio, sc.video, sc.others, sc.wanted} {
		clear(s[:cap(s)])
	}
	clear(sc.peers[:cap(sc.peers)])
	clear(sc.cands[:cap(sc.cands)])
	clear(sc.slots[:cap(sc.slots)])
	clear(sc.alive)
	sc.aliveBuilt = false
	clear(sc.held)
}

// aliveIDs is the set of the room's track ids this tick, made on first
// use.
func (sc *slotScratch) aliveIDs() map[string]bool {
	if !sc.aliveBuilt {
		if sc.alive == nil {
			sc.alive = map[string]bool{}
		}
		for _, recv := range sc.recvs {
			sc.alive[recv.info.ID] = true
		}
		sc.aliveBuilt = true
	}
	return sc.alive
}

// loudness ranks audio for the slots: tracks without the level extension
// cannot be ranked and always count as loud.
func loudness(recv *receiver) float64 {
	if !recv.audio.hasExt.Load() {
		return 1000
	}
	return recv.audio.slow
}

// louderBy: a challenger takes a slot from a source that is no longer
// among the loudest only when clearly louder, so noise does not make
// slots flap between people who are all quiet.
func louderBy(margin float64) func(c, held *receiver) bool {
	return func(c, held *receiver) bool { return loudness(c) > loudness(held)+margin }
}

// appendOthers appends the receivers in recvs that p does not publish.
func appendOthers(out []*receiver, p *Peer, recvs []*receiver) []*receiver {
	for _, recv := range recvs {
		if recv.publisher != p {
			out = append(out, recv)
		}
	}
	return out
}

// primeSlots is how many video slots a newcomer gets before its layout
// says what it shows: they go out in its first offer, so the videos its
// first video_prefs asks for start without another round trip.
const primeSlots = 4

// primeVideoSlots adds a newcomer's first video slots, empty, when others
// publish video. Runs once per peer.
func (p *Peer) primeVideoSlots(video []*receiver) {
	if p.onePC || p.primed {
		return // with one connection the client adds its own
	}
	videos := 0
	for _, recv := range video {
		if recv.publisher != p {
			videos++
		}
	}
	if videos == 0 {
		return
	}
	p.primed = true
	for i := len(p.slotList(webrtc.RTPCodecTypeVideo)); i < min(videos, primeSlots); i++ {
		if p.addSlot(webrtc.RTPCodecTypeVideo, i) == nil {
			return
		}
	}
}

// forgetPrefs drops the tile sizes of tracks that are gone.
func (p *Peer) forgetPrefs(alive map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prefsAdded.Store(false)
	for id := range p.prefs {
		if !alive[id] {
			delete(p.prefs, id)
		}
	}
}

// appendWantedVideos appends the others' videos the client shows, best first:
// screen shares, the active speaker, then the biggest tiles; join order
// breaks ties. Only tiles the client reported with a size count: a
// newcomer's first layout decides, rather than 49 slots made before it.
func (p *Peer) appendWantedVideos(out, video []*receiver, speaker string, sc *slotScratch) []*receiver {
	cands := sc.cands[:0]
	p.mu.Lock()
	for _, recv := range video {
		if recv.publisher == p {
			continue
		}
		pr, listed := p.prefs[recv.info.ID]
		if !listed || pr.Width == 0 || pr.Height == 0 {
			continue
		}
		c := wantCand{recv: recv, class: 2, area: pr.Width * pr.Height}
		if s := recv.source.Load(); s != nil && *s == "screen" {
			c.class = 0
		} else if recv.info.PeerID == speaker {
			c.class = 1
		}
		cands = append(cands, c)
	}
	p.mu.Unlock()
	slices.SortStableFunc(cands, func(a, b wantCand) int {
		if c := cmp.Compare(a.class, b.class); c != 0 {
			return c
		}
		return cmp.Compare(b.area, a.area)
	})
	for _, c := range cands {
		out = append(out, c.recv)
	}
	sc.cands = cands
	return out
}

// wantCand is a video a client shows, ranked: class 0 screen shares, 1
// the active speaker, 2 the rest; then the tile's area.
type wantCand struct {
	recv  *receiver
	class int
	area  int
}

// fillSlots gives the best `limit` of cands (sorted best first) a slot
// of this kind, keeping the sources that have one. A source that is no
// longer a candidate leaves its slot. A candidate without a slot takes a
// free one, a new one while fewer than limit exist, or else the slot of
// a source outside the best `limit` when better(candidate, that source)
// (nil: always). It reports whether anything changed.
func (p *Peer) fillSlots(kind webrtc.RTPCodecType, cands []*receiver, limit int, better func(c, held *receiver) bool, sc *slotScratch) (changed bool) {
	sc.slots = p.appendSlots(sc.slots[:0], kind)
	slots := sc.slots
	if sc.held == nil {
		sc.held = map[*receiver]*slot{}
	}
	held := sc.held
	clear(held)
	for _, s := range slots {
		src := s.source()
		if src == nil {
			continue
		}
		if !slices.Contains(cands, src) {
			p.clearSlot(s)
			changed = true
			continue
		}
		held[src] = s
	}
	want := cands[:min(limit, len(cands))]
	if p.onePC {
		p.wantSlots(kind, len(want))
	}
	for _, c := range want {
		if held[c] != nil {
			continue
		}
		s := p.freeSlot(kind, limit)
		if s == nil {
			// Take the slot of the worst source outside want.
			var victim *receiver
			for i := len(cands) - 1; i >= len(want); i-- {
				if held[cands[i]] != nil {
					victim = cands[i]
					break
				}
			}
			if victim == nil || (better != nil && !better(c, victim)) {
				continue
			}
			s = held[victim]
			delete(held, victim)
		}
		if p.setSource(s, c) {
			held[c] = s
			changed = true
		}
	}
	return changed
}

func (p *Peer) slotList(kind webrtc.RTPCodecType) []*slot {
	return p.appendSlots(nil, kind)
}

// appendSlots appends the peer's slots of this kind to out.
func (p *Peer) appendSlots(out []*slot, kind webrtc.RTPCodecType) []*slot {
	p.mu.Lock()
	defer p.mu.Unlock()
	if kind == webrtc.RTPCodecTypeAudio {
		return append(out, p.audioSlots...)
	}
	return append(out, p.videoSlots...)
}

// freeSlot returns an empty slot of this kind, adding one if fewer than
// limit exist; nil if all are taken.
func (p *Peer) freeSlot(kind webrtc.RTPCodecType, limit int) *slot {
	slots := p.slotList(kind)
	for _, s := range slots {
		if s.source() == nil {
			return s
		}
	}
	if len(slots) >= limit || p.onePC {
		return nil // with one connection, the client adds slots (onepc.go)
	}
	return p.addSlot(kind, len(slots))
}

// addSlot adds a send-only transceiver and schedules the offer for it.
func (p *Peer) addSlot(kind webrtc.RTPCodecType, idx int) *slot {
	s := newSlot(p, kind, idx)
	tr, err := p.sub.AddTransceiverFromTrack(s, webrtc.RTPTransceiverInit{
		Direction: webrtc.RTPTransceiverDirectionSendonly,
	})
	if err != nil {
		p.log.Warn("add receive slot", "slot", s.id, "err", err)
		return nil
	}
	if !p.keepSlot(s, tr.Sender(), tr) {
		return nil
	}
	p.negotiate()
	return s
}

// keepSlot records a slot whose transceiver exists; false if the peer
// has closed meanwhile.
func (p *Peer) keepSlot(s *slot, sender *webrtc.RTPSender, tr *webrtc.RTPTransceiver) bool {
	s.sender, s.tr = sender, tr
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	if s.kind == webrtc.RTPCodecTypeAudio {
		p.audioSlots = append(p.audioSlots, s)
	} else {
		p.videoSlots = append(p.videoSlots, s)
	}
	p.mu.Unlock()
	if p.rtcpMode.Load() == rtcpPerTrack {
		s.startRTCPReader()
	}
	return true
}

// setSource makes recv the source of slot s.
func (p *Peer) setSource(s *slot, recv *receiver) bool {
	d, old := s.assign(recv)
	if d == nil {
		p.log.Debug("slot cannot carry codec", "slot", s.id, "track", recv.info.ID, "codec", recv.codec.MimeType)
		return false
	}
	if old != nil {
		p.dropSlotTrack(old)
	}
	p.mu.Lock()
	if pr, ok := p.prefs[recv.info.ID]; ok {
		d.setPref(pr.Width, pr.Height)
	}
	closed := p.closed
	if !closed {
		p.downTracks[d.id] = d
		if ssrc := d.ssrcA.Load(); ssrc != 0 {
			p.bySSRC[ssrc] = d
		}
	}
	p.mu.Unlock()
	if closed || !recv.addDownTrack(d) {
		s.vacate(d)
		p.dropSlotTrack(d)
		return false
	}
	d.countLive()
	p.r.e.stats.slotAssigned.Add(1)
	d.startKeyframe() // the new source starts on a keyframe
	return true
}

// clearSlot empties s.
func (p *Peer) clearSlot(s *slot) {
	s.mu.Lock()
	old := s.vacateLocked()
	s.mu.Unlock()
	if old != nil {
		p.dropSlotTrack(old)
	}
}

// dropSlotTrack takes a slot's former downTrack out of the fan-out and
// the peer's maps.
func (p *Peer) dropSlotTrack(d *downTrack) {
	d.recv.removeDownTrack(d)
	p.mu.Lock()
	if p.downTracks[d.id] == d {
		delete(p.downTracks, d.id)
	}
	p.mu.Unlock()
	d.close()
}

// unsubscribeSlot is unsubscribe for a slot peer: the track ended, its
// slot is free for the next source without renegotiating.
func (p *Peer) unsubscribeSlot(d *downTrack) {
	if d.slot.vacate(d) {
		p.notifySlots()
	}
	p.dropSlotTrack(d)
	p.r.kick()
}
