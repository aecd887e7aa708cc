package e2e

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/loadtest"
)

// rxPacket is what the subscriber saw of one RTP packet.
type rxPacket struct {
	seq                uint16
	ts                 uint32
	marker, start, key bool
	at                 time.Time
}

type rxTrack struct {
	mu   sync.Mutex
	pkts map[uint16]rxPacket // retransmissions arrive twice at most once counted
}

func (r *rxTrack) read(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	var p rtp.Packet
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		x := rxPacket{seq: p.SequenceNumber, ts: p.Timestamp, marker: p.Marker, at: time.Now()}
		if t.Kind() == webrtc.RTPCodecTypeVideo {
			x.start, x.key = vp8Start(p.Payload)
		}
		r.mu.Lock()
		if _, dup := r.pkts[x.seq]; !dup {
			r.pkts[x.seq] = x
		}
		r.mu.Unlock()
	}
}

// vp8Start reports whether a VP8 payload starts a frame, and a keyframe.
func vp8Start(p []byte) (start, key bool) {
	if len(p) < 1 || p[0]&0x10 == 0 || p[0]&0x0f != 0 {
		return false, false
	}
	i := 1
	if p[0]&0x80 != 0 && len(p) > 1 {
		x := p[1]
		i = 2
		if x&0x80 != 0 && len(p) > i {
			if p[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 {
			i++
		}
		if x&0x30 != 0 {
			i++
		}
	}
	return true, len(p) > i && p[i]&1 == 0
}

// sorted returns the packets in sending order (sequence numbers unwrapped
// from the first one).
func (r *rxTrack) sorted() []rxPacket {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]rxPacket, 0, len(r.pkts))
	for _, p := range r.pkts {
		out = append(out, p)
	}
	if len(out) == 0 {
		return out
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	base := out[0].seq
	sort.Slice(out, func(i, j int) bool { return int16(out[i].seq-base) < int16(out[j].seq-base) })
	return out
}

type frameStats struct {
	expected, complete, decodable, freezes int
	lastDecodableTS                        uint32
	// The longest stretch of media time with no frame at all, and where
	// it began (ms from the first frame): a failure's first clue.
	gapMS, gapAtMS int
}

// frames counts frames at 30 fps: complete (every packet from the start
// to the marker arrived, after retransmission) and decodable (complete,
// and every frame since the last keyframe was too). A freeze is a gap of
// more than 500 ms of media time between decodable frames.
func frames(pkts []rxPacket) frameStats {
	var s frameStats
	if len(pkts) == 0 {
		return s
	}
	type frame struct {
		ts                 uint32
		first, last        uint16
		n                  int
		start, marker, key bool
	}
	var fs []*frame
	byTS := map[uint32]*frame{}
	for _, p := range pkts {
		f := byTS[p.ts]
		if f == nil {
			f = &frame{ts: p.ts, first: p.seq, last: p.seq}
			byTS[p.ts] = f
			fs = append(fs, f)
		}
		f.n++
		f.last = p.seq
		if p.start {
			f.start, f.key = true, p.key
			f.first = p.seq
		}
		f.marker = f.marker || p.marker
	}
	s.expected = int((fs[len(fs)-1].ts-fs[0].ts)/3000) + 1
	chain := false
	var lastTS uint32
	haveLast := false
	for i, f := range fs {
		if i > 0 {
			if g := int(f.ts-fs[i-1].ts) / 90; g > s.gapMS {
				s.gapMS, s.gapAtMS = g, int(fs[i-1].ts-fs[0].ts)/90
			}
		}
		complete := f.start && f.marker && int(f.last-f.first)+1 == f.n
		if complete {
			s.complete++
		}
		if f.key {
			chain = complete
		} else if !complete {
			chain = false
		}
		if chain {
			s.decodable++
			if haveLast && f.ts-lastTS > 45000 {
				s.freezes++
			}
			lastTS, haveLast = f.ts, true
		}
	}
	s.lastDecodableTS = lastTS
	return s
}

// TestLossyNetworkKeepsMediaFlowing: a publisher and a subscriber, each
// behind 5 % random loss in both directions, exchange real VP8 and Opus
// through the SFU. NACKs are answered from the SFU's packet caches, so
// almost every video frame becomes decodable; audio (no retransmission,
// Opus conceals) loses about what the network loses and never stalls.
func TestLossyNetworkKeepsMediaFlowing(t *testing.T) {
	const loss = 0.05
	a, base := apptest.Start(t)
	video, audio, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	vrx, arx := &rxTrack{pkts: map[uint16]rxPacket{}}, &rxTrack{pkts: map[uint16]rxPacket{}}
	sub, err := client.Join(ctx, base, "demo", client.Options{Name: "Lossy viewer", API: apptest.LossyAPI(t, loss)},
		func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				go vrx.read(tr)
			} else {
				go arx.read(tr)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	pubc, err := client.Join(ctx, base, "demo", client.Options{Name: "Lossy speaker", API: apptest.LossyAPI(t, loss)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pubc.Close()
	if _, err := pubc.PublishMedia(ctx, client.MediaOptions{
		Video: video[1:2], Audio: audio, AudioLevel: func() uint8 { return 30 },
	}); err != nil {
		t.Fatal(err)
	}

	// 12 s of media from the first packet on (setup is slow when the
	// machine is busy); half-way, frames must be coming already.
	for deadline := time.Now().Add(30 * time.Second); len(vrx.sorted()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no video packet within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(6 * time.Second)
	mid := frames(vrx.sorted())
	time.Sleep(6 * time.Second)
	v := frames(vrx.sorted())
	st := a.Engine.Stats()

	ap := arx.sorted()
	var agap time.Duration
	sort.Slice(ap, func(i, j int) bool { return ap[i].at.Before(ap[j].at) })
	for i := 1; i < len(ap); i++ {
		agap = max(agap, ap[i].at.Sub(ap[i-1].at))
	}
	aexp := 0
	if len(ap) > 0 {
		s := arx.sorted()
		aexp = int(s[len(s)-1].seq-s[0].seq) + 1
	}
	t.Logf("video: %d frames expected, %d complete, %d decodable, %d freezes, longest gap %d ms at %d ms; SFU retransmitted %d packets",
		v.expected, v.complete, v.decodable, v.freezes, v.gapMS, v.gapAtMS, st.Retransmitted)
	t.Logf("audio: %d of %d packets (%.1f %% lost), longest gap %v", len(ap), aexp,
		100*float64(aexp-len(ap))/float64(max(aexp, 1)), agap.Round(time.Millisecond))

	if st.Retransmitted == 0 {
		t.Error("the SFU answered no NACK")
	}
	if v.expected < 200 {
		t.Fatalf("only %d video frames in 12 s", v.expected)
	}
	if r := float64(v.decodable) / float64(v.expected); r < 0.9 {
		t.Errorf("decodable video frames %.1f %% (want ≥ 90 %%)", 100*r)
	}
	if v.decodable <= mid.decodable || v.lastDecodableTS == mid.lastDecodableTS {
		t.Errorf("video stopped decoding: %d decodable frames at 6 s, %d at 12 s", mid.decodable, v.decodable)
	}
	if v.freezes > 1 {
		t.Errorf("%d video freezes", v.freezes)
	}
	if aexp < 400 {
		t.Fatalf("only %d audio packets in 12 s", aexp)
	}
	if lost := float64(aexp-len(ap)) / float64(aexp); lost > 0.15 {
		t.Errorf("audio lost %.1f %% (two 5 %% hops: want ≤ 15 %%)", 100*lost)
	}
	if agap > 250*time.Millisecond {
		t.Errorf("audio stalled for %v", agap)
	}
}
