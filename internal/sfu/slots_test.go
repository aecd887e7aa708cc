package sfu

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// slotTrack is what a slot client receives on one slot: packets of
// changing sources, checked against the source named in each payload.
type slotTrack struct {
	id   string
	kind webrtc.RTPCodecType
	ssrc uint32

	mu        sync.Mutex
	started   bool
	lastSeq   uint16
	lastTS    uint32
	gaps      int // outgoing sequence numbers that did not follow the last by one
	tsBack    int // timestamps that went backwards
	bySource  map[string]int
	sources   []string // each source, in the order it appeared
	keyFirst  map[string]bool
	tsRange   map[string][2]uint32 // each source's oldest and newest timestamp (no wrap in a test)
	seqCount  map[uint16]int
	payloads  map[uint16][]byte
	bad       int
	lastError string
}

// Slots implements SlotHandler.
func (c *testClient) Slots(m []SlotInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slotMaps = append(c.slotMaps, m)
}

func (c *testClient) lastSlotMap() []SlotInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.slotMaps) == 0 {
		return nil
	}
	return c.slotMaps[len(c.slotMaps)-1]
}

func (c *testClient) slotTracks() []*slotTrack {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*slotTrack, 0, len(c.slotRecv))
	for _, st := range c.slotRecv {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (c *testClient) onSlotTrack(tr *webrtc.TrackRemote, rr *webrtc.RTPReceiver) {
	st := &slotTrack{id: tr.ID(), kind: tr.Kind(), ssrc: uint32(tr.SSRC()),
		bySource: map[string]int{}, keyFirst: map[string]bool{}, tsRange: map[string][2]uint32{},
		seqCount: map[uint16]int{}, payloads: map[uint16][]byte{}}
	c.mu.Lock()
	if c.slotRecv == nil {
		c.slotRecv = map[string]*slotTrack{}
	}
	c.slotRecv[st.id] = st
	c.mu.Unlock()
	go func() {
		for {
			if _, _, err := rr.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		st.record(pkt.SequenceNumber, pkt.Timestamp, pkt.Payload)
	}
}

// record checks one packet: the payload names its source and original
// sequence number (mediaTail), so a packet of the wrong source or a
// mangled one is caught.
func (st *slotTrack) record(seq uint16, ts uint32, payload []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	body, kind := payload, byte('a')
	if st.kind == webrtc.RTPCodecTypeVideo {
		kind = 'v'
		if len(body) < 2 || body[0] != 0x10 {
			st.bad++
			st.lastError = fmt.Sprintf("bad VP8 descriptor %x", body)
			return
		}
		body = body[2:]
	}
	f := strings.SplitN(string(body), "|", 4)
	orig, err := strconv.Atoi(safeIndex(f, 2))
	if len(f) < 4 || err != nil || !bytes.Equal(body, mediaTail(f[0], kind, uint16(orig))) {
		st.bad++
		st.lastError = fmt.Sprintf("seq %d: got %q", seq, body)
		return
	}
	src := f[0]
	if prev, ok := st.payloads[seq]; ok {
		st.seqCount[seq]++
		if !bytes.Equal(prev, payload) {
			st.bad++
			st.lastError = fmt.Sprintf("seq %d: retransmission differs", seq)
		}
		return // a retransmission
	}
	if st.started {
		if seq != st.lastSeq+1 {
			st.gaps++
		}
		if int32(ts-st.lastTS) < 0 {
			st.tsBack++
		}
	}
	if len(st.sources) == 0 || st.sources[len(st.sources)-1] != src {
		st.sources = append(st.sources, src)
		if _, seen := st.keyFirst[src]; !seen {
			st.keyFirst[src] = kind == 'a' || isVP8Keyframe(payload)
		}
	}
	st.started, st.lastSeq, st.lastTS = true, seq, ts
	r, seen := st.tsRange[src]
	if !seen || ts < r[0] {
		r[0] = ts
	}
	r[1] = max(r[1], ts)
	st.tsRange[src] = r
	st.bySource[src]++
	st.seqCount[seq]++
	st.payloads[seq] = append([]byte(nil), payload...)
}

func safeIndex(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// heardBySlots counts, per source, the packets a slot client received
// on its slots of one kind.
func heardBySlots(c *testClient, kind string) map[string]int {
	out := map[string]int{}
	for _, st := range c.slotTracks() {
		if st.kind.String() != kind {
			continue
		}
		st.mu.Lock()
		for src, n := range st.bySource {
			out[src] += n
		}
		st.mu.Unlock()
	}
	return out
}

func transceiverCount(c *testClient, kind webrtc.RTPCodecType) int {
	n := 0
	for _, tr := range c.sub.GetTransceivers() {
		if tr.Kind() == kind {
			n++
		}
	}
	return n
}

// A slot listener in a room of eight talkers gets exactly three audio
// m-lines, carrying the three loudest; when the loudest stops, the next
// takes over a slot with no gap in its sequence numbers and without a
// renegotiation.
func TestSlotsCarryTheLoudest(t *testing.T) {
	e := newTestEngine(t)
	h := &speakerRecorder{}
	r := e.NewRouter("room", h)
	defer r.Close()
	talkers := newTalkers(t, r, 8)
	listener := newTestClientOpts(t, r, "listener", clientOpts{slots: true})
	listener.level.Store(127)

	heardWindow := func() map[string]int {
		before := heardBySlots(listener, "audio")
		time.Sleep(time.Second)
		after := heardBySlots(listener, "audio")
		for k := range after {
			after[k] -= before[k]
			if after[k] == 0 {
				delete(after, k)
			}
		}
		return after
	}
	eventually(t, 10*time.Second, "the three loudest heard", func() (bool, string) {
		got := heardWindow()
		return len(got) == 3 && got["t0"] > 20 && got["t1"] > 20 && got["t2"] > 20, fmt.Sprint(got)
	})
	if n := transceiverCount(listener, webrtc.RTPCodecTypeAudio); n != 3 {
		t.Fatalf("listener has %d audio m-lines, want 3 slots", n)
	}
	mapped := map[string]bool{}
	for _, s := range listener.lastSlotMap() {
		if s.Kind == "audio" && s.PeerID != "" {
			mapped[s.PeerID] = true
			if !strings.HasPrefix(s.TrackID, s.PeerID+"-audio-") || s.Mid == "" {
				t.Errorf("slot %+v: track id or mid wrong", s)
			}
		}
	}
	if len(mapped) != 3 || !mapped["t0"] || !mapped["t1"] || !mapped["t2"] {
		t.Fatalf("slot map names %v, want t0 t1 t2", mapped)
	}
	offers := len(listener.offersSoFar())

	talkers[0].level.Store(127)
	eventually(t, 6*time.Second, "t3 replaces t0", func() (bool, string) {
		got := heardWindow()
		return got["t3"] > 20 && got["t0"] == 0, fmt.Sprint(got)
	})
	for _, st := range listener.slotTracks() {
		st.mu.Lock()
		if st.kind.String() == "audio" && fmt.Sprint(st.sources) == "[t0 t3]" {
			if st.gaps != 0 || st.tsBack != 0 || st.bad != 0 {
				t.Errorf("slot %s: %d sequence gaps, %d timestamps back, %d bad (%s) across the switch",
					st.id, st.gaps, st.tsBack, st.bad, st.lastError)
			}
			mapped["switched"] = true
		}
		st.mu.Unlock()
	}
	if !mapped["switched"] {
		t.Fatal("no audio slot went from t0 to t3")
	}
	if n := len(listener.offersSoFar()); n != offers {
		t.Fatalf("%d offers after the change of speaker, want none", n-offers)
	}
	if n := e.Stats().SlotAssignments; n < 4 {
		t.Fatalf("SlotAssignments = %d, want at least 4 (three speakers and one change)", n)
	}
}

// A video slot moves from one source to another when the client hides
// one tile and shows another: the new source starts on a keyframe,
// numbering continues, NACKs are answered from the new source, and no
// m-line is added. A source that leaves frees its slot for a newcomer.
func TestVideoSlotSwitchesSource(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	a := newTestClient(t, r, "a")
	b := newTestClient(t, r, "b")
	listener := newTestClientOpts(t, r, "listener", clientOpts{slots: true})
	videoOf := func(c *testClient) string { return c.id + "-video-0" }
	published := func(c *testClient) {
		eventually(t, 5*time.Second, c.id+"'s video published", func() (bool, string) {
			return slices.ContainsFunc(r.Tracks(), func(ti TrackInfo) bool { return ti.ID == videoOf(c) }), ""
		})
	}
	published(a)
	published(b)
	listener.peer.SetVideoPrefs([]VideoPref{{TrackID: videoOf(a), Width: 640, Height: 360}, {TrackID: videoOf(b)}})

	eventually(t, 10*time.Second, "a's video on a slot", func() (bool, string) {
		got := heardBySlots(listener, "video")
		return got["a"] > 10, fmt.Sprint(got)
	})
	// One tile shown: one slot, or the few a newcomer gets before its
	// layout is known (primeSlots).
	nv := transceiverCount(listener, webrtc.RTPCodecTypeVideo)
	if nv < 1 || nv > 2 {
		t.Fatalf("%d video m-lines, want 1 or 2", nv)
	}
	offers := len(listener.offersSoFar())

	listener.peer.SetVideoPrefs([]VideoPref{{TrackID: videoOf(a)}, {TrackID: videoOf(b), Width: 640, Height: 360}})
	st := videoSlotCarrying(t, listener, "b", 5*time.Second)
	st.mu.Lock()
	if fmt.Sprint(st.sources) != "[a b]" || !st.keyFirst["b"] || st.gaps != 0 || st.tsBack != 0 || st.bad != 0 {
		t.Errorf("slot %s: sources %v, b starts on a keyframe %v, %d gaps, %d timestamps back, %d bad (%s)",
			st.id, st.sources, st.keyFirst["b"], st.gaps, st.tsBack, st.bad, st.lastError)
	}
	nackSeq := st.lastSeq - 3
	aTS, bTS := st.tsRange["a"], st.tsRange["b"]
	st.mu.Unlock()
	// The map tells the client where b's frames start, so that it never
	// shows a's last frames under b's name.
	var from *SlotInfo
	for _, si := range listener.lastSlotMap() {
		if si.TrackID == videoOf(b) {
			from = &si
		}
	}
	if from == nil || !from.HasFrom || from.From <= aTS[1] || from.From > bTS[0] {
		t.Errorf("slot map entry %+v: want From after a's newest timestamp %d and at most b's first %d", from, aTS[1], bTS[0])
	}
	if n := len(listener.offersSoFar()); n != offers {
		t.Fatalf("%d offers for the switch, want none", n-offers)
	}

	must(t, listener.sub.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{
		SenderSSRC: 1, MediaSSRC: st.ssrc, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{nackSeq}),
	}}))
	eventually(t, 3*time.Second, "b's packet retransmitted", func() (bool, string) {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.seqCount[nackSeq] >= 2 && st.bad == 0, st.lastError
	})

	// b leaves: the slot is empty in the map, then c takes it on the same
	// m-line once the client shows c's tile.
	b.close()
	b.peer.Close()
	eventually(t, 5*time.Second, "b's slot emptied", func() (bool, string) {
		for _, s := range listener.lastSlotMap() {
			if s.Kind == "video" {
				return s.TrackID == "", fmt.Sprint(listener.lastSlotMap())
			}
		}
		return false, "no video slot in the map"
	})
	c := newTestClient(t, r, "c")
	published(c)
	listener.peer.SetVideoPrefs([]VideoPref{{TrackID: videoOf(c), Width: 320, Height: 180}})
	eventually(t, 10*time.Second, "c on the slot", func() (bool, string) {
		got := heardBySlots(listener, "video")
		return got["c"] > 10, fmt.Sprint(got)
	})
	if n := transceiverCount(listener, webrtc.RTPCodecTypeVideo); n != nv {
		t.Fatalf("%d video m-lines after c joined, want still %d", n, nv)
	}

	// Tile sizes of tracks that are gone, or never were, are forgotten.
	listener.peer.SetVideoPrefs([]VideoPref{{TrackID: "no-such-track", Width: 320, Height: 180}})
	eventually(t, 3*time.Second, "stale tile sizes forgotten", func() (bool, string) {
		listener.peer.mu.Lock()
		defer listener.peer.mu.Unlock()
		_, bogus := listener.peer.prefs["no-such-track"]
		_, gone := listener.peer.prefs[videoOf(b)]
		_, kept := listener.peer.prefs[videoOf(c)]
		return !bogus && !gone && kept, fmt.Sprint(listener.peer.prefs)
	})
}

// A newcomer's first offer already has video slots when others publish
// video, so the videos its first layout asks for start without another
// round trip.
func TestNewcomerGetsVideoSlotsInItsFirstOffer(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRouter("room", nil)
	defer r.Close()
	newTestClient(t, r, "a")
	newTestClient(t, r, "b")
	eventually(t, 5*time.Second, "a and b publish", func() (bool, string) {
		return len(r.Tracks()) == 4, fmt.Sprint(len(r.Tracks()), " tracks")
	})
	listener := newTestClientOpts(t, r, "listener", clientOpts{slots: true})
	eventually(t, 5*time.Second, "the first offer", func() (bool, string) {
		return len(listener.offersSoFar()) > 0, ""
	})
	first := listener.offersSoFar()[0]
	if n := strings.Count(first, "m=video"); n != 2 {
		t.Fatalf("first offer has %d video m-lines, want 2 (one per other camera, up to %d)", n, primeSlots)
	}
	listener.peer.SetVideoPrefs([]VideoPref{{TrackID: "a-video-0", Width: 320, Height: 180}})
	eventually(t, 5*time.Second, "a's video", func() (bool, string) {
		return heardBySlots(listener, "video")["a"] > 10, fmt.Sprint(heardBySlots(listener, "video"))
	})
	if n := len(listener.offersSoFar()); n != 1 {
		t.Fatalf("%d offers, want the first only", n)
	}
}

// videoSlotCarrying waits until one of c's video slots has carried more
// than 10 packets from src, and returns it.
func videoSlotCarrying(t *testing.T, c *testClient, src string, timeout time.Duration) *slotTrack {
	t.Helper()
	var st *slotTrack
	eventually(t, timeout, "a video slot carries "+src, func() (bool, string) {
		for _, x := range c.slotTracks() {
			x.mu.Lock()
			ok := x.kind == webrtc.RTPCodecTypeVideo && x.bySource[src] > 10
			x.mu.Unlock()
			if ok {
				st = x
				return true, ""
			}
		}
		return false, fmt.Sprint(heardBySlots(c, "video"))
	})
	return st
}
