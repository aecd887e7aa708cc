package sfu

import (
	"time"

	"github.com/pion/rtcp"
)

// Sender reports. Forwarded packets bypass Pion's interceptors (see
// srtpout.go), so the subscriber side makes its own RTCP sender reports:
// they map each stream's RTP clock to wall time, which receivers need to
// keep audio and video in sync, and carry the packet and octet counts.

// reportEvery is how many router ticks pass between sender reports (1 s).
const reportEvery = int(time.Second / tickInterval)

// sendCounts is what a downTrack has sent, for its sender reports.
// Guarded by the downTrack's mu.
type sendCounts struct {
	packets, octets uint32
	ts              uint32 // RTP timestamp of the newest packet
	at              int64  // its arrival, unix nanoseconds; 0 before the first
}

// count records one sent packet; now is 0 for a retransmission, which
// does not move the clock mapping.
func (c *sendCounts) count(ts uint32, payload int, now int64) {
	c.packets++
	c.octets += uint32(payload)
	if now != 0 {
		c.ts, c.at = ts, now
	}
}

// senderReport extrapolates the RTP clock to now, as Pion's report
// interceptor does.
func (d *downTrack) senderReport(now time.Time) (*rtcp.SenderReport, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.sr.at == 0 || d.codec.ClockRate == 0 {
		return nil, false
	}
	elapsed := now.UnixNano() - d.sr.at
	rtpTime := d.sr.ts + uint32(elapsed*int64(d.codec.ClockRate)/int64(time.Second))
	return &rtcp.SenderReport{
		SSRC:        d.ssrc,
		NTPTime:     ntpTime(now),
		RTPTime:     rtpTime,
		PacketCount: d.sr.packets,
		OctetCount:  d.sr.octets,
	}, true
}

// ntpTime is t as a 64-bit NTP timestamp (seconds since 1900, 32.32).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// sendReports writes one compound packet with a sender report for every
// stream this subscriber has been sent something on.
func (p *Peer) sendReports(now time.Time) {
	if p.sub == nil {
		return
	}
	p.mu.Lock()
	dts := p.downTrackList()
	p.mu.Unlock()
	var pkts []rtcp.Packet
	for _, d := range dts {
		if sr, ok := d.senderReport(now); ok {
			pkts = append(pkts, sr)
		}
	}
	if len(pkts) > 0 {
		_ = p.sub.WriteRTCP(pkts)
	}
}
