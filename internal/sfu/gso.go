package sfu

import (
	"math/bits"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP segmentation offload (GSO). Most of what forwarding costs is the
// kernel's per-datagram work: building an skb, routing, the IP and UDP
// layers, and on delivery waking the receiver. With UDP_SEGMENT one
// sendmsg hands the kernel several datagrams for one destination as one
// buffer that crosses the stack once and is cut into datagrams at the
// last moment (by the NIC, or in software just before it).
//
// A flush (batch.go) regroups its queue: consecutive datagrams to the
// same destination of one size (the last may be shorter) become one
// message with a UDP_SEGMENT control message. The packets of one video
// frame, forwarded to a subscriber from one read batch, are such a run.
// Datagrams to one destination keep their order; only datagrams to
// different destinations are reordered, which nobody can observe.

const (
	// gsoMaxBytes bounds one message: a UDP datagram's 65,507 bytes.
	gsoMaxBytes = 65000
	// gsoMaxSegments is the kernel's UDP_MAX_SEGMENTS of older kernels.
	gsoMaxSegments = 64
)

// gsoControlLen is the size of one UDP_SEGMENT control message.
var gsoControlLen = unix.CmsgSpace(2)

// gsoState is the regrouping scratch of one batchConn, used under its mu.
type gsoState struct {
	hdrs  [maxBatch]mmsghdr
	iov   [maxBatch]unix.Iovec
	ctl   [maxBatch][32]byte
	ent   [maxBatch]int // entries in message order
	grp   [maxBatch]int // message of each entry
	seg   [maxBatch]int // segment size of each message
	count [maxBatch]int
	size  [maxBatch]int
	first [maxBatch]int
	open  [maxBatch]bool
	start [maxBatch]int

	// The newest message to each destination, by open addressing;
	// entries of older flushes are told apart by gen, so nothing is
	// cleared between flushes. A flush uses only the table's first
	// 1 << bits slots, at least twice its datagrams: a typical flush of a
	// few dozen probes a kilobyte that stays in the cache, where spreading
	// them over the whole table missed it (1 % of the server's CPU).
	slots [gsoSlots]gsoSlot
	bits  uint
	gen   uint32
}

type gsoSlot struct {
	key uint64
	msg int32
	gen uint32
}

// gsoSlots is the destination table's size: a power of two, at least
// twice maxBatch.
const gsoSlots = 4 * maxBatch

// gsoMinBits: the smallest table a flush uses, 16 slots.
const gsoMinBits = 4

// slot finds the table slot of key: its own, or the empty one it goes in.
func (g *gsoState) slot(key uint64) int {
	mask := 1<<g.bits - 1
	i := int((key * 0x9e3779b97f4a7c15) >> (64 - g.bits))
	for g.slots[i].gen == g.gen && g.slots[i].key != key {
		i = (i + 1) & mask
	}
	return i
}

// gsoEnabled says whether flushes may use UDP_SEGMENT. It is turned off
// for good the first time the kernel refuses (no checksum offload on the
// route's device, an old kernel), or by CONFER_GSO=off.
func gsoSupported(fd int) bool {
	if os.Getenv("CONFER_GSO") == "off" {
		return false
	}
	_, err := unix.GetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_SEGMENT)
	return err == nil
}

// group regroups the n queued datagrams into messages and returns how
// many; g.hdrs[:m] is then ready for sendmmsg.
func (c *batchConn) group(g *gsoState, n int) int {
	m := 0
	if g.gen++; g.gen == 0 { // wrapped: forget every old entry
		clear(g.slots[:])
		g.gen = 1
	}
	g.bits = max(uint(bits.Len(uint(2*n-1))), gsoMinBits) // 1 << bits ≥ 2n
	for i := 0; i < n; i++ {
		l := int(c.iov[i].Len)
		sa := &c.sa[i]
		key := uint64(sa.Addr[0])<<40 | uint64(sa.Addr[1])<<32 | uint64(sa.Addr[2])<<24 | uint64(sa.Addr[3])<<16 | uint64(sa.Port)
		s := g.slot(key)
		if g.slots[s].gen == g.gen {
			k := int(g.slots[s].msg) // the newest message to this destination
			if g.open[k] && l <= g.seg[k] && g.count[k] < gsoMaxSegments && g.size[k]+l <= gsoMaxBytes {
				g.grp[i] = k
				g.count[k]++
				g.size[k] += l
				if l < g.seg[k] {
					g.open[k] = false // a shorter datagram ends the run
				}
				continue
			}
		}
		g.slots[s] = gsoSlot{key: key, msg: int32(m), gen: g.gen}
		g.grp[i], g.first[m], g.seg[m], g.count[m], g.size[m], g.open[m] = m, i, l, 1, l, true
		m++
	}
	at := 0
	for k := 0; k < m; k++ {
		g.start[k] = at
		at += g.count[k]
		g.count[k] = 0 // refilled below as a cursor
	}
	for i := 0; i < n; i++ {
		k := g.grp[i]
		j := g.start[k] + g.count[k]
		g.count[k]++
		g.iov[j] = c.iov[i]
		g.ent[j] = i
	}
	for k := 0; k < m; k++ {
		h := &g.hdrs[k].hdr
		h.Name = (*byte)(unsafe.Pointer(&c.sa[g.first[k]]))
		h.Namelen = unix.SizeofSockaddrInet4
		h.Iov = &g.iov[g.start[k]]
		h.SetIovlen(g.count[k])
		h.Control, h.Controllen = nil, 0
		if g.count[k] > 1 {
			ctl := g.ctl[k][:gsoControlLen]
			cm := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[0]))
			cm.Level, cm.Type = unix.IPPROTO_UDP, unix.UDP_SEGMENT
			cm.SetLen(unix.CmsgLen(2))
			*(*uint16)(unsafe.Pointer(&ctl[unix.CmsgLen(0)])) = uint16(g.seg[k])
			h.Control = &ctl[0]
			h.SetControllen(gsoControlLen)
		}
	}
	return m
}

// flushGSO sends the queue regrouped; false means the kernel refused
// segmentation and nothing from message k on was sent: the caller turns
// GSO off and sends the rest one by one (sendRest).
func (c *batchConn) flushGSO(fd uintptr, g *gsoState, n int, segs *atomic.Uint64) (ok bool, rest []int) {
	m := c.group(g, n)
	for done := 0; done < m; {
		r, _, errno := syscall.RawSyscall6(unix.SYS_SENDMMSG, fd,
			uintptr(unsafe.Pointer(&g.hdrs[done])), uintptr(m-done), unix.MSG_DONTWAIT, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno == syscall.EIO || errno == syscall.EINVAL {
			if g.count[done] > 1 {
				return false, g.ent[g.start[done]:n]
			}
		}
		if errno != 0 || r == 0 {
			return true, nil // a full socket buffer drops the rest, as sendto would
		}
		for k := done; k < done+int(r); k++ {
			if g.count[k] > 1 {
				segs.Add(uint64(g.count[k]))
			}
		}
		done += int(r)
	}
	return true, nil
}
