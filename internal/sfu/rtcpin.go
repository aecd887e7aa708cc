package sfu

import (
	"net/netip"
	"slices"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/srtp/v3"
)

// Subscriber feedback on the direct path. Pion hands RTCP to each
// RTPSender separately, so reading it took one goroutine per forwarded
// track: 2,450 of them in a 50-person meeting, with their buffers about
// 1 MiB of server memory per participant. With the subscriber's SRTP keys
// at hand (srtpout.go), the media socket's reader decrypts the
// subscriber's RTCP itself and dispatches it by SSRC, and Pion never sees
// it. Until the direct path is up, or when it cannot be used, each track
// has its reader as before (Peer.rtcpMode).

// rtcpMode says how a subscriber's RTCP is read.
const (
	rtcpUndecided int32 = iota // not connected yet: nothing to read
	rtcpDirect                 // by the media socket's reader
	rtcpPerTrack               // one goroutine per downTrack (Pion's way)
)

// isRTCP tells RTCP from RTP and the rest on a shared port (RFC 5761,
// RFC 7983): version 2 and a packet type of 192–223.
func isRTCP(b []byte) bool {
	return len(b) >= 8 && b[0]&0xc0 == 0x80 && b[1] >= 192 && b[1] <= 223
}

// routeRTCP moves o's registration from one remote address to another
// (either may be invalid: none).
func (n *batchNet) routeRTCP(from, to netip.AddrPort, o *srtpOut) {
	if from.IsValid() {
		n.sinks.compareAndDelete(from, o)
	}
	if to.IsValid() {
		n.sinks.store(to, o)
	}
}

// srtcpIn decrypts and dispatches one subscriber's RTCP.
type srtcpIn struct {
	mu      sync.Mutex // one datagram at a time: guards ctx, buf and scratch
	ctx     *srtp.Context
	handle  func(pkts []rtcp.Packet, scratch []byte)
	buf     [mtu + 64]byte
	scratch [mtu]byte
}

// readRTCP takes one SRTCP datagram from the media socket's reader.
// Datagrams that do not decrypt (forged, replayed, another session's) are
// dropped, as Pion would.
func (in *srtcpIn) readRTCP(b []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ctx == nil || len(b) > len(in.buf) {
		return
	}
	dec, err := in.ctx.DecryptRTCP(in.buf[:0], b, nil)
	if err != nil {
		return
	}
	pkts, err := rtcp.Unmarshal(dec)
	if err != nil {
		return
	}
	in.handle(pkts, in.scratch[:])
}

// handleRTCP applies a subscriber's feedback: bandwidth and loss to the
// subscriber's estimate, keyframe requests and NACKs to the track they
// name.
func (p *Peer) handleRTCP(pkts []rtcp.Packet, scratch []byte) {
	for _, pkt := range pkts {
		switch pkt := pkt.(type) {
		case *rtcp.ReceiverEstimatedMaximumBitrate:
			p.bwe.remb(uint64(pkt.Bitrate))
		case *rtcp.ReceiverReport:
			for _, r := range pkt.Reports {
				if d := p.trackBySSRC(r.SSRC); d != nil {
					d.reportedLoss(r)
				}
			}
		case *rtcp.SenderReport:
			// With one connection (onepc.go) the client's reports about
			// what it publishes come this way too.
			p.fb.senderReports([]rtcp.Packet{pkt})
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest, *rtcp.TransportLayerNack:
			for _, ssrc := range pkt.DestinationSSRC() {
				if d := p.trackBySSRC(ssrc); d != nil {
					d.feedback(pkt, scratch)
				}
			}
		}
	}
}

// trackBySSRC finds the downTrack that feedback about ssrc is for. A
// slot's SSRC names whatever source the slot carries now: the map may
// still hold an earlier source's downTrack (Bind and a source change can
// write it in either order), so it is resolved through the slot.
func (p *Peer) trackBySSRC(ssrc uint32) *downTrack {
	p.mu.Lock()
	d := p.bySSRC[ssrc]
	p.mu.Unlock()
	if d != nil && d.slot != nil {
		return d.slot.current()
	}
	return d
}

// setRTCPMode records how RTCP is read from now on; leaving the direct
// path starts a reader for every track that has none.
func (p *Peer) setRTCPMode(mode int32) {
	p.rtcpMode.Store(mode)
	if mode != rtcpPerTrack {
		return
	}
	p.mu.Lock()
	dts := p.downTrackList()
	slots := append(slices.Clip(p.audioSlots), p.videoSlots...)
	p.mu.Unlock()
	for _, d := range dts {
		d.startRTCPReader()
	}
	for _, s := range slots {
		s.startRTCPReader()
	}
}
