package sfu

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Receive batching. The UDP mux reads the media socket one datagram at a
// time on a single goroutine. Here one raw recvmmsg fetches up to
// maxRead datagrams and later calls are served from that batch.
//
// Raw (not runtime-announced) system calls matter as much as the batching:
// every ordinary system call wakes the runtime's sysmon thread if it was
// asleep, which then polls every 20 µs for the next millisecond. A server
// that goes idle between packets paid that on every packet (≈ 13 % of its
// CPU in the 10 × 40 benchmark). The socket is non-blocking, so the raw
// calls never block; waiting for data happens in the netpoller
// (RawConn.Read).

// maxRead is the most datagrams one recvmmsg returns.
const maxRead = 32

// readSize is one datagram buffer: the same as Pion's mux (receiveMTU).
const readSize = 8192

type readBatch struct {
	hdrs [maxRead]mmsghdr
	iov  [maxRead]unix.Iovec
	sa   [maxRead]unix.RawSockaddrInet4
	ctl  [maxRead][stampSpace]byte // SO_TIMESTAMPNS: when the kernel received it
	bufs [maxRead][readSize]byte
	n    int // datagrams in the batch
	next int // next one to hand out
	err  syscall.Errno
	// corked: packets of this batch were forwarded on the direct path;
	// their sends leave in one flush when the batch is done (batch.go).
	corked bool
	now    int64 // unix ns when the batch's forwarding began
}

func (r *readBatch) init() {
	for i := range r.hdrs {
		h := &r.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&r.sa[i]))
		h.Iov = &r.iov[i]
		h.SetIovlen(1)
		r.iov[i].Base = &r.bufs[i][0]
		r.iov[i].SetLen(readSize)
		h.Control = &r.ctl[i][0]
	}
}

// stampSpace holds one SCM_TIMESTAMPNS control message.
const stampSpace = 32

// age is how long datagram i waited in the socket; 0 if unknown.
func (r *readBatch) age(i int, now int64) int64 {
	at, ok := r.arrival(i)
	if !ok {
		return 0
	}
	return now - at
}

// arrival is when the kernel received datagram i (unix ns), if it said.
func (r *readBatch) arrival(i int) (int64, bool) {
	h := &r.hdrs[i].hdr
	if int(h.Controllen) < unix.CmsgSpace(16) {
		return 0, false
	}
	cm := (*unix.Cmsghdr)(unsafe.Pointer(&r.ctl[i][0]))
	if cm.Level != unix.SOL_SOCKET || cm.Type != unix.SCM_TIMESTAMPNS {
		return 0, false
	}
	ts := (*unix.Timespec)(unsafe.Pointer(&r.ctl[i][unix.CmsgLen(0)]))
	return ts.Nano(), true
}

// lagging tells a reader that is behind from a burst that merely filled
// one batch: the batch's oldest datagram waited in the socket for longer
// than s.lag. Without a kernel timestamp a full batch is taken as lagging.
func (r *readBatch) lagging(s *spreader) bool {
	if s == nil {
		return false
	}
	at, ok := r.arrival(0)
	return !ok || time.Now().UnixNano()-at > int64(s.lag)
}

// ReadFromAddrPort implements ice.AddrPortReaderWriter. Only the mux's
// single read loop calls it.
func (c *batchConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	r := c.rd
	for {
		for r.next < r.n {
			i := r.next
			r.next++
			h := &r.hdrs[i]
			if h.hdr.Flags&unix.MSG_TRUNC != 0 || h.hdr.Namelen != unix.SizeofSockaddrInet4 {
				continue // larger than any media or handshake datagram: drop
			}
			sa := &r.sa[i]
			port := sa.Port<<8 | sa.Port>>8
			key := rawAddrKey(sa.Addr, port)
			pkt := r.bufs[i][:h.len]
			if isRTCP(pkt) {
				if o := c.net.sinks.get(key); o != nil {
					o.in.readRTCP(pkt) // a subscriber's feedback: not for Pion
					continue
				}
			} else if isRTP(pkt) {
				if in := c.net.pubSinks.get(key); in != nil {
					if !r.corked {
						c.net.corkStart()
						r.corked = true
						r.now = time.Now().UnixNano()
					}
					if r.age(i, r.now) > int64(staleAfter) && in.ready.Load() {
						// The server fell behind: forwarding this late
						// only adds freezes (buffers.go, staleAfter).
						c.net.stale.Add(1)
						continue
					}
					if in.readRTP(pkt, c.net.spread) {
						continue // a publisher's media, forwarded already
					}
				}
			}
			addr := netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port)
			if isSTUNRequest(pkt) && (c.net.pubSinks.get(key) == nil || c.net.sinks.get(key) == nil) {
				c.net.learn(addr, pkt) // a peer's other address? (altaddr.go)
			}
			c.uncork()
			return copy(b, pkt), addr, nil
		}
		c.uncork()
		if err := c.fill(); err != nil {
			return 0, netip.AddrPort{}, err
		}
	}
}

// uncork sends what the batch's direct packets queued.
func (c *batchConn) uncork() {
	if c.rd.corked {
		c.rd.corked = false
		c.net.corkEnd()
	}
}

// isRTP tells RTP from the rest on a shared port (RFC 7983): version 2,
// not RTCP, at least a fixed header.
func isRTP(b []byte) bool {
	return len(b) >= 12 && b[0]&0xc0 == 0x80 && !isRTCP(b)
}

// fill waits until the socket is readable and reads a batch.
func (c *batchConn) fill() error {
	r := c.rd
	r.err = 0
	if err := c.rc.Read(c.fillFn); err != nil {
		return err // closed, or a deadline
	}
	if r.err != 0 {
		return &net.OpError{Op: "read", Net: "udp", Source: c.LocalAddr(), Err: os.NewSyscallError("recvmmsg", r.err)}
	}
	return nil
}

// fillFd is one recvmmsg attempt; false waits for readability.
func (c *batchConn) fillFd(fd uintptr) bool {
	r := c.rd
	for i := range r.hdrs {
		r.hdrs[i].hdr.Namelen = unix.SizeofSockaddrInet4
		r.hdrs[i].hdr.Flags = 0
		r.hdrs[i].hdr.SetControllen(stampSpace)
	}
	for {
		got, _, errno := syscall.RawSyscall6(unix.SYS_RECVMMSG, fd,
			uintptr(unsafe.Pointer(&r.hdrs[0])), maxRead, unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			r.n, r.next = int(got), 0
			if r.n == maxRead && r.lagging(c.net.spread) {
				c.net.spread.behind() // datagrams are queuing: use more cores
			}
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // wait in the netpoller
		default:
			r.err = errno
			return true
		}
	}
}

// sendOne writes one datagram with a raw, non-blocking sendto; false means
// the socket queue is full (the caller then waits the ordinary way).
func (c *batchConn) sendOne(b []byte, a [4]byte, port uint16) bool {
	c.oneMu.Lock()
	defer c.oneMu.Unlock()
	c.one = oneSend{b: b, sa: unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a, Port: port<<8 | port>>8}}
	c.send(c.sendFn)
	sent := c.one.sent
	c.one = oneSend{}
	return sent
}

// oneSend is sendOne's argument and result, kept in the conn so that the
// raw call needs no closure.
type oneSend struct {
	b    []byte
	sa   unix.RawSockaddrInet4
	sent bool
}

func (c *batchConn) sendOneFd(fd uintptr) {
	o := &c.one
	// Any error is what sendto would have reported for a datagram: treat
	// it as sent and lost, except a full queue.
	o.sent = rawSendTo(fd, o.b, &o.sa) != syscall.EAGAIN
}

// rawSendTo is one non-blocking sendto.
func rawSendTo(fd uintptr, b []byte, sa *unix.RawSockaddrInet4) syscall.Errno {
	for {
		_, _, errno := syscall.RawSyscall6(unix.SYS_SENDTO, fd,
			uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), unix.MSG_DONTWAIT,
			uintptr(unsafe.Pointer(sa)), unix.SizeofSockaddrInet4)
		if errno != syscall.EINTR {
			return errno
		}
	}
}
