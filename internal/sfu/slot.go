package sfu

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// slot is one receive slot of a subscriber that joined with slots: a
// send-only transceiver whose source the server changes (slots.go). The
// slot is the transceiver's webrtc.TrackLocal. Each source it carries is
// forwarded by a downTrack of its own, so downTrack.recv stays immutable
// for the hot path; the downTrack writes to the slot's stream and starts
// from the numbers the previous one stopped at, so the browser sees one
// continuous stream.
type slot struct {
	p      *Peer
	id     string // msid track id: "slot-a0", "slot-v3"
	kind   webrtc.RTPCodecType
	sender *webrtc.RTPSender
	tr     *webrtc.RTPTransceiver

	rtcpReading atomic.Bool // readRTCP runs

	mu     sync.Mutex // guards the fields below; taken before a downTrack's mu
	w      rtpWriter  // nil until Pion binds the transceiver
	ssrc   uint32
	codecs []webrtc.RTPCodecParameters // negotiated, set by Bind
	cur    *downTrack                  // the source now, nil = empty
	carry  outState                    // where the stream stands when empty
	// from is the first RTP timestamp that is cur's, when an earlier
	// source used the slot (hasFrom): frames older than it are the
	// previous person's, which a client must not show under this one's name.
	from    uint32
	hasFrom bool
}

// slotStreamID is the msid stream id of every slot, which tells a client
// that the track belongs to a slot rather than to one participant.
const slotStreamID = "confer-slots"

// outState is what one source's downTrack hands the next on a slot.
type outState struct {
	started bool
	last    outPos
	sr      sendCounts
	roc     rocTracker
}

func newSlot(p *Peer, kind webrtc.RTPCodecType, idx int) *slot {
	k := "v"
	if kind == webrtc.RTPCodecTypeAudio {
		k = "a"
	}
	return &slot{p: p, id: fmt.Sprintf("slot-%s%d", k, idx), kind: kind}
}

// ID, RID, StreamID, Kind, Bind and Unbind implement webrtc.TrackLocal.

func (s *slot) ID() string                { return s.id }
func (s *slot) RID() string               { return "" }
func (s *slot) StreamID() string          { return slotStreamID }
func (s *slot) Kind() webrtc.RTPCodecType { return s.kind }

// Bind is called by Pion once the subscriber's answer is applied. A slot
// may carry any negotiated codec of its kind: the payload type follows
// the source.
func (s *slot) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codecs := ctx.CodecParameters()
	if len(codecs) == 0 {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	s.mu.Lock()
	s.w = ctx.WriteStream()
	s.ssrc = uint32(ctx.SSRC())
	s.codecs = append([]webrtc.RTPCodecParameters(nil), codecs...)
	cur := s.cur
	if cur != nil {
		s.outputTo(cur)
	}
	s.mu.Unlock()
	if cur != nil {
		s.p.mu.Lock()
		s.p.bySSRC[s.ssrc] = cur
		s.p.mu.Unlock()
		cur.startKeyframe() // the first picture on a new slot
	}
	return codecs[0], nil
}

func (s *slot) Unbind(webrtc.TrackLocalContext) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w = nil
	if s.cur != nil {
		s.cur.mu.Lock()
		s.cur.w = nil
		s.cur.mu.Unlock()
	}
	return nil
}

// outputTo points d at the slot's stream: writer, SSRC and the payload
// type of d's codec; false if the subscriber did not accept that codec.
// s.mu is held.
func (s *slot) outputTo(d *downTrack) bool {
	pt := uint8(0)
	if s.codecs != nil {
		c, ok := matchCodec(d.codec, s.codecs)
		if !ok {
			return false
		}
		pt = uint8(c.PayloadType)
	}
	d.mu.Lock()
	d.w, d.ssrc, d.pt = s.w, s.ssrc, pt
	d.ssrcA.Store(s.ssrc)
	d.mu.Unlock()
	return true
}

// assign makes recv the slot's source and returns its new downTrack, or
// nil when the subscriber cannot receive recv's codec. The previous
// source's downTrack, if any, is detached first and returned as old; the
// caller removes it from the peer's maps and fan-outs.
func (s *slot) assign(recv *receiver) (d, old *downTrack) {
	d = newDownTrack(recv, s.p)
	d.slot = s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.outputTo(d) {
		return nil, nil
	}
	old = s.vacateLocked()
	// The munger moves the new source's timestamps past the last one sent.
	s.from, s.hasFrom = s.carry.last.ts+1, s.carry.started
	d.m.started, d.m.last = s.carry.started, s.carry.last
	d.sr, d.roc = s.carry.sr, s.carry.roc
	s.cur = d
	return d, old
}

// vacate empties the slot if d is its source; it says whether it was.
func (s *slot) vacate(d *downTrack) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != d {
		return false
	}
	s.vacateLocked()
	return true
}

// vacateLocked stops the current downTrack and keeps where its stream
// stands for the next source. s.mu is held.
func (s *slot) vacateLocked() *downTrack {
	d := s.cur
	if d == nil {
		return nil
	}
	s.cur = nil
	d.mu.Lock()
	s.carry = outState{started: d.m.started, last: d.m.last, sr: d.sr, roc: d.roc}
	d.closed = true
	d.w = nil
	d.mu.Unlock()
	return d
}

// current is the downTrack forwarding the slot's source now, nil if none.
func (s *slot) current() *downTrack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// sourceFrom is source with the first RTP timestamp that is its own
// (ok false: nothing older was sent on the slot).
func (s *slot) sourceFrom() (recv *receiver, from uint32, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil, 0, false
	}
	return s.cur.recv, s.from, s.hasFrom
}

// source is the track the slot carries now, nil if none.
func (s *slot) source() *receiver {
	if d := s.current(); d != nil {
		return d.recv
	}
	return nil
}

// startRTCPReader reads the slot's RTCP from Pion when the direct path
// is not in use; packets go to whichever source the SSRC maps to now.
func (s *slot) startRTCPReader() {
	if s.sender == nil || !s.rtcpReading.CompareAndSwap(false, true) {
		return
	}
	go func() {
		buf := make([]byte, mtu)
		scratch := make([]byte, mtu)
		for {
			n, _, err := s.sender.Read(buf)
			if err != nil {
				return
			}
			if pkts, err := rtcp.Unmarshal(buf[:n]); err == nil {
				s.p.handleRTCP(pkts, scratch)
			}
		}
	}()
}
