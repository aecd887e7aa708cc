package sfu

import (
	"strings"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rtpWriter is where a downTrack sends packets: the RTPSender's write
// stream in production (webrtc.TrackLocalWriter), a discard writer in the
// benchmark.
type rtpWriter interface {
	WriteRTP(h *rtp.Header, payload []byte) (int, error)
}

// downTrack forwards one published track to one subscriber. It is a
// webrtc.TrackLocal of its own rather than a TrackLocalStaticRTP so that
// rewriting the header (SSRC and payload type today; sequence numbers,
// timestamps and VP8 picture ids for simulcast later) happens in one place
// without allocating.
type downTrack struct {
	id, streamID string
	kind         webrtc.RTPCodecType
	codec        webrtc.RTPCodecCapability
	recv         *receiver
	subscriber   *Peer

	sender      *webrtc.RTPSender
	transceiver *webrtc.RTPTransceiver

	mu      sync.Mutex // guards the fields below: writes come from the forwarder and the RTCP reader
	w       rtpWriter
	ssrc    uint32
	pt      uint8
	hdr     rtp.Header // scratch header, reused for every packet
	started bool       // a packet actually went out
	closed  bool

	// Used only by the RTCP reader goroutine.
	rtxHdr rtp.Header
}

func newDownTrack(recv *receiver, subscriber *Peer) *downTrack {
	return &downTrack{
		id:         recv.info.ID,
		streamID:   recv.info.PeerID,
		kind:       webrtc.NewRTPCodecType(recv.info.Kind),
		codec:      recv.codec.RTPCodecCapability,
		recv:       recv,
		subscriber: subscriber,
	}
}

// ID, RID, StreamID, Kind, Bind and Unbind implement webrtc.TrackLocal.

func (d *downTrack) ID() string                { return d.id }
func (d *downTrack) RID() string               { return "" }
func (d *downTrack) StreamID() string          { return d.streamID }
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.kind }

// Bind is called by Pion once the subscriber's answer is applied; only then
// are the SSRC and negotiated payload type known.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := matchCodec(d.codec, ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w = ctx.WriteStream()
	d.ssrc = uint32(ctx.SSRC())
	d.pt = uint8(codec.PayloadType)
	return codec, nil
}

func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w = nil
	return nil
}

func matchCodec(want webrtc.RTPCodecCapability, have []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	for _, c := range have {
		if strings.EqualFold(c.MimeType, want.MimeType) && c.ClockRate == want.ClockRate &&
			c.SDPFmtpLine == want.SDPFmtpLine {
			return c, true
		}
	}
	for _, c := range have {
		if strings.EqualFold(c.MimeType, want.MimeType) && c.ClockRate == want.ClockRate {
			return c, true
		}
	}
	return webrtc.RTPCodecParameters{}, false
}

// writeRTP sends one packet to the subscriber. It allocates nothing: the
// header is copied into a reused scratch header.
func (d *downTrack) writeRTP(h *rtp.Header, payload []byte) {
	d.mu.Lock()
	if d.w == nil || d.closed {
		d.mu.Unlock()
		return
	}
	d.hdr = *h
	d.hdr.SSRC = d.ssrc
	d.hdr.PayloadType = d.pt
	// Header extension ids were negotiated on the publisher's connection
	// and mean nothing (or something else) on the subscriber's: drop them.
	d.hdr.Extension = false
	d.hdr.ExtensionProfile = 0
	d.hdr.Extensions = nil
	// Padding bytes, if any, are still at the end of payload.
	d.hdr.PaddingSize = 0
	n, _ := d.w.WriteRTP(&d.hdr, payload)
	// Writes before DTLS is up return 0 and are dropped by Pion.
	first := n > 0 && !d.started
	if first {
		d.started = true
	}
	d.mu.Unlock()
	if first && d.kind == webrtc.RTPCodecTypeVideo {
		// Trailing: the keyframe answering an earlier PLI may have gone out
		// before this subscriber could receive it.
		d.recv.keyframes.request(true)
	}
}

// close stops writing; the transceiver is removed by the subscriber.
func (d *downTrack) close() {
	d.mu.Lock()
	d.closed = true
	d.w = nil
	d.mu.Unlock()
}

// readRTCP handles the subscriber's feedback for this track until the
// sender stops: NACKs are answered from the packet cache, PLI/FIR go to
// the publisher through the throttle.
func (d *downTrack) readRTCP() {
	buf := make([]byte, mtu)
	pkt := make([]byte, mtu)
	for {
		n, _, err := d.sender.Read(buf)
		if err != nil {
			return
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.recv.keyframes.request(false)
			case *rtcp.TransportLayerNack:
				for i := range p.Nacks {
					p.Nacks[i].Range(func(seq uint16) bool {
						d.retransmit(seq, pkt)
						return true
					})
				}
			}
		}
	}
}

// retransmit resends one cached packet to this subscriber only. Without a
// sequence munger the subscriber's numbers are the publisher's, so the
// NACKed number indexes the cache directly; a munger would map it back
// here first.
func (d *downTrack) retransmit(seq uint16, scratch []byte) {
	n, ok := d.recv.cache.get(seq, scratch)
	if !ok {
		return
	}
	hn, err := d.rtxHdr.Unmarshal(scratch[:n])
	if err != nil {
		return
	}
	d.writeRTP(&d.rtxHdr, scratch[hn:n])
}
