package sfu

import (
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rtcpLog records what one publisher was sent.
type rtcpLog struct {
	mu     sync.Mutex
	nacks  map[uint32]int
	nacked map[uint32]map[uint16]bool // the sequence numbers asked for
	rrs    map[uint32][]rtcp.ReceptionReport
}

func (l *rtcpLog) write(pkts []rtcp.Packet) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.TransportLayerNack:
			l.nacks[p.MediaSSRC]++
			if l.nacked[p.MediaSSRC] == nil {
				l.nacked[p.MediaSSRC] = map[uint16]bool{}
			}
			for _, pair := range p.Nacks {
				for _, seq := range pair.PacketList() {
					l.nacked[p.MediaSSRC][seq] = true
				}
			}
		case *rtcp.ReceiverReport:
			for _, r := range p.Reports {
				l.rrs[r.SSRC] = append(l.rrs[r.SSRC], r)
			}
		}
	}
	return nil
}

func (l *rtcpLog) get() (map[uint32]int, map[uint32][]rtcp.ReceptionReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := map[uint32]int{}
	for k, v := range l.nacks {
		n[k] = v
	}
	r := map[uint32][]rtcp.ReceptionReport{}
	for k, v := range l.rrs {
		r[k] = append([]rtcp.ReceptionReport(nil), v...)
	}
	return n, r
}

func newRTCPLog() *rtcpLog {
	return &rtcpLog{nacks: map[uint32]int{}, nacked: map[uint32]map[uint16]bool{}, rrs: map[uint32][]rtcp.ReceptionReport{}}
}

// feedStream sends seq 1..n on s, skipping lost.
func feedStream(t *testing.T, s *fbStream, ssrc uint32, n uint16, lost uint16) {
	t.Helper()
	for seq := uint16(1); seq <= n; seq++ {
		if seq == lost {
			continue
		}
		raw, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: ptVP8, SSRC: ssrc, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}, Payload: []byte{0x10, 1}}).Marshal()
		must(t, err)
		var h rtp.Header
		_, err = h.Unmarshal(raw)
		must(t, err)
		s.observe(raw, &h, time.Now())
	}
}

var hubTestCodec = webrtc.RTPCodecParameters{
	RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: publishFeedback},
	PayloadType:        ptVP8,
}

// One engine-wide clock serves every publisher, and each publisher hears
// only about its own streams, even one whose SSRC another publisher uses
// too (SSRCs are each browser's random choice): NACKs name only its own
// losses, and its receiver reports answer only its own sender reports.
// When the last stream goes, the clock stops.
func TestFeedbackHubKeepsPublishersApart(t *testing.T) {
	hub := newFeedbackHub(slog.New(slog.DiscardHandler))
	defer hub.close()
	logA, logB := newRTCPLog(), newRTCPLog()
	quiet := slog.New(slog.DiscardHandler)
	a := newPubFeedback(hub, "alice", logA.write, quiet)
	b := newPubFeedback(hub, "bob", logB.write, quiet)
	defer a.close()
	defer b.close()
	const ssrcA, ssrcB = 1111, 2222
	sa := a.bind(ssrcA, hubTestCodec, nil, fbRefs{})
	sb := b.bind(ssrcB, hubTestCodec, nil, fbRefs{})
	sbA := b.bind(ssrcA, hubTestCodec, nil, fbRefs{}) // bob's own stream, alice's number
	if sa == nil || sb == nil || sbA == nil {
		t.Fatal("bind failed")
	}
	// Bob's sender report on his stream numbered like alice's: the
	// receiver reports alice gets must not echo it (it would skew her
	// round-trip time).
	const bobsNTP = 0x1234_5678_9abc_def0
	b.senderReports([]rtcp.Packet{&rtcp.SenderReport{SSRC: ssrcA, NTPTime: bobsNTP}})

	feedStream(t, sa, ssrcA, 40, 10)
	feedStream(t, sb, ssrcB, 40, 20)
	feedStream(t, sbA, ssrcA, 40, 30)
	eventually(t, 3*time.Second, "NACKs and receiver reports for every stream", func() (bool, string) {
		nA, rA := logA.get()
		nB, rB := logB.get()
		return nA[ssrcA] > 0 && nB[ssrcB] > 0 && len(rA[ssrcA]) > 0 && len(rB[ssrcB]) > 0 && len(rB[ssrcA]) > 0,
			fmt.Sprintf("alice nacks %v reports %d, bob nacks %v reports %d+%d", nA, len(rA[ssrcA]), nB, len(rB[ssrcB]), len(rB[ssrcA]))
	})
	logA.mu.Lock()
	logB.mu.Lock()
	aliceAsked, bobAsked, bobAskedB := logA.nacked[ssrcA], logB.nacked[ssrcA], logB.nacked[ssrcB]
	_, aliceGotB := logA.nacked[ssrcB]
	logB.mu.Unlock()
	logA.mu.Unlock()
	if !aliceAsked[10] || aliceAsked[30] || aliceGotB || len(aliceAsked) != 1 {
		t.Fatalf("alice was asked for %v (and bob's stream: %v), want only 10", aliceAsked, aliceGotB)
	}
	if !bobAsked[30] || bobAsked[10] || len(bobAsked) != 1 || !bobAskedB[20] || len(bobAskedB) != 1 {
		t.Fatalf("bob was asked for %v on %d and %v on %d, want 30 and 20", bobAsked, ssrcA, bobAskedB, ssrcB)
	}
	_, rA := logA.get()
	for _, r := range rA[ssrcA] {
		if r.LastSenderReport == uint32(bobsNTP>>16&0xffffffff) {
			t.Fatal("alice's receiver report answers bob's sender report")
		}
	}
	eventually(t, 3*time.Second, "bob's report on his stream answers his sender report", func() (bool, string) {
		_, rB := logB.get()
		for _, r := range rB[ssrcA] {
			if r.LastSenderReport == uint32(bobsNTP>>16&0xffffffff) {
				return true, ""
			}
		}
		return false, fmt.Sprint(rB[ssrcA])
	})

	sa.unbind()
	sb.unbind()
	sbA.unbind()
	eventually(t, 2*time.Second, "the clock stops with the last stream", func() (bool, string) {
		hub.mu.Lock()
		defer hub.mu.Unlock()
		return !hub.ticker, ""
	})
}

// A publisher's own sender report is answered: the receiver report
// carries its LSR, which the browser needs for its round-trip time.
func TestFeedbackHubAnswersSenderReports(t *testing.T) {
	hub := newFeedbackHub(slog.New(slog.DiscardHandler))
	defer hub.close()
	log := newRTCPLog()
	a := newPubFeedback(hub, "alice", log.write, slog.New(slog.DiscardHandler))
	defer a.close()
	const ssrc = 3333
	s := a.bind(ssrc, hubTestCodec, nil, fbRefs{})
	if s == nil {
		t.Fatal("bind failed")
	}
	defer s.unbind()
	feedStream(t, s, ssrc, 10, 0)
	const ntp = 0x1111_2222_3333_4444
	a.senderReports([]rtcp.Packet{&rtcp.SenderReport{SSRC: ssrc, NTPTime: ntp}})
	eventually(t, 3*time.Second, "a receiver report with the LSR", func() (bool, string) {
		_, rr := log.get()
		for _, r := range rr[ssrc] {
			if r.LastSenderReport == uint32(ntp>>16&0xffffffff) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("reports %v", rr[ssrc])
	})
}
