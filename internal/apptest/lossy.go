package apptest

import (
	"math/rand/v2"
	"net"
	"testing"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/client"
)

// lossyNet is the network of one Go participant: every UDP datagram its
// PeerConnections send or receive is dropped with probability loss. It
// works like a lossy relay in front of the participant (both directions,
// ICE, DTLS, RTP and RTCP alike), on loopback and without root.
type lossyNet struct {
	*stdnet.Net
	loss float64
}

func (n *lossyNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &lossyConn{UDPConn: c, loss: n.loss}, nil
}

type lossyConn struct {
	transport.UDPConn
	loss float64
}

func (c *lossyConn) drop() bool { return rand.Float64() < c.loss }

func (c *lossyConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.UDPConn.ReadFrom(p)
		if err != nil || !c.drop() {
			return n, a, err
		}
	}
}

func (c *lossyConn) WriteTo(p []byte, a net.Addr) (int, error) {
	if c.drop() {
		return len(p), nil
	}
	return c.UDPConn.WriteTo(p, a)
}

// LossyAPI builds Go participants (client.Options.API) whose network
// drops that fraction of datagrams both ways (lossyNet).
func LossyAPI(t testing.TB, loss float64) *webrtc.API {
	t.Helper()
	n, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetNet(&lossyNet{Net: n, loss: loss})
	api, err := client.NewAPIWith(se)
	if err != nil {
		t.Fatal(err)
	}
	return api
}
