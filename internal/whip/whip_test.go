package whip

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/sfu"
	"github.com/pion/webrtc/v4"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// start serves WHIP for rooms "aula" (id 1) and "sala" (id 2).
func start(t *testing.T) (*Server, *room.Manager, string) {
	t.Helper()
	e, err := sfu.NewEngine(sfu.Config{Port: 0, Loopback: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	rooms := room.NewManager(e, room.Options{Logger: quiet})
	ids := map[string]int64{"aula": 1, "sala": 2}
	lookup := func(_ context.Context, slug string) (Room, error) {
		if ids[slug] == 0 {
			return Room{}, ErrNoToken
		}
		return Room{ID: ids[slug], Settings: room.Settings{Slug: slug, Capacity: 5, WhoMayShare: room.ShareEveryone}}, nil
	}
	s := New(rooms, lookup, nil, quiet)
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		rooms.Shutdown()
		_ = e.Close()
	})
	return s, rooms, srv.URL
}

// publish offers VP8 with a Pion client; it returns the response and the
// client PeerConnection (answer applied when the POST succeeded).
func publish(t *testing.T, url, token string) (*http.Response, *webrtc.PeerConnection) {
	t.Helper()
	api, err := client.NewAPI()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	video, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "encoder")
	if _, err := pc.AddTransceiverFromTrack(video, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(pc.LocalDescription().SDP))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusCreated {
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
			t.Fatal(err)
		}
	}
	return res, pc
}

func waitUntil(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func token(t *testing.T, s *Server, slug string, ttl time.Duration) (string, Token) {
	t.Helper()
	tok, tk, err := s.CreateToken(context.Background(), Grant{Room: slug, Label: "Aula magna", By: "Sindaca"}, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok, tk
}

func TestTokenChecks(t *testing.T) {
	s, _, base := start(t)
	ctx := context.Background()
	good, tk := token(t, s, "aula", time.Hour)
	if tk.ID == 0 || tk.Hash == good || tk.Hash != hash(good) || tk.RoomID != 1 || tk.CreatedBy != "Sindaca" {
		t.Fatalf("token record %+v", tk)
	}
	expired, _ := token(t, s, "aula", -time.Second)
	revoked, rk := token(t, s, "aula", time.Hour)
	if err := s.RevokeToken(ctx, "aula", rk.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "sala", tk.ID); err == nil {
		t.Fatal("revoked a token through another room")
	}
	for name, c := range map[string]struct{ url, tok string }{
		"expired": {"/whip/aula", expired}, "revoked": {"/whip/aula", revoked},
		"other room": {"/whip/sala", good}, "unknown": {"/whip/aula", "cwhip_x"}, "unknown room": {"/whip/nope", good},
	} {
		if res, _ := publish(t, base+c.url, c.tok); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, res.StatusCode)
		}
	}
	list, err := s.ListTokens(ctx, "aula")
	if err != nil || len(list) != 3 || !list[0].Revoked || list[2].ID != tk.ID {
		t.Fatalf("list %+v %v", list, err)
	}
	if res, _ := publish(t, base+"/whip/aula", good); res.StatusCode != http.StatusCreated {
		t.Fatalf("good token: %d", res.StatusCode)
	}
}

// A session whose participant leaves without a DELETE (failed or closed
// connection, removal, revoked token) disappears from the session list.
func TestSessionsForgotten(t *testing.T) {
	s, rooms, base := start(t)
	tok, tk := token(t, s, "aula", time.Hour)

	// The encoder's connection goes away: the server's PeerConnection
	// closes or fails and the encoder leaves.
	res, pc := publish(t, base+"/whip/aula", tok)
	if res.StatusCode != http.StatusCreated || len(s.Sessions("aula")) != 1 {
		t.Fatalf("publish %d sessions %v", res.StatusCode, s.Sessions("aula"))
	}
	waitUntil(t, "encoder connected", 10*time.Second, func() bool { return pc.ConnectionState() == webrtc.PeerConnectionStateConnected })
	pc.Close()
	start := time.Now()
	waitUntil(t, "session forgotten after the connection ended", 60*time.Second, func() bool { return len(s.Sessions("aula")) == 0 })
	t.Logf("forgotten %v after close", time.Since(start).Round(time.Millisecond))
	if rooms.Count("aula") != 0 {
		t.Fatalf("encoder still in the meeting: %d", rooms.Count("aula"))
	}

	// Removed by a moderator.
	mod, _, err := rooms.Join(room.Settings{Slug: "aula", Capacity: 5}, room.JoinRequest{Name: "Sindaca", Host: true}, nopListener{})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, base+"/whip/aula", tok)
	ids := s.Sessions("aula")
	if len(ids) != 1 {
		t.Fatalf("sessions %v", ids)
	}
	if err := mod.Moderate(room.Action{Name: "remove", Target: ids[0]}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "session forgotten after removal", 5*time.Second, func() bool { return len(s.Sessions("aula")) == 0 })

	// Revoking the token ends its encoders.
	publish(t, base+"/whip/aula", tok)
	if err := s.RevokeToken(context.Background(), "aula", tk.ID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "session ended by revocation", 5*time.Second, func() bool { return len(s.Sessions("aula")) == 0 && rooms.Count("aula") == 1 })
}

type nopListener struct{}

func (nopListener) ParticipantJoined(room.Info)                         {}
func (nopListener) ParticipantUpdated(room.Info)                        {}
func (nopListener) ParticipantLeft(string, string)                      {}
func (nopListener) TrackPublished(room.Track)                           {}
func (nopListener) TrackRemoved(room.Track)                             {}
func (nopListener) SubscriberOffer(string)                              {}
func (nopListener) ICECandidate(sfu.Direction, webrtc.ICECandidateInit) {}
func (nopListener) Closed(string)                                       {}
func (nopListener) Event(any)                                           {}
