package sfu

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// The publisher is asked to resend only what someone receives: both
// streams lose the same packet, but only the one that goes out to a
// subscriber is NACKed; the other (a simulcast layer no tile wants) costs
// the publisher's uplink nothing.
func TestNACKsOnlyForStreamsThatGoOut(t *testing.T) {
	var mu sync.Mutex
	nacked := map[uint32]int{}
	f := newPubFeedback("pub", func(pkts []rtcp.Packet) error {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range pkts {
			if n, ok := p.(*rtcp.TransportLayerNack); ok {
				nacked[n.MediaSSRC]++
			}
		}
		return nil
	}, slog.New(slog.DiscardHandler))
	defer f.close()
	codec := webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: publishFeedback},
		PayloadType:        ptVP8,
	}
	const sent, unsent = 1111, 2222
	var sentAt, unsentAt atomic.Int64
	streams := map[uint32]*fbStream{
		sent:   f.bind(sent, codec, nil, &sentAt),
		unsent: f.bind(unsent, codec, nil, &unsentAt),
	}
	for seq := uint16(1); seq <= 60; seq++ {
		now := time.Now()
		sentAt.Store(now.UnixNano())
		if seq == 5 {
			continue // lost on both streams
		}
		for ssrc, s := range streams {
			raw, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: ptVP8, SSRC: ssrc, SequenceNumber: seq}, Payload: []byte{0x10, 1}}).Marshal()
			must(t, err)
			var h rtp.Header
			_, err = h.Unmarshal(raw)
			must(t, err)
			s.observe(raw, &h, now)
		}
		time.Sleep(5 * time.Millisecond)
	}
	eventually(t, 2*time.Second, "a NACK for the stream that goes out", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return nacked[sent] > 0, ""
	})
	time.Sleep(300 * time.Millisecond) // a few more generator rounds
	mu.Lock()
	defer mu.Unlock()
	if nacked[unsent] != 0 {
		t.Fatalf("the stream nobody receives was NACKed %d times", nacked[unsent])
	}
}
