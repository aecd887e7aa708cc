package sfu

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"golang.org/x/sys/unix"
)

// Send batching. One incoming packet becomes one outgoing packet per
// subscriber, all written in a burst by the layer's reader goroutine
// (receiver.forward). While such a burst runs ("corked"), writes to the
// media socket are queued and the burst ends with one sendmmsg for all of
// them, instead of one sendto each. Writes from anywhere else (STUN, DTLS,
// RTCP) go straight out while nothing is corked, and otherwise ride along
// with the next flush, which is at most one fan-out loop away.

// The flush is a raw sendmmsg: the socket is non-blocking, so it never
// blocks, and as a raw call it does not hand the P to another thread
// (with plain syscalls the runtime's sysmon woke every 20 µs to retake Ps
// from ~100 µs sendmmsg calls: 14 % of the server's CPU).

// maxBatch bounds one sendmmsg; a fuller queue is flushed at once.
const maxBatch = 256

// batchNet is the stdnet the UDP mux listens with: its sockets batch.
type batchNet struct {
	*stdnet.Net
	mu    sync.Mutex
	conns []*batchConn
	cork  atomic.Int32        // fan-out loops running
	sinks addrTable[*srtpOut] // subscribers whose RTCP is read here (rtcpin.go)
	// pubSinks: publishers whose RTP is read here (srtpin.go).
	pubSinks addrTable[*srtpIn]
	// ice: connections' ICE credentials, to learn the other addresses
	// their peers send from (altaddr.go).
	ice iceRegistry
	// gso: flushes may use UDP segmentation offload (gso.go).
	gso         atomic.Bool
	gsoOnce     sync.Once
	gsoSegments atomic.Uint64  // datagrams that left in multi-datagram messages
	spread      *spreader      // workers for a reader that falls behind (spread.go)
	stale       *atomic.Uint64 // RTP dropped for waiting too long (the engine's counter)
}

// socketBuffer is the media socket's send and receive queue size.
const socketBuffer = 4 << 20

func newBatchNet() (*batchNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	bn := &batchNet{Net: n, stale: new(atomic.Uint64)}
	bn.spread = newSpreader(bn)
	return bn, nil
}

func (n *batchNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, out, err := listenMedia(network, laddr)
	if err != nil {
		return nil, err
	}
	// One socket carries every participant's media: the kernel's default
	// ~200 KiB queue overflows in bursts (a 50-person room dropped ~5 % of
	// packets there). The kernel caps this at net.core.rmem_max/wmem_max.
	_ = c.SetReadBuffer(socketBuffer)
	_ = c.SetWriteBuffer(socketBuffer)
	rc, err := c.SyscallConn()
	if err != nil {
		_ = c.Close()
		if out != nil {
			_ = out.close()
		}
		return nil, err
	}
	// Kernel receive times, so the reader can drop what waited too long
	// (batchread.go). Without them nothing is dropped.
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	})
	bc := &batchConn{UDPConn: c, rc: rc, out: out, net: n, rd: &readBatch{}, gso: &gsoState{}}
	bc.rd.init()
	bc.flushFn, bc.sendFn, bc.fillFn = bc.flushFd, bc.sendOneFd, bc.fillFd
	for i := range bc.hdrs {
		h := &bc.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&bc.sa[i]))
		h.Namelen = unix.SizeofSockaddrInet4
		h.Iov = &bc.iov[i]
		h.SetIovlen(1)
		bc.iov[i].Base = &bc.bufs[i][0]
		bc.sa[i].Family = unix.AF_INET
	}
	n.gsoOnce.Do(func() {
		bc.send(func(fd uintptr) { n.gso.Store(gsoSupported(int(fd))) })
	})
	n.mu.Lock()
	n.conns = append(n.conns, bc)
	n.mu.Unlock()
	return bc, nil
}

// corkStart and corkEnd bracket a fan-out loop; the end flushes.
func (n *batchNet) corkStart() { n.cork.Add(1) }

func (n *batchNet) corkEnd() {
	n.cork.Add(-1)
	n.mu.Lock()
	conns := n.conns
	n.mu.Unlock()
	for _, c := range conns {
		c.flushIfQueued()
	}
}

// batchConn implements ice.AddrPortReaderWriter, so the mux writes media
// through WriteToAddrPort.
type batchConn struct {
	*net.UDPConn
	rc  syscall.RawConn
	out *sendSocket // where datagrams leave (sendsock.go); nil: through UDPConn
	net *batchNet

	queued atomic.Int32
	mu     sync.Mutex
	n      int
	hdrs   [maxBatch]mmsghdr
	iov    [maxBatch]unix.Iovec
	sa     [maxBatch]unix.RawSockaddrInet4
	bufs   [maxBatch][mtu + 64]byte

	rd  *readBatch // batchread.go
	gso *gsoState  // gso.go

	// Method values made once: a closure passed to RawConn.Control
	// escapes, one allocation per call otherwise.
	flushFn, sendFn func(fd uintptr)
	fillFn          func(fd uintptr) bool
	oneMu           sync.Mutex // guards one (sendOne)
	one             oneSend
}

// mmsghdr is struct mmsghdr of sendmmsg(2).
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

func (c *batchConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	a := addr.Addr().Unmap()
	if !a.Is4() {
		return c.UDPConn.WriteToUDPAddrPort(b, addr)
	}
	if c.net.cork.Load() == 0 || len(b) > len(c.bufs[0]) {
		if c.sendOne(b, a.As4(), addr.Port()) {
			return len(b), nil
		}
		return c.UDPConn.WriteToUDPAddrPort(b, addr)
	}
	c.mu.Lock()
	i := c.n
	c.iov[i].SetLen(copy(c.bufs[i][:], b))
	c.sa[i].Addr = a.As4()
	p := addr.Port()
	c.sa[i].Port = p<<8 | p>>8 // network byte order
	c.n++
	if c.n == maxBatch {
		c.flushLocked()
	} else if c.n == 1 {
		c.queued.Store(1) // once a batch: an atomic store is a locked instruction
	}
	// The next packet is copied to the next slot, which is cold by then
	// more often than not, and the unlock waits until the copy's stores
	// have their lines.
	prefetchWrite(unsafe.Pointer(&c.bufs[c.n]), uintptr(len(b))) // c.n < maxBatch: a full queue was flushed
	c.mu.Unlock()
	return len(b), nil
}

func (c *batchConn) flushIfQueued() {
	if c.queued.Load() == 0 {
		return
	}
	c.mu.Lock()
	c.flushLocked()
	c.mu.Unlock()
}

func (c *batchConn) flushLocked() {
	c.send(c.flushFn)
	c.n = 0
	c.queued.Store(0)
}

// send runs a raw send with the send socket's fd, or the media socket's.
func (c *batchConn) send(f func(fd uintptr)) {
	if c.out != nil {
		c.out.do(f)
		return
	}
	_ = c.rc.Control(f)
}

// Close closes the send socket with the media socket.
func (c *batchConn) Close() error {
	err := c.UDPConn.Close()
	if c.out != nil {
		err = errors.Join(err, c.out.close())
	}
	return err
}

// flushFd sends the queue; c.mu is held.
func (c *batchConn) flushFd(fd uintptr) {
	n := c.n
	if n > 1 && c.net.gso.Load() {
		ok, rest := c.flushGSO(fd, c.gso, n, &c.net.gsoSegments)
		if ok {
			return
		}
		c.net.gso.Store(false) // the kernel cannot segment on this route
		for _, i := range rest {
			rawSendTo(fd, c.bufs[i][:c.iov[i].Len], &c.sa[i])
		}
		return
	}
	for done := 0; done < n; {
		r, _, errno := syscall.RawSyscall6(unix.SYS_SENDMMSG, fd,
			uintptr(unsafe.Pointer(&c.hdrs[done])), uintptr(n-done), unix.MSG_DONTWAIT, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 || r == 0 {
			// A full socket buffer drops the rest, as sendto would.
			return
		}
		done += int(r)
	}
}
