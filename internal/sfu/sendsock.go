package sfu

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The send socket. Go's netpoller registers every socket for both read
// and write readiness, so each datagram sent on the media socket, once the
// kernel frees it, signals "writable" and wakes the runtime thread parked
// in epoll_wait: a futex wake and two context switches per packet while
// the server is not fully busy (≈ 15 % of its CPU in the 10 × 40
// benchmark). So media leaves through a second socket bound to the same
// address and port with SO_REUSEPORT, which Go never sees: nobody waits on
// it, nobody is woken. A one-instruction BPF program keeps every incoming
// datagram on the first socket of the group, the one the mux reads.

// listenMedia opens the media socket (readable by the mux) and its send
// socket. Without SO_REUSEPORT or the BPF steering (old kernels, seccomp)
// the send socket is nil and media goes out on the media socket itself.
func listenMedia(network string, laddr *net.UDPAddr) (*net.UDPConn, *sendSocket, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		return errors.Join(err, serr)
	}}
	pc, err := lc.ListenPacket(context.Background(), network, laddr.String())
	if err != nil {
		// No SO_REUSEPORT: a plain socket, no send socket.
		c, err := net.ListenUDP(network, laddr)
		return c, nil, err
	}
	c := pc.(*net.UDPConn)
	s, err := openSendSocket(c)
	if err != nil {
		return c, nil, nil
	}
	return c, s, nil
}

// steerToFirst is "return 0": every datagram to socket 0 of the group.
var steerToFirst = []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}

func openSendSocket(c *net.UDPConn) (*sendSocket, error) {
	la, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok || la.IP.To4() == nil {
		return nil, errors.New("sfu: send socket: not IPv4")
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_CBPF,
			&unix.SockFprog{Len: uint16(len(steerToFirst)), Filter: &steerToFirst[0]})
	})
	if err = errors.Join(err, serr); err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	sa := &unix.SockaddrInet4{Port: la.Port}
	copy(sa.Addr[:], la.IP.To4())
	if err := errors.Join(
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1),
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, socketBuffer),
		// DF on every datagram, never fragmented here (media datagrams are
		// ≈ 1,200 bytes). Under the default ("want") the kernel draws each
		// datagram's IP ID from a shared, hashed generator
		// (__ip_select_ident, 1.5 % of the server's CPU); with DF set this
		// way the ID is 0. "Probe", not "do": a path MTU learned for one
		// subscriber must not fail a sendmmsg batch with EMSGSIZE.
		unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE),
		unix.Bind(fd, sa),
	); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	return &sendSocket{fd: fd}, nil
}

// sendSocket is a socket only ever written with raw, non-blocking calls.
type sendSocket struct {
	mu sync.RWMutex // read-held while sending, so Close cannot free the fd under a send
	fd int          // -1 once closed
}

// do runs f with the fd unless the socket is closed.
func (s *sendSocket) do(f func(fd uintptr)) {
	s.mu.RLock()
	if s.fd >= 0 {
		f(uintptr(s.fd))
	}
	s.mu.RUnlock()
}

func (s *sendSocket) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return nil
	}
	err := unix.Close(s.fd)
	s.fd = -1
	return err
}
