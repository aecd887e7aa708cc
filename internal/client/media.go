package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// VideoClip is a VP8 clip held in memory: frames at a fixed rate, and the
// indexes of its keyframes (a PLI jumps back to the latest one, so a
// keyframe goes out at once).
type VideoClip struct {
	Frames    [][]byte
	Keyframes []int
	FPS       int
}

// LoadIVF reads a VP8 IVF file (e.g. from ffmpeg -c:v libvpx).
func LoadIVF(data []byte) (*VideoClip, error) {
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := &VideoClip{FPS: 30}
	if hdr.TimebaseNumerator > 0 && hdr.TimebaseDenominator > 0 {
		c.FPS = int(hdr.TimebaseDenominator / hdr.TimebaseNumerator)
	}
	for {
		f, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(f) > 0 && f[0]&1 == 0 {
			c.Keyframes = append(c.Keyframes, len(c.Frames))
		}
		c.Frames = append(c.Frames, f)
	}
	if len(c.Frames) == 0 || len(c.Keyframes) == 0 || c.Keyframes[0] != 0 {
		return nil, errors.New("ivf: no frames, or the first is not a keyframe")
	}
	return c, nil
}

// LoadOgg reads Opus packets (one per page, as written by
// ffmpeg -page_duration 20000) from an Ogg file.
func LoadOgg(data []byte) ([][]byte, error) {
	r, _, err := oggreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		p, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(p) >= 8 && (string(p[:8]) == "OpusTags" || string(p[:8]) == "OpusHead") {
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("ogg: no Opus packets")
	}
	return out, nil
}

// MediaOptions describe what PublishMedia sends.
type MediaOptions struct {
	// Video is one clip per simulcast layer, lowest first (rids q, h, f),
	// or a single clip for a plain track. Nil sends no video.
	Video []*VideoClip
	// Audio is Opus packets of 20 ms, sent in a loop. Nil sends no audio.
	Audio [][]byte
	// AudioLevel returns the RFC 6464 level (0 loudest … 127 silence)
	// for the next audio packet; nil sends 127.
	AudioLevel func() uint8
}

// MediaStats count what a publisher sent.
type MediaStats struct {
	Packets, Bytes atomic.Uint64
	PLIs           atomic.Uint64
}

// Publisher sends looping media on the publish PeerConnection until the
// client closes. It honours publish_layers: paused layers are not sent.
type Publisher struct {
	c       *Client
	opts    MediaOptions
	Stats   MediaStats
	layers  []*pubLayer
	audio   *webrtc.TrackLocalStaticRTP
	audioID string
	// header extension ids negotiated on the publish connection
	midID, ridID, levelID uint8
	videoMid, audioMid    string
	videoTrackID          string
	// dtx: the server's answer asked for Opus DTX (usedtx=1), so silence
	// goes out as a browser sends it (sendAudio).
	dtx bool
}

type pubLayer struct {
	rid    string
	track  *webrtc.TrackLocalStaticRTP
	clip   *VideoClip
	pack   rtp.Packetizer
	active atomic.Bool
	key    atomic.Bool // a PLI asked for a keyframe
	pos    int
}

var ridNames = []string{"q", "h", "f"}

// PublishMedia publishes opts' media (simulcast when more than one clip)
// and starts sending it in real time.
func (c *Client) PublishMedia(ctx context.Context, opts MediaOptions) (*Publisher, error) {
	p, err := c.newPublisher(opts)
	if err != nil {
		return nil, err
	}
	var senders []*webrtc.RTPSender
	err = c.publishWith(ctx, func(pc *webrtc.PeerConnection) error {
		senders, err = p.addTo(pc)
		return err
	})
	if err != nil {
		return nil, err
	}
	p.start(senders)
	return p, nil
}

// Publisher returns what Options.Media or PublishMedia publishes, nil
// before.
func (c *Client) Publisher() *Publisher {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.publisher
}

// newPublisher makes the tracks of opts.
func (c *Client) newPublisher(opts MediaOptions) (*Publisher, error) {
	p := &Publisher{c: c, opts: opts, videoTrackID: "cam-" + c.ID(), audioID: "mic-" + c.ID()}
	stream := "s-" + c.ID()
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	opus := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	for i, clip := range opts.Video {
		var o []func(*webrtc.TrackLocalStaticRTP)
		rid := ""
		if len(opts.Video) > 1 {
			rid = ridNames[i]
			o = append(o, webrtc.WithRTPStreamID(rid))
		}
		t, err := webrtc.NewTrackLocalStaticRTP(vp8, p.videoTrackID, stream, o...)
		if err != nil {
			return nil, err
		}
		l := &pubLayer{rid: rid, track: t, clip: clip,
			pack: rtp.NewPacketizer(1200, 96, 0, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)}
		l.active.Store(true)
		l.key.Store(true)
		p.layers = append(p.layers, l)
	}
	if opts.Audio != nil {
		t, err := webrtc.NewTrackLocalStaticRTP(opus, p.audioID, stream)
		if err != nil {
			return nil, err
		}
		p.audio = t
	}
	return p, nil
}

// addTo adds the publisher's sendonly transceivers to pc.
func (p *Publisher) addTo(pc *webrtc.PeerConnection) ([]*webrtc.RTPSender, error) {
	var senders []*webrtc.RTPSender
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	if p.audio != nil {
		tr, err := pc.AddTransceiverFromTrack(p.audio, sendonly)
		if err != nil {
			return nil, err
		}
		senders = append(senders, tr.Sender())
	}
	if len(p.layers) > 0 {
		tr, err := pc.AddTransceiverFromTrack(p.layers[0].track, sendonly)
		if err != nil {
			return nil, err
		}
		for _, l := range p.layers[1:] {
			if err := tr.Sender().AddEncoding(l.track); err != nil {
				return nil, err
			}
		}
		senders = append(senders, tr.Sender())
	}
	return senders, nil
}

// start reads what the answer negotiated for senders and starts sending.
func (p *Publisher) start(senders []*webrtc.RTPSender) {
	c := p.c
	for _, s := range senders {
		params := s.GetParameters()
		for _, e := range params.HeaderExtensions {
			switch e.URI {
			case sdp.SDESMidURI:
				p.midID = uint8(e.ID)
			case sdp.SDESRTPStreamIDURI:
				p.ridID = uint8(e.ID)
			case sdp.AudioLevelURI:
				p.levelID = uint8(e.ID)
			}
		}
		if tr := transceiverOf(c.PublishPC(), s); tr != nil {
			if s.Track() != nil && s.Track().Kind() == webrtc.RTPCodecTypeVideo {
				p.videoMid = tr.Mid()
			} else {
				p.audioMid = tr.Mid()
			}
		}
		if s.Track() != nil && s.Track().Kind() == webrtc.RTPCodecTypeVideo && len(p.layers) > 1 {
			for _, l := range p.layers {
				go p.readRTCP(s, l)
			}
		} else if s.Track() != nil && s.Track().Kind() == webrtc.RTPCodecTypeVideo {
			go p.readRTCP(s, p.layers[0])
		} else {
			go p.readRTCP(s, nil)
		}
	}
	if rd := c.PublishPC().CurrentRemoteDescription(); rd != nil && strings.Contains(rd.SDP, "usedtx=1") {
		p.dtx = true
	}
	c.mu.Lock()
	c.publisher = p
	c.mu.Unlock()
	if p.audio != nil {
		go p.sendAudio()
	}
	if len(p.layers) > 0 {
		go p.sendVideo()
	}
}

func transceiverOf(pc *webrtc.PeerConnection, s *webrtc.RTPSender) *webrtc.RTPTransceiver {
	for _, tr := range pc.GetTransceivers() {
		if tr.Sender() == s {
			return tr
		}
	}
	return nil
}

// VideoTrackID is the publisher's own id of its video track (as in
// publish_layers).
func (p *Publisher) VideoTrackID() string { return p.videoTrackID }

// ActiveLayers returns the rids currently sent.
func (p *Publisher) ActiveLayers() []string {
	var out []string
	for _, l := range p.layers {
		if l.active.Load() {
			out = append(out, l.rid)
		}
	}
	return out
}

// setLayers applies a publish_layers message.
func (p *Publisher) setLayers(trackID string, rids []string) {
	if trackID != p.videoTrackID || len(p.layers) < 2 {
		return
	}
	for _, l := range p.layers {
		on := false
		for _, r := range rids {
			if r == l.rid {
				on = true
			}
		}
		if on && !l.active.Load() {
			l.key.Store(true) // a resumed encoding starts with a keyframe
		}
		l.active.Store(on)
	}
}

// readRTCP answers PLIs of one layer (l; nil for audio) with a keyframe.
func (p *Publisher) readRTCP(s *webrtc.RTPSender, l *pubLayer) {
	for {
		var pkts []rtcp.Packet
		var err error
		if l != nil && l.rid != "" {
			pkts, _, err = s.ReadSimulcastRTCP(l.rid)
		} else {
			pkts, _, err = s.ReadRTCP()
		}
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				p.Stats.PLIs.Add(1)
				if l != nil {
					l.key.Store(true)
				}
			}
		}
	}
}

func (p *Publisher) done() <-chan struct{} { return p.c.done }

func (p *Publisher) sendVideo() {
	fps := p.layers[0].clip.FPS
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	for {
		select {
		case <-p.done():
			return
		case <-tick.C:
		}
		for _, l := range p.layers {
			if !l.active.Load() {
				continue
			}
			if l.key.Swap(false) {
				// Jump back to the latest keyframe of the clip.
				k := 0
				for _, i := range l.clip.Keyframes {
					if i <= l.pos {
						k = i
					}
				}
				l.pos = k
			}
			frame := l.clip.Frames[l.pos]
			l.pos = (l.pos + 1) % len(l.clip.Frames)
			for _, pkt := range l.pack.Packetize(frame, uint32(90000/fps)) {
				if p.midID != 0 && p.videoMid != "" {
					_ = pkt.Header.SetExtension(p.midID, []byte(p.videoMid))
				}
				if p.ridID != 0 && l.rid != "" {
					_ = pkt.Header.SetExtension(p.ridID, []byte(l.rid))
				}
				if err := l.track.WriteRTP(pkt); err == nil {
					p.Stats.Packets.Add(1)
					p.Stats.Bytes.Add(uint64(pkt.MarshalSize()))
				}
			}
		}
	}
}

const (
	// dtxSilence: levels at -70 dBov and below count as silence, which a
	// DTX encoder does not send frame by frame.
	dtxSilence = 70
	// dtxEvery: in silence a DTX sender sends one frame in this many
	// (headless Chromium, microphone muted: 20 packets in 4 s).
	dtxEvery = 10
)

func (p *Publisher) sendAudio() {
	pack := rtp.NewPacketizer(1200, 111, 0, &codecs.OpusPayloader{}, rtp.NewRandomSequencer(), 48000)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-p.done():
			return
		case <-tick.C:
		}
		frame := p.opts.Audio[i%len(p.opts.Audio)]
		level := uint8(127)
		if p.opts.AudioLevel != nil {
			level = p.opts.AudioLevel()
		}
		if p.dtx && level >= dtxSilence && i%dtxEvery != 0 {
			pack.SkipSamples(960) // the RTP clock runs on through the gap
			continue
		}
		for _, pkt := range pack.Packetize(frame, 960) {
			if p.midID != 0 && p.audioMid != "" {
				_ = pkt.Header.SetExtension(p.midID, []byte(p.audioMid))
			}
			if p.levelID != 0 {
				_ = pkt.Header.SetExtension(p.levelID, []byte{level & 0x7f})
			}
			if err := p.audio.WriteRTP(pkt); err == nil {
				p.Stats.Packets.Add(1)
				p.Stats.Bytes.Add(uint64(pkt.MarshalSize()))
			}
		}
	}
}

// SendVideoPrefs reports the tile sizes at which this client shows the
// tracks it receives (video_prefs); 0×0 pauses a track.
func (c *Client) SendVideoPrefs(ctx context.Context, prefs map[string][2]int) error {
	v := videoPrefsMsg{Tracks: make([]videoPref, 0, len(prefs))}
	for id, wh := range prefs {
		v.Tracks = append(v.Tracks, videoPref{ID: id, Width: wh[0], Height: wh[1]})
	}
	return c.send(ctx, "video_prefs", v)
}

type videoPrefsMsg struct {
	Tracks []videoPref `json:"tracks"`
}

type videoPref struct {
	ID     string `json:"id"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}
