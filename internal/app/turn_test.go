package app_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/loadtest"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/turncred"
)

// TestMediaThroughTURNRelay: with a TURN relay configured, participants
// on a network that lets nothing out but the relay (relay-only ICE) get
// credentials in their welcome that the relay accepts, and a meeting's
// video flows through it both for a two-PeerConnection publisher and a
// one-PeerConnection receiver (the web client's kind).
func TestMediaThroughTURNRelay(t *testing.T) {
	const secret = "relay-shared-secret"
	r := apptest.StartRelay(t, secret)
	a, base := apptest.StartConfig(t, func(c *config.Config) {
		c.TURN = turncred.Config{URLs: []string{"stun:" + r.Addr, "turn:" + r.Addr + "?transport=udp"}, Secret: secret}
	}, app.Options{})
	apptest.AddRoom(t, a, "relayed", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	b, pub, got := relayOnlyMeeting(t, ctx, base, "relayed", func() string {
		return fmt.Sprintf("relay accepted %v, sent %d datagrams", r.Users(), r.Sent())
	})
	ws := b.Welcome.ICEServers
	if len(ws) != 2 || ws[0].Username != "" || ws[1].Username == "" || !strings.HasSuffix(ws[1].Username, ":"+b.ID()) {
		t.Fatalf("welcome ICE servers: %+v", ws)
	}
	for _, pc := range []*webrtc.PeerConnection{b.PublishPC(), pub.PublishPC()} {
		if typ := selectedLocalType(pc); typ != webrtc.ICECandidateTypeRelay {
			t.Errorf("selected local candidate %v, want relay", typ)
		}
	}
	if !r.Accepted(b.ID()) || !r.Accepted(pub.ID()) {
		t.Errorf("the relay did not accept both participants' credentials: %v", r.Users())
	}
	if n := r.Sent(); n < got {
		t.Errorf("the relay sent its clients %d datagrams, fewer than Bea's %d video packets", n, got)
	}
}

func selectedLocalType(pc *webrtc.PeerConnection) webrtc.ICECandidateType {
	for _, tr := range pc.GetTransceivers() {
		if s := tr.Sender(); s != nil && s.Transport() != nil {
			if p, err := s.Transport().ICETransport().GetSelectedCandidatePair(); err == nil && p != nil {
				return p.Local.Typ
			}
		}
		if r := tr.Receiver(); r != nil && r.Transport() != nil {
			if p, err := r.Transport().ICETransport().GetSelectedCandidatePair(); err == nil && p != nil {
				return p.Local.Typ
			}
		}
	}
	return webrtc.ICECandidateTypeUnknown
}

// TestNoICEServersByDefault: without configuration the welcome carries
// none (browsers then use the server's own addresses and ICE-TCP).
func TestNoICEServersByDefault(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "plain", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Join(ctx, base, "plain", client.Options{Name: "Al"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Welcome.ICEServers != nil {
		t.Errorf("ICE servers without configuration: %+v", c.Welcome.ICEServers)
	}
}

// linkRe reads one RFC 9725 §4.6 Link header.
var linkRe = regexp.MustCompile(`^<([^>]+)>; rel="ice-server"(?:; username="([^"]*)"; credential="([^"]*)"; credential-type="password")?$`)

// TestWHIPThroughTURNRelay: an encoder behind a firewall that lets only
// the relay through learns the ICE servers from the Link headers of an
// authenticated OPTIONS (and again in the 201), gathers relayed
// candidates only, publishes with one POST, and the meeting receives its
// video. Without a token OPTIONS gives no credential.
func TestWHIPThroughTURNRelay(t *testing.T) {
	const secret = "whip-relay-secret"
	r := apptest.StartRelay(t, secret)
	a, base := apptest.StartConfig(t, func(c *config.Config) {
		c.TURN = turncred.Config{URLs: []string{"turn:" + r.Addr + "?transport=udp"}, Secret: secret}
	}, app.Options{})
	apptest.AddRoom(t, a, "lecture", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	host, student := lecture(t, base)
	tok := encoderToken(t, base, host, "Aula")

	options := func(token string) http.Header {
		req, _ := http.NewRequest(http.MethodOptions, base+tok.URL, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header
	}
	if l := options("")["Link"]; len(l) != 0 {
		t.Fatalf("OPTIONS without a token gave %q", l)
	}
	var servers []webrtc.ICEServer
	for _, l := range options(tok.Token)["Link"] {
		m := linkRe.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("Link %q", l)
		}
		servers = append(servers, webrtc.ICEServer{URLs: []string{m[1]}, Username: m[2], Credential: m[3]})
	}
	if len(servers) != 1 || servers[0].Username == "" {
		t.Fatalf("ICE servers from OPTIONS: %+v", servers)
	}

	pc, video := videoEncoder(t, webrtc.Configuration{ICEServers: servers, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	res := postOffer(t, base+tok.URL, tok.Token, pc.LocalDescription().SDP)
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	encoderID := path.Base(res.Header.Get("Location"))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("publish: %d %s", res.StatusCode, answer)
	}
	if l := res.Header["Link"]; len(l) != 1 || !strings.Contains(l[0], `username="`) || !strings.Contains(l[0], ":"+encoderID+`"`) {
		t.Errorf("201 Link headers %q: want the relay with a credential minted for %s", l, encoderID)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatal(err)
	}
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := uint16(0); ctx.Err() == nil; i++ {
			<-tick.C
			v := append([]byte{0x10, 0x00}, []byte(encoderID+"/video/")...)
			_ = video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i, Timestamp: uint32(i) * 3000, Marker: true}, Payload: v})
		}
	}()
	waitFor(t, "the encoder's video through the relay", 30*time.Second, func() bool { return student.count(encoderID, "video") > 20 })
	if typ := selectedLocalType(pc); typ != webrtc.ICECandidateTypeRelay {
		t.Errorf("the encoder's selected candidate is %v, want relay", typ)
	}
}

// TestICECredentialsRenewed: in a long meeting the client is sent fresh
// credentials (ice_servers) every half lifetime, before the relay would
// refuse the old ones; 2 s here instead of 24 h.
func TestICECredentialsRenewed(t *testing.T) {
	_, base := apptest.StartConfig(t, func(c *config.Config) {
		c.TURN = turncred.Config{URLs: []string{"turn:relay.example.org?transport=udp"}, Secret: "s", TTL: 2 * time.Second}
	}, app.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Join(ctx, base, "demo", client.Options{Name: "Al"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seen := map[string]bool{c.Welcome.ICEServers[0].Username: true}
	for len(seen) < 3 {
		d, err := c.WaitEvent(ctx, signal.TypeICEServers, func(d json.RawMessage) bool {
			var u signal.ICEServersUpdate
			return json.Unmarshal(d, &u) == nil && len(u.ICEServers) == 1 && !seen[u.ICEServers[0].Username]
		})
		if err != nil {
			t.Fatalf("renewals: %v (had %v)", err, seen)
		}
		var u signal.ICEServersUpdate
		_ = json.Unmarshal(d, &u)
		if s := u.ICEServers[0]; !strings.HasSuffix(s.Username, ":"+c.ID()) || s.Credential == "" {
			t.Fatalf("renewed server %+v", s)
		}
		seen[u.ICEServers[0].Username] = true
	}
}

// TestBuiltInRelay: with --turn-listen and no relay of the operator's,
// confer runs its own; welcomes name it with a minted credential, and
// participants who can use nothing but a relay meet through it.
func TestBuiltInRelay(t *testing.T) {
	a, base := apptest.StartConfig(t, func(c *config.Config) { c.TURNListen = "127.0.0.1:0" }, app.Options{})
	apptest.AddRoom(t, a, "relayed", 10, "")
	if a.Relay == nil {
		t.Fatal("no relay running")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	b, pub, _ := relayOnlyMeeting(t, ctx, base, "relayed", func() string { return "through the built-in relay" })
	ws := b.Welcome.ICEServers
	want := "turn:" + a.Relay.UDP.String() + "?transport=udp"
	if len(ws) != 1 || len(ws[0].URLs) != 2 || ws[0].URLs[0] != want || !strings.HasSuffix(ws[0].Username, ":"+b.ID()) {
		t.Fatalf("welcome ICE servers %+v, want the built-in relay %s with a minted credential", ws, want)
	}
	for _, pc := range []*webrtc.PeerConnection{b.PublishPC(), pub.PublishPC()} {
		if typ := selectedLocalType(pc); typ != webrtc.ICECandidateTypeRelay {
			t.Errorf("selected local candidate %v, want relay", typ)
		}
	}
}

// relayOnlyMeeting has Bea (one PeerConnection, the web client's kind)
// and Al (publishing the test clip) join room with relay-only ICE, and
// waits until Bea got 100 of Al's video packets, which it returns; why
// adds to a failure what the relay saw.
func relayOnlyMeeting(t *testing.T, ctx context.Context, base, room string, why func() string) (bea, al *client.Client, video int64) {
	t.Helper()
	var n atomic.Int64
	bea, err := client.Join(ctx, base, room, client.Options{Name: "Bea", RelayOnly: true, OnePC: true}, func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := tr.Read(buf); err != nil {
					return
				}
				if tr.Kind() == webrtc.RTPCodecTypeVideo {
					n.Add(1)
				}
			}
		}()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bea.Close)
	vclip, aclip, err := loadtest.TestMedia()
	if err != nil {
		t.Fatal(err)
	}
	al, err = client.Join(ctx, base, room, client.Options{Name: "Al", RelayOnly: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(al.Close)
	if _, err := al.PublishMedia(ctx, client.MediaOptions{Video: vclip[2:], Audio: aclip}); err != nil {
		t.Fatal(err)
	}
	for n.Load() < 100 {
		// Bea shows every video in a tile, as the web client says.
		prefs := map[string][2]int{}
		for _, tr := range bea.Tracks() {
			if tr.Kind == "video" {
				prefs[tr.ID] = [2]int{320, 180}
			}
		}
		if err := bea.SendVideoPrefs(ctx, prefs); err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("Bea got %d video packets through the relay (%s; Bea %v, Al %v)",
				n.Load(), why(), bea.PublishPC().ICEConnectionState(), al.PublishPC().ICEConnectionState())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return bea, al, n.Load()
}

// TestBuiltInRelayOverTLS: with --turn-tls-listen the built-in relay also
// speaks TURN over TLS with the service's certificate, and welcomes name
// it by the public URL's host name, which the certificate is for.
func TestBuiltInRelayOverTLS(t *testing.T) {
	a, base := apptest.StartConfig(t, func(c *config.Config) {
		c.TURNListen, c.TURNTLSListen, c.SelfSigned, c.PublicURL = "127.0.0.1:0", "127.0.0.1:0", true, "https://meet.example.org"
	}, app.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Join(ctx, base, "demo", client.Options{Name: "Bea"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := fmt.Sprintf("turns:meet.example.org:%d?transport=tcp", a.Relay.TLS.(*net.TCPAddr).Port)
	if ws := c.Welcome.ICEServers; len(ws) != 1 || len(ws[0].URLs) != 3 || ws[0].URLs[2] != want {
		t.Fatalf("welcome ICE servers %+v, want %s among them", ws, want)
	}
	conn, err := tls.Dial("tcp", a.Relay.TLS.String(), &tls.Config{InsecureSkipVerify: true}) // the test's self-signed certificate
	if err != nil {
		t.Fatalf("TLS to the relay: %v", err)
	}
	conn.Close()
}
