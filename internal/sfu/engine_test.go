package sfu

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func TestEngineFixedPortAndPublicIP(t *testing.T) {
	// Find a free number, then ask for it explicitly.
	probe := newTestEngine(t)
	port := probe.Port()
	must(t, probe.Close())

	// 203.0.113.7 is a documentation address: it only appears in the SDP,
	// nothing is sent to it (the client only talks to loopback).
	e, err := NewEngine(Config{Port: port, Loopback: true, PublicIPs: []string{"203.0.113.7"}})
	must(t, err)
	defer e.Close()
	if e.Port() != port {
		t.Fatalf("port %d, want %d", e.Port(), port)
	}
	// The UDP and TCP sockets are both bound.
	if c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err == nil {
		c.Close()
		t.Fatal("UDP port not in use")
	}
	if l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
		l.Close()
		t.Fatal("TCP port not in use")
	}

	r := e.NewRouter("room", nil)
	p, err := r.AddPeer("x", nopPeerHandler{})
	must(t, err)
	pc, err := clientAPI(t, clientOpts{}).NewPeerConnection(webrtc.Configuration{})
	must(t, err)
	defer pc.Close()
	_, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	must(t, err)
	offer, err := pc.CreateOffer(nil)
	must(t, err)
	must(t, pc.SetLocalDescription(offer))
	answer, err := p.HandleOffer(offer.SDP)
	must(t, err)
	if !strings.Contains(answer, fmt.Sprintf("203.0.113.7 %d typ host", port)) {
		t.Fatalf("answer does not advertise the public IP:\n%s", answer)
	}
	if !strings.Contains(answer, "tcptype passive") {
		t.Fatalf("answer has no ICE-TCP candidate:\n%s", answer)
	}
	r.Close()
	if _, err := r.AddPeer("y", nopPeerHandler{}); err == nil {
		t.Fatal("AddPeer on a closed router succeeded")
	}

	// A port in use is an error, not a silent move.
	if _, err := NewEngine(Config{Port: port, Loopback: true}); err == nil {
		t.Fatal("second engine on the same port")
	}
}

type nopPeerHandler struct{}

func (nopPeerHandler) SubscriberOffer(string)                                {}
func (nopPeerHandler) ICECandidate(Direction, webrtc.ICECandidateInit)       {}
func (nopPeerHandler) ConnectionState(Direction, webrtc.PeerConnectionState) {}

// TestChurn joins and leaves peers concurrently while media flows: run
// with -race it shakes out lock-order and lifecycle bugs.
func TestChurn(t *testing.T) {
	e := newTestEngine(t)
	h := &recordingRouterHandler{}
	r := e.NewRouter("room", h)
	defer r.Close()
	stay := newTestClient(t, r, "stay")

	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for round := 0; round < 2; round++ {
				id := fmt.Sprintf("p%d-%d", i, round)
				c := newTestClient(t, r, id)
				time.Sleep(time.Duration(300+100*i) * time.Millisecond)
				c.peer.Close()
				c.close()
			}
		}(i)
	}
	wg.Wait()

	eventually(t, 5*time.Second, "only stay's tracks left", func() (bool, string) {
		tr := r.Tracks()
		for _, ti := range tr {
			if ti.PeerID != "stay" {
				return false, fmt.Sprintf("%d tracks", len(tr))
			}
		}
		return true, ""
	})
	h.mu.Lock()
	added, removed := len(h.added), len(h.removed)
	h.mu.Unlock()
	if added-removed != len(r.Tracks()) {
		t.Fatalf("added %d removed %d but %d tracks remain", added, removed, len(r.Tracks()))
	}
	// stay's subscribe PC is negotiated and stable at the end, and a new
	// peer still gets its media.
	settle(t, stay)
	last := newTestClient(t, r, "last")
	waitForwarding(t, r, stay, last)
}
