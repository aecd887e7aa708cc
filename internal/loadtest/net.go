package loadtest

import (
	"net"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// recvBuffer is the receive buffer asked for on the participants' UDP
// sockets (the kernel caps it at net.core.rmem_max). With the default
// ≈ 200 KiB a receiver's socket overflows whenever the generator's
// goroutines are late by a few tens of milliseconds on a busy machine,
// and the drops count as loss the server did not cause.
const recvBuffer = 4 << 20

// bufNet is the stdnet the participants' ICE agents listen with: its UDP
// sockets get a larger receive buffer.
type bufNet struct {
	*stdnet.Net
}

func newBufNet() (*bufNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &bufNet{n}, nil
}

func (n *bufNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(recvBuffer)
	return c, nil
}
