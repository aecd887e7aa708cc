package turnserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/confer-dev/confer/internal/turncred"
)

// The relay admits minted credentials only, and relays only to the
// media engine's addresses: a client cannot use it to reach anything
// else on the operator's network.
func TestRelaysOnlyToTheMediaEngine(t *testing.T) {
	const secret = "relay-secret-for-the-test"
	s, err := Start(Config{Listen: "127.0.0.1:0", RelayIP: net.ParseIP("127.0.0.1"), Secret: secret,
		AllowPeer: func(ip net.IP) bool { return ip.Equal(net.ParseIP("127.0.0.1")) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.UDP.(*net.UDPAddr).Port != s.TCP.(*net.TCPAddr).Port {
		t.Errorf("UDP %v and TCP %v on different ports", s.UDP, s.TCP)
	}
	engine := listen(t, "127.0.0.1:0")   // stands for the media engine
	internal := listen(t, "127.0.0.2:0") // something else on the host

	cred := turncred.Config{URLs: []string{"turn:" + s.UDP.String()}, Secret: secret}.Servers("p1", time.Now())[0]
	relayed := allocate(t, s.UDP.String(), cred.Username, cred.Credential)
	if _, err := relayed.WriteTo([]byte("media"), engine.LocalAddr()); err != nil {
		t.Fatalf("to the engine: %v", err)
	}
	if got := read(engine); got != "media" {
		t.Fatalf("the engine got %q", got)
	}
	_, _ = relayed.WriteTo([]byte("probe"), internal.LocalAddr())
	if got := read(internal); got != "" {
		t.Fatalf("the relay forwarded %q to an address that is not the engine", got)
	}

	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bad, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: s.UDP.String(), Username: cred.Username, Password: "wrong", Realm: "confer", Conn: c})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := bad.Listen(); err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Allocate(); err == nil {
		t.Fatal("a wrong credential got an allocation")
	}
}

func listen(t *testing.T, addr string) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func read(c net.PacketConn) string {
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	b := make([]byte, 100)
	n, _, err := c.ReadFrom(b)
	if err != nil {
		return ""
	}
	return string(b[:n])
}

func allocate(t *testing.T, server, user, pass string) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: server, Username: user, Password: pass, Realm: "confer", Conn: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := cl.Allocate()
	if err != nil {
		t.Fatalf("allocate with a minted credential: %v", err)
	}
	t.Cleanup(func() { relayed.Close() })
	return relayed
}

// TURN over TLS (turns:) for networks that let only TLS out: a client
// that trusts the certificate allocates through it and reaches the engine.
func TestTURNOverTLS(t *testing.T) {
	const secret = "relay-secret-for-the-test"
	cert, pool := selfSigned(t)
	s, err := Start(Config{Listen: "127.0.0.1:0", TLSListen: "127.0.0.1:0", TLS: &tls.Config{Certificates: []tls.Certificate{cert}},
		RelayIP: net.ParseIP("127.0.0.1"), Secret: secret, AllowPeer: func(ip net.IP) bool { return ip.IsLoopback() }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := tls.Dial("tcp", s.TLS.String(), &tls.Config{RootCAs: pool, ServerName: "relay.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cred := turncred.Config{URLs: []string{"turns:relay.test"}, Secret: secret}.Servers("p1", time.Now())[0]
	cl, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: s.TLS.String(), Username: cred.Username, Password: cred.Credential,
		Realm: "confer", Conn: turn.NewSTUNConn(conn)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := cl.Allocate()
	if err != nil {
		t.Fatalf("allocate over TLS: %v", err)
	}
	defer relayed.Close()
	engine := listen(t, "127.0.0.1:0")
	if _, err := relayed.WriteTo([]byte("over tls"), engine.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got := read(engine); got != "over tls" {
		t.Fatalf("the engine got %q", got)
	}
	if _, err := Start(Config{Listen: "127.0.0.1:0", TLSListen: "127.0.0.1:0", RelayIP: net.ParseIP("127.0.0.1"), Secret: secret,
		AllowPeer: func(net.IP) bool { return true }}); err == nil {
		t.Fatal("TURN over TLS started without a certificate")
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"}, DNSNames: []string{"relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
