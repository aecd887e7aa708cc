package loadtest

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

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
	audioPacketsBySrc sync.Map      // participant id → *atomic.Uint64
	videoPacketsBySrc sync.Map      // participant id → *atomic.Uint64
	videoFirstBySrc   sync.Map      // participant id → int64, unix ns of its first video packet
	videoLast         sync.Map      // track id → *atomic.Int64, unix ns of its last packet
	switches          atomic.Uint64 // a received stream changed source (slots)
}

// bySource is the packet counter of source id.
func (c *counters) bySource(video bool, id string) *atomic.Uint64 {
	m := &c.audioPacketsBySrc
	if video {
		m = &c.videoPacketsBySrc
	}
	v, _ := m.LoadOrStore(id, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// sources returns the packets received per source.
func (c *counters) sources(video bool) map[string]uint64 {
	m := &c.audioPacketsBySrc
	if video {
		m = &c.videoPacketsBySrc
	}
	out := map[string]uint64{}
	m.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Uint64).Load()
		return true
	})
	return out
}

// liveVideo counts the video tracks that delivered a packet since t.
func (c *counters) liveVideo(t time.Time) int {
	n := 0
	c.videoLast.Range(func(_, v any) bool {
		if v.(*atomic.Int64).Load() >= t.UnixNano() {
			n++
		}
		return true
	})
	return n
}

// readTrack counts one remote track's packets until it ends. src says
// which publisher the track carries now (it changes on a receive slot):
// per-source figures follow it, the stream's own (loss, by sequence
// numbers, which a slot continues across switches) do not.
func (c *counters) readTrack(t *webrtc.TrackRemote, src *source) {
	video := t.Kind() == webrtc.RTPCodecTypeVideo
	if video {
		c.videoTracks.Add(1)
		defer c.videoTracks.Add(-1)
	} else {
		c.audioTracks.Add(1)
		defer c.audioTracks.Add(-1)
	}
	var lastNS *atomic.Int64
	if video {
		lastNS = new(atomic.Int64)
		c.videoLast.Store(t.StreamID()+"/"+t.ID()+"/"+t.RID(), lastNS)
	}
	var curSrc *string // src as last seen
	var srcID string   // its id, "" = none
	var bySrc *atomic.Uint64
	// One buffer per track, reused; only the sequence number is read
	// from the header (bytes 2–3), no full RTP parse.
	buf := make([]byte, 1500)
	var started bool
	var last uint16
	var lastAt time.Time
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if n < 12 || buf[0]>>6 != 2 {
			continue
		}
		seq := binary.BigEndian.Uint16(buf[2:4])
		now := time.Now()
		c.firstMedia.CompareAndSwap(0, now.UnixNano())
		c.packets.Add(1)
		c.bytes.Add(uint64(n))
		if p := src.Load(); p != curSrc {
			curSrc = p
			id := ""
			if p != nil {
				id = *p
			}
			if id != srcID {
				if srcID != "" {
					c.switches.Add(1)
				}
				srcID, bySrc = id, nil
				if id != "" {
					bySrc = c.bySource(video, id)
					if video {
						c.videoFirstBySrc.LoadOrStore(id, now.UnixNano())
					}
				}
				// Another source is another picture: a gap before its
				// first packet is not a freeze of a tile.
				lastAt = time.Time{}
			}
		}
		if bySrc != nil {
			bySrc.Add(1)
		}
		if !started {
			started = true
			last = seq
			c.expected.Add(1)
		} else if d := int16(seq - last); d > 0 {
			c.expected.Add(uint64(d))
			last = seq
		}
		// A pause the SFU decided (tile hidden, bandwidth) also shows as a
		// gap; the load tester's layouts never change which tiles are
		// visible, so a paused tile stays paused and counts nothing.
		if video && !lastAt.IsZero() && now.Sub(lastAt) > freezeGap {
			c.freezes.Add(1)
		}
		lastAt = now
		if lastNS != nil {
			lastNS.Store(now.UnixNano())
		}
	}
}
