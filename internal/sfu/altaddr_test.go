package sfu

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/pion/srtp/v3"
	"github.com/pion/stun/v4"
)

// bindingRequest is a STUN binding request as a browser sends on a
// candidate pair, signed with the server connection's ICE password.
func bindingRequest(t *testing.T, user, pwd string) []byte {
	t.Helper()
	m, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.NewUsername(user),
		stun.NewShortTermIntegrity(pwd), stun.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	return m.Raw
}

// A peer that sends from an address other than the selected pair's gets
// its RTP and RTCP read by the direct paths once a binding request from
// that address authenticates with the connection's ICE password; a
// request with a wrong password or an unknown username fragment changes
// nothing; the STUN message still goes to Pion, unmodified; stopping the
// paths forgets the addresses.
func TestDirectPathsLearnAuthenticatedAddresses(t *testing.T) {
	bn, c := benchSocket(t)
	ctx, err := srtp.CreateContext(make([]byte, 16), make([]byte, 12), srtp.ProtectionProfileAeadAes128Gcm)
	must(t, err)
	in := &srtpIn{ctx: ctx, src: netip.MustParseAddrPort("127.0.0.1:9")}
	out := &srtpOut{ctx: ctx, dst: netip.MustParseAddrPort("127.0.0.1:9")}
	const ufrag, pwd = "srvA", "server-password-of-24-chars"
	bn.ice.register(ufrag, pwd, in, nil)
	bn.ice.register(ufrag, pwd, nil, out) // one PeerConnection both ways
	in.ufrag, out.ufrag = ufrag, ufrag

	send := func(from *net.UDPConn, pkt []byte) netip.AddrPort {
		t.Helper()
		if _, err := from.Write(pkt); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		n, addr, err := c.ReadFromAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:n], pkt) {
			t.Fatal("the STUN message reached Pion changed")
		}
		return addr
	}
	dial := func() *net.UDPConn {
		cl, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cl.Close() })
		return cl
	}

	forged, stranger, peer := dial(), dial(), dial()
	a := send(forged, bindingRequest(t, ufrag+":cli", "not-the-password-at-all"))
	b := send(stranger, bindingRequest(t, "other:cli", pwd))
	if bn.pubSinks.load(a) != nil || bn.sinks.load(a) != nil || bn.pubSinks.load(b) != nil || bn.sinks.load(b) != nil {
		t.Fatal("an address was learned from a request that does not authenticate")
	}
	p := send(peer, bindingRequest(t, ufrag+":cli", pwd))
	if bn.pubSinks.load(p) != in || bn.sinks.load(p) != out {
		t.Fatal("the peer's other address was not learned")
	}
	if bn.pubSinks.load(in.src) != nil {
		t.Fatal("learning touched the selected pair's registration")
	}
	// Again from the same address: nothing new.
	send(peer, bindingRequest(t, ufrag+":cli", pwd))
	if len(in.aliases) != 1 || len(out.aliases) != 1 {
		t.Fatalf("aliases %v, %v; want one each", in.aliases, out.aliases)
	}

	in.stop(bn)
	out.stop(bn)
	if bn.pubSinks.load(p) != nil || bn.sinks.load(p) != nil {
		t.Fatal("a stopped path still reads the learned address")
	}
	if _, ok := bn.ice.lookup(ufrag); ok {
		t.Fatal("a stopped connection's ICE credentials are still registered")
	}
}
