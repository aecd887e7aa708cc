package loadtest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// freezeGap: a video track that was flowing and delivers no packet for
// this long counts one freeze (browsers show a frozen picture well before).
const freezeGap = 500 * time.Millisecond

// counters are one subscriber's receive statistics, summed over tracks.
type counters struct {
	packets, bytes    atomic.Uint64
	expected          atomic.Uint64 // by sequence numbers
	freezes           atomic.Uint64
	firstMedia        atomic.Int64 // unix ns of the first packet
	videoTracks       atomic.Int32
	audioTracks       atomic.Int32
	audioPacketsBySrc sync.Map // participant id → *atomic.Uint64
}

// readTrack counts one remote track's packets until it ends.
func (c *counters) readTrack(t *webrtc.TrackRemote) {
	video := t.Kind() == webrtc.RTPCodecTypeVideo
	if video {
		c.videoTracks.Add(1)
		defer c.videoTracks.Add(-1)
	} else {
		c.audioTracks.Add(1)
		defer c.audioTracks.Add(-1)
	}
	var src *atomic.Uint64
	if !video {
		v, _ := c.audioPacketsBySrc.LoadOrStore(t.StreamID(), new(atomic.Uint64))
		src = v.(*atomic.Uint64)
	}
	buf := make([]byte, 1500)
	var h rtp.Header
	var started bool
	var last uint16
	var lastAt time.Time
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if _, err := h.Unmarshal(buf[:n]); err != nil {
			continue
		}
		now := time.Now()
		c.firstMedia.CompareAndSwap(0, now.UnixNano())
		c.packets.Add(1)
		c.bytes.Add(uint64(n))
		if src != nil {
			src.Add(1)
		}
		if !started {
			started = true
			last = h.SequenceNumber
			c.expected.Add(1)
		} else if d := int16(h.SequenceNumber - last); d > 0 {
			c.expected.Add(uint64(d))
			last = h.SequenceNumber
		}
		// A pause the SFU decided (tile hidden, bandwidth) also shows as a
		// gap; the load tester's layouts keep every tile visible.
		if video && !lastAt.IsZero() && now.Sub(lastAt) > freezeGap {
			c.freezes.Add(1)
		}
		lastAt = now
	}
}
