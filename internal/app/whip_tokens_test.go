package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/config"
)

// TestWHIPTokensPersist: a token made by a moderator is listed for
// moderators only, recorded in the moderation log, still valid after a
// restart (hashed in the store), and refused once revoked.
func TestWHIPTokensPersist(t *testing.T) {
	dir := t.TempDir()
	data := func(c *config.Config) { c.Data = dir }
	a, base := apptest.StartConfig(t, data, app.Options{})
	apptest.AddRoom(t, a, "aula", 10, "")
	host := join(t, base, "aula", "Sindaca", nil)
	defer host.Close()
	guest := join(t, base, "aula", "Ospite", nil)
	defer guest.Close()
	api := base + "/api/v1/rooms/aula/whip-tokens"

	code, b := doReq(t, http.MethodPost, api, host.Welcome.ResumeToken, []byte(`{"label":"Aula magna","hours":2}`), nil)
	var tok struct {
		ID    int64
		Token string
	}
	if err := json.Unmarshal(b, &tok); err != nil || code != http.StatusCreated || tok.ID == 0 {
		t.Fatalf("create: %d %s", code, b)
	}
	if code, _ := doReq(t, http.MethodGet, api, guest.Welcome.ResumeToken, nil, nil); code != http.StatusForbidden {
		t.Fatalf("list by a participant: %d", code)
	}
	code, b = doReq(t, http.MethodGet, api, host.Welcome.ResumeToken, nil, nil)
	if code != http.StatusOK || !strings.Contains(string(b), `"label":"Aula magna"`) || strings.Contains(string(b), tok.Token) || strings.Contains(string(b), "hash") {
		t.Fatalf("list: %d %s", code, b)
	}
	log := a.Rooms.Room("aula").ModerationLog()
	if len(log) != 1 || log[0].Action != "whip_token" || log[0].ByName != "Sindaca" || !strings.Contains(log[0].Detail, "Aula magna") {
		t.Fatalf("moderation log %+v", log)
	}

	// A second process on the same data folder knows the token.
	_, base2 := apptest.StartConfig(t, data, app.Options{})
	if code := whipPost(t, base2, tok.Token); code != http.StatusCreated {
		t.Fatalf("publish after restart: %d", code)
	}

	revoke := fmt.Sprintf("%s/%d", api, tok.ID)
	if code, _ := doReq(t, http.MethodDelete, revoke, guest.Welcome.ResumeToken, nil, nil); code != http.StatusForbidden {
		t.Fatalf("revoke by a participant: %d", code)
	}
	if code, b := doReq(t, http.MethodDelete, revoke, host.Welcome.ResumeToken, nil, nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", code, b)
	}
	if code, _ := doReq(t, http.MethodDelete, api+"/999", host.Welcome.ResumeToken, nil, nil); code != http.StatusNotFound {
		t.Fatalf("revoke unknown: %d", code)
	}
	if code := whipPost(t, base, tok.Token); code != http.StatusUnauthorized {
		t.Fatalf("publish with a revoked token: %d", code)
	}
	if log := a.Rooms.Room("aula").ModerationLog(); len(log) != 2 || log[1].Action != "whip_revoke" {
		t.Fatalf("moderation log %+v", log)
	}
}

// whipPost publishes a VP8 offer from a Pion client and returns the
// status.
func whipPost(t *testing.T, base, token string) int {
	t.Helper()
	pc, _ := videoEncoder(t, webrtc.Configuration{})
	res := postOffer(t, base+"/whip/aula", token, pc.LocalDescription().SDP)
	res.Body.Close()
	return res.StatusCode
}

// videoEncoder is a Pion WHIP encoder sending VP8 under cfg, its offer
// complete (gathering done); it closes when the test ends.
func videoEncoder(t *testing.T, cfg webrtc.Configuration) (*webrtc.PeerConnection, *webrtc.TrackLocalStaticRTP) {
	t.Helper()
	api, err := client.NewAPI()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(cfg)
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
	return pc, video
}

// postOffer POSTs an SDP offer to a WHIP endpoint with a bearer token.
func postOffer(t *testing.T, url, token, sdp string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(sdp))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
