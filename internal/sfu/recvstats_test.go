package sfu

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// arrival is one packet of a test stream: its sequence number and when
// it arrives, in ms from the start.
type arrival struct {
	seq uint16
	at  int64
}

// feedbackCases are streams with what networks do to them: loss, bursts,
// reordering, duplicates, a sequence number wrap, a jump past the NACK
// window, and jittery arrival.
func feedbackCases() map[string][]arrival {
	run := func(from uint16, n int, skip ...uint16) []arrival {
		var out []arrival
		for i := 0; i < n; i++ {
			seq := from + uint16(i)
			if slices.Contains(skip, seq) {
				continue
			}
			out = append(out, arrival{seq: seq, at: int64(i)*20 + int64(i*7%5)})
		}
		return out
	}
	reordered := run(1, 100)
	reordered[19], reordered[24] = reordered[24], reordered[19] // 20 comes after 25
	dup := run(1, 60, 30)
	dup = append(dup[:10:10], append([]arrival{dup[9]}, dup[10:]...)...)
	late := run(1, 80, 40)
	late = append(late, arrival{seq: 40, at: late[len(late)-1].at + 5}) // a retransmission
	jump := append(run(1, 10), run(1000, 20, 1005)...)
	for i := 10; i < len(jump); i++ {
		jump[i].at += 1000
	}
	return map[string][]arrival{
		"in order":         run(1, 200),
		"losses":           run(1, 200, 10, 11, 12, 50, 199),
		"reordered":        reordered,
		"duplicate":        dup,
		"late":             late,
		"wrap":             run(65500, 120, 65530, 65535, 0, 7),
		"jump past window": jump,
	}
}

const diffSSRC = 4242

func diffHeader(seq uint16, clock uint32) *rtp.Header {
	return &rtp.Header{Version: 2, PayloadType: ptVP8, SSRC: diffSSRC, SequenceNumber: seq, Timestamp: uint32(seq) * clock / 50}
}

// pionReport feeds the stream to Pion's receiver-report interceptor and
// returns its first report, made at end (ms).
func pionReport(t *testing.T, stream []arrival, clock uint32, srAt, end int64) rtcp.ReceptionReport {
	t.Helper()
	start := time.Unix(1_700_000_000, 0)
	var now time.Time
	f, err := report.NewReceiverInterceptor(report.ReceiverNow(func() time.Time { return now }), report.ReceiverInterval(20*time.Millisecond))
	must(t, err)
	ic, err := f.NewInterceptor("")
	must(t, err)
	defer ic.Close()
	info := &interceptor.StreamInfo{SSRC: diffSSRC, ClockRate: clock}
	rd := ic.BindRemoteStream(info, interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return len(b), a, nil
	}))
	srIn := ic.BindRTCPReader(interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return len(b), a, nil
	}))
	for i, a := range stream {
		now = start.Add(time.Duration(a.at) * time.Millisecond)
		raw, err := (&rtp.Packet{Header: *diffHeader(a.seq, clock), Payload: []byte{1}}).Marshal()
		must(t, err)
		_, _, err = rd.Read(raw, nil)
		must(t, err)
		if i == len(stream)/2 {
			now = start.Add(time.Duration(srAt) * time.Millisecond)
			sr, err := (&rtcp.SenderReport{SSRC: diffSSRC, NTPTime: 0x0102_0304_0506_0708}).Marshal()
			must(t, err)
			_, _, err = srIn.Read(sr, nil)
			must(t, err)
		}
	}
	now = start.Add(time.Duration(end) * time.Millisecond)
	got := make(chan rtcp.ReceptionReport, 1)
	// Bound last: its first tick comes after every packet is in.
	ic.BindRTCPWriter(interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			if rr, ok := p.(*rtcp.ReceiverReport); ok && len(rr.Reports) == 1 {
				select {
				case got <- rr.Reports[0]:
				default:
				}
			}
		}
		return 0, nil
	}))
	select {
	case r := <-got:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("Pion's interceptor made no report")
	}
	return rtcp.ReceptionReport{}
}

// pionNACKs feeds the stream to Pion's NACK generator and returns the
// sequence numbers of its first NACK (nil: none).
func pionNACKs(t *testing.T, stream []arrival) []uint16 {
	t.Helper()
	f, err := nack.NewGeneratorInterceptor(nack.GeneratorInterval(20 * time.Millisecond))
	must(t, err)
	ic, err := f.NewInterceptor("")
	must(t, err)
	defer ic.Close()
	info := &interceptor.StreamInfo{SSRC: diffSSRC, ClockRate: 90000, RTCPFeedback: []interceptor.RTCPFeedback{{Type: "nack"}}}
	rd := ic.BindRemoteStream(info, interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return len(b), a, nil
	}))
	for _, a := range stream {
		raw, err := (&rtp.Packet{Header: *diffHeader(a.seq, 90000), Payload: []byte{1}}).Marshal()
		must(t, err)
		_, _, err = rd.Read(raw, nil)
		must(t, err)
	}
	got := make(chan []uint16, 1)
	ic.BindRTCPWriter(interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			if n, ok := p.(*rtcp.TransportLayerNack); ok {
				var seqs []uint16
				for _, pair := range n.Nacks {
					seqs = append(seqs, pair.PacketList()...)
				}
				select {
				case got <- seqs:
				default:
				}
			}
		}
		return 0, nil
	}))
	select {
	case s := <-got:
		return s
	case <-time.After(300 * time.Millisecond): // several rounds: nothing is missing
		return nil
	}
}

// The receiver reports and NACKs confer makes from its own statistics
// say what Pion's interceptors, which it used before, say of the same
// streams.
func TestFeedbackMatchesPionInterceptors(t *testing.T) {
	start := time.Unix(1_700_000_000, 0).UnixNano()
	ms := func(m int64) int64 { return start + m*int64(time.Millisecond) }
	for name, stream := range feedbackCases() {
		t.Run(name, func(t *testing.T) {
			for _, clock := range []uint32{90000, 48000} {
				last := stream[len(stream)-1].at
				srAt, end := stream[len(stream)/2].at+1, last+700

				var s recvStats
				s.clockRate = float64(clock)
				for i, a := range stream {
					h := diffHeader(a.seq, clock)
					s.add(h.SequenceNumber, h.Timestamp, ms(a.at))
					if i == len(stream)/2 {
						s.senderReport(0x0102_0304_0506_0708, ms(srAt))
					}
				}
				ours := s.report(diffSSRC, ms(end))
				want := pionReport(t, stream, clock, srAt, end)
				if ours != want {
					t.Fatalf("clock %d: report\n got %+v\nwant %+v", clock, ours, want)
				}
			}

			var n nackLog
			for _, a := range stream {
				n.add(a.seq)
			}
			ours := n.missing(nil)
			want := pionNACKs(t, stream)
			if !slices.Equal(ours, want) {
				t.Fatalf("NACKs %v, Pion's %v", ours, want)
			}
		})
	}
}

// A second report covers only what came since the first.
func TestReceiverReportIntervals(t *testing.T) {
	var s recvStats
	s.clockRate = 90000
	for seq := uint16(1); seq <= 100; seq++ {
		if seq != 50 {
			s.add(seq, uint32(seq)*1800, int64(seq)*int64(20*time.Millisecond))
		}
	}
	r1 := s.report(1, int64(3*time.Second))
	for seq := uint16(101); seq <= 200; seq++ {
		if seq%10 != 0 {
			s.add(seq, uint32(seq)*1800, int64(seq)*int64(20*time.Millisecond))
		}
	}
	r2 := s.report(1, int64(5*time.Second))
	if r1.TotalLost != 1 || r1.FractionLost != 2 { // 1 of 100: 2.56/256
		t.Fatalf("first report: lost %d, fraction %d", r1.TotalLost, r1.FractionLost)
	}
	// 101–200: 10 lost, but 200 itself (the newest) is one of them and
	// not yet known: 9 of 100.
	if r2.TotalLost != 1+9 || r2.FractionLost != 23 || r2.LastSequenceNumber != 199 {
		t.Fatalf("second report: lost %d, fraction %d, last %d", r2.TotalLost, r2.FractionLost, r2.LastSequenceNumber)
	}
	// A paused layer: nothing new, nothing lost.
	if r3 := s.report(1, int64(6*time.Second)); r3.TotalLost != r2.TotalLost || r3.FractionLost != 0 {
		t.Fatalf("report without new packets: lost %d, fraction %d", r3.TotalLost, r3.FractionLost)
	}
	// A stream bound but not started yet reports nothing lost.
	var idle recvStats
	if r := idle.report(1, int64(time.Second)); r.TotalLost != 0 || r.FractionLost != 0 {
		t.Fatalf("stream without packets: lost %d, fraction %d", r.TotalLost, r.FractionLost)
	}
}
