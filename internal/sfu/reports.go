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

// senderReport fills sr, extrapolating the RTP clock to now as Pion's
// report interceptor does; false when nothing was sent yet.
func (d *downTrack) senderReport(now time.Time, sr *rtcp.SenderReport) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.sr.at == 0 || d.codec.ClockRate == 0 {
		return false
	}
	elapsed := now.UnixNano() - d.sr.at
	*sr = rtcp.SenderReport{
		SSRC:        d.ssrc,
		NTPTime:     ntpTime(now),
		RTPTime:     d.sr.ts + uint32(elapsed*int64(d.codec.ClockRate)/int64(time.Second)),
		PacketCount: d.sr.packets,
		OctetCount:  d.sr.octets,
	}
	return true
}

// ntpTime is t as a 64-bit NTP timestamp (seconds since 1900, 32.32).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// reportScratch is sendReports' reusable memory (router tick goroutine).
type reportScratch struct {
	dts  []*downTrack
	srs  []rtcp.SenderReport
	pkts []rtcp.Packet
}

// reportsPerPacket bounds one compound RTCP packet: 40 sender reports
// are 1,120 bytes, so with SRTCP's overhead the datagram stays under any
// path MTU. (One packet for all of a 50-person meeting's 98 streams was
// 2.7 kB: IP fragments, which NATs and firewalls drop, and Pion clients
// refuse as larger than their read buffer.)
const reportsPerPacket = 40

// sendReports writes a sender report for every stream this subscriber
// has been sent something on, in as few compound packets as fit.
func (p *Peer) sendReports(now time.Time) {
	if p.sub == nil && p.writeReports == nil {
		return
	}
	sc := &p.reportScratch
	p.mu.Lock()
	sc.dts = p.appendDownTracks(sc.dts[:0])
	p.mu.Unlock()
	if cap(sc.srs) < len(sc.dts) {
		sc.srs = make([]rtcp.SenderReport, len(sc.dts))
		sc.pkts = make([]rtcp.Packet, len(sc.dts))
		for i := range sc.srs {
			sc.pkts[i] = &sc.srs[i]
		}
	}
	n := 0
	for _, d := range sc.dts {
		if d.senderReport(now, &sc.srs[n]) {
			n++
		}
	}
	clear(sc.dts)
	write := p.sub.WriteRTCP
	if p.writeReports != nil {
		write = p.writeReports
	}
	for i := 0; i < n; i += reportsPerPacket {
		_ = write(sc.pkts[i:min(n, i+reportsPerPacket)])
	}
}
