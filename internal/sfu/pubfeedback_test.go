package sfu

import (
	"fmt"
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
	hub := newFeedbackHub(slog.New(slog.DiscardHandler))
	defer hub.close()
	f := newPubFeedback(hub, "pub", func(pkts []rtcp.Packet) error {
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
		sent:   f.bind(sent, codec, nil, fbRefs{sentAt: &sentAt}),
		unsent: f.bind(unsent, codec, nil, fbRefs{sentAt: &unsentAt}),
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

func TestLossPeakKeepsTheWorstRecentReport(t *testing.T) {
	var m lossPeak
	now := time.Now().UnixNano()
	sec := int64(time.Second)
	if m.get(now) != 0 {
		t.Fatal("loss before any report")
	}
	m.note(64, now)
	m.note(10, now+sec) // better, but the worse one is fresh
	if got := m.get(now + 3*sec/2); got != 64 {
		t.Fatalf("worst recent loss %d, want 64", got)
	}
	for i := int64(2); i <= 6; i++ {
		m.note(10, now+i*sec)
	}
	if got := m.get(now + 6*sec); got != 10 {
		t.Fatalf("64 was reported 6 s ago: %d, want the 10 since", got)
	}
	if got := m.get(now + 6*sec + int64(peakWindow)); got != 0 {
		t.Fatalf("loss %d with no report for a whole window, want 0", got)
	}
}

// A listener's lossy network reaches the speaker: the receiver reports
// the server sends a publisher for its audio carry the worst loss a
// subscriber reported, so the browser's Opus encoder adds in-band FEC.
func TestListenersAudioLossReachesThePublisher(t *testing.T) {
	_, _, a, b := twoForwarding(t)
	pubSSRC := uint32(a.audioSender.GetParameters().Encodings[0].SSRC)
	var worst atomic.Int32
	go func() {
		for {
			pkts, _, err := a.audioSender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if rr, ok := p.(*rtcp.ReceiverReport); ok {
					for _, r := range rr.Reports {
						if r.SSRC == pubSSRC && int32(r.FractionLost) > worst.Load() {
							worst.Store(int32(r.FractionLost))
						}
					}
				}
			}
		}
	}()
	var subSSRC uint32
	for _, rt := range b.remoteTracks() {
		if rt.streamID == "alice" && rt.kind == webrtc.RTPCodecTypeAudio {
			subSSRC = rt.ssrc
		}
	}
	if subSSRC == 0 {
		t.Fatal("bob receives no audio from alice")
	}
	eventually(t, 5*time.Second, "the publisher hears of bob's 25 % loss", func() (bool, string) {
		must(t, b.sub.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1,
			Reports: []rtcp.ReceptionReport{{SSRC: subSSRC, FractionLost: 64}}}}))
		time.Sleep(100 * time.Millisecond)
		return worst.Load() >= 64, fmt.Sprintf("worst fraction lost so far %d", worst.Load())
	})
}
