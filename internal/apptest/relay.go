package apptest

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pion/turn/v5"
)

// Relay is a TURN server on loopback that checks TURN REST credentials
// as coturn does with use-auth-secret, and counts what it relays. Clients
// reach it over UDP (Addr) or TCP (TCPAddr), as turn:…?transport=udp|tcp.
type Relay struct {
	Addr    string // host:port, UDP
	TCPAddr string // host:port, TCP

	sent  atomic.Int64 // datagrams sent to its clients over UDP
	mu    sync.Mutex
	users []string // usernames it accepted
	tcp   map[string]bool
}

// StartRelay runs a Relay with the shared secret until the test ends.
func StartRelay(t testing.TB, secret string) *Relay {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{Addr: pc.LocalAddr().String(), TCPAddr: ln.Addr().String(), tcp: map[string]bool{}}
	relayed := &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"}
	check := turn.LongTermTURNRESTAuthHandler(secret, nil)
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm: "confer.test",
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			user, key, ok := check(ra)
			if ok {
				r.mu.Lock()
				r.users = append(r.users, ra.Username)
				if _, isTCP := ra.SrcAddr.(*net.TCPAddr); isTCP {
					r.tcp[ra.Username] = true
				}
				r.mu.Unlock()
			}
			return user, key, ok
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            countingConn{pc, &r.sent},
			RelayAddressGenerator: relayed,
		}},
		ListenerConfigs: []turn.ListenerConfig{{Listener: ln, RelayAddressGenerator: relayed}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return r
}

// Accepted reports whether the relay accepted a credential minted for
// user (a participant id: "<expiry>:<user>").
func (r *Relay) Accepted(user string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.users {
		if strings.HasSuffix(u, ":"+user) {
			return true
		}
	}
	return false
}

// AcceptedOverTCP reports whether a credential minted for user was
// accepted from a client that reached the relay over TCP.
func (r *Relay) AcceptedOverTCP(user string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for u := range r.tcp {
		if strings.HasSuffix(u, ":"+user) {
			return true
		}
	}
	return false
}

// Users lists the usernames the relay accepted, for failure messages.
func (r *Relay) Users() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.users...)
}

// Sent is how many datagrams the relay has sent to its clients.
func (r *Relay) Sent() int64 { return r.sent.Load() }

type countingConn struct {
	net.PacketConn
	n *atomic.Int64
}

func (c countingConn) WriteTo(b []byte, a net.Addr) (int, error) {
	n, err := c.PacketConn.WriteTo(b, a)
	if err == nil {
		c.n.Add(1)
	}
	return n, err
}
