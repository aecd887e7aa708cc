package sfu

import (
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

const (
	// mtu bounds one RTP packet as read from the publisher.
	mtu = 1500
	// Cache sizes: ~500 video packets are a couple of seconds at 1–2
	// Mbit/s, well past any useful NACK round trip; audio needs fewer.
	videoCacheSize = 512
	audioCacheSize = 128
)

// receiver is one published (incoming) track: it reads RTP from the
// publisher, keeps it in the packet cache and fans it out to one downTrack
// per subscriber.
type receiver struct {
	info      TrackInfo
	codec     webrtc.RTPCodecParameters
	publisher *Peer
	track     *webrtc.TrackRemote
	rtpRecv   *webrtc.RTPReceiver
	log       *slog.Logger

	cache     *packetCache
	keyframes *keyframeRequester

	// downTracks is copy-on-write so that the per-packet fan-out reads it
	// without a lock.
	downTracks atomic.Pointer[[]*downTrack]
	mu         sync.Mutex // guards writes to downTracks and closed
	closed     bool
	// muted is the server-enforced mute (Router.SetTrackMuted).
	muted atomic.Bool

	// Used only by the forwarding goroutine.
	hdr       rtp.Header
	gotFirst  bool
	closeOnce sync.Once
	done      chan struct{}
}

func newReceiver(info TrackInfo, codec webrtc.RTPCodecParameters, publisher *Peer, track *webrtc.TrackRemote,
	rr *webrtc.RTPReceiver, log *slog.Logger, sendPLI func(ssrc uint32),
) *receiver {
	r := &receiver{
		info:      info,
		codec:     codec,
		publisher: publisher,
		track:     track,
		rtpRecv:   rr,
		log:       log,
		done:      make(chan struct{}),
	}
	size := audioCacheSize
	if info.Kind == webrtc.RTPCodecTypeVideo.String() {
		size = videoCacheSize
	}
	r.cache = newPacketCache(size, mtu)
	var ssrc uint32
	if track != nil {
		ssrc = uint32(track.SSRC())
	}
	r.keyframes = newKeyframeRequester(pliInterval, func() {
		if sendPLI != nil && r.isVideo() {
			sendPLI(ssrc)
		}
	})
	r.downTracks.Store(&[]*downTrack{})
	return r
}

func (r *receiver) isVideo() bool { return r.info.Kind == webrtc.RTPCodecTypeVideo.String() }

// run forwards packets until the track ends, then calls onEnd.
func (r *receiver) run(onEnd func()) {
	defer onEnd()
	// Drain RTCP (sender reports) so the report interceptor sees it and
	// Pion's buffer does not fill.
	go func() {
		buf := make([]byte, mtu)
		for {
			if _, _, err := r.rtpRecv.Read(buf); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, mtu)
	for {
		n, _, err := r.track.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.log.Debug("track read ended", "track", r.info.ID, "err", err)
			}
			return
		}
		r.forward(buf[:n])
	}
}

// forward is the hot path: parse the header in place, cache the packet,
// write it to every subscriber. It allocates nothing.
func (r *receiver) forward(pkt []byte) {
	n, err := r.hdr.Unmarshal(pkt)
	if err != nil {
		return
	}
	r.cache.insert(r.hdr.SequenceNumber, pkt)
	if !r.gotFirst {
		// A late joiner must not wait for the encoder's next periodic
		// keyframe.
		r.gotFirst = true
		r.keyframes.request(true)
	}
	if r.muted.Load() {
		return
	}
	// The payload keeps any padding bytes, and the header keeps the
	// padding bit, so the packet goes out byte for byte as it came.
	payload := pkt[n:]
	for _, d := range *r.downTracks.Load() {
		d.writeRTP(&r.hdr, payload)
	}
}

// requestKeyframe asks the publisher for a keyframe now, or at the end of
// the throttle window.
func (r *receiver) requestKeyframe() { r.keyframes.request(true) }

// addDownTrack attaches a subscriber; false if the track has ended.
func (r *receiver) addDownTrack(d *downTrack) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	old := *r.downTracks.Load()
	next := make([]*downTrack, 0, len(old)+1)
	next = append(next, old...)
	next = append(next, d)
	r.downTracks.Store(&next)
	return true
}

func (r *receiver) removeDownTrack(d *downTrack) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.downTracks.Load()
	next := make([]*downTrack, 0, len(old))
	for _, x := range old {
		if x != d {
			next = append(next, x)
		}
	}
	r.downTracks.Store(&next)
}

// close detaches every subscriber and returns them, exactly once.
func (r *receiver) close() (detached []*downTrack, first bool) {
	r.closeOnce.Do(func() {
		first = true
		r.mu.Lock()
		r.closed = true
		detached = *r.downTracks.Load()
		r.downTracks.Store(&[]*downTrack{})
		r.mu.Unlock()
		r.keyframes.close()
		close(r.done)
	})
	return detached, first
}

// sendPLI builds the PLI for the publisher's connection.
func sendPLIFunc(pc *webrtc.PeerConnection, log *slog.Logger) func(ssrc uint32) {
	return func(ssrc uint32) {
		err := pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
		if err != nil {
			log.Debug("send PLI", "ssrc", ssrc, "err", err)
		}
	}
}
