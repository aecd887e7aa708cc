package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
)

// lecture joins a teacher (the host: the first in) and a student who
// records what reaches it to room "lecture"; both leave when the test ends.
func lecture(t *testing.T, base string) (*client.Client, *media) {
	t.Helper()
	host := join(t, base, "lecture", "Teacher", nil)
	t.Cleanup(host.Close)
	student := &media{name: "Student", received: map[string]map[string]int{}}
	student.c = join(t, base, "lecture", "Student", student.onTrack)
	t.Cleanup(student.c.Close)
	return host, student
}

// whipToken is an encoder token and its endpoint path.
type whipToken struct{ Token, URL string }

// encoderToken has the host create a WHIP token labelled label.
func encoderToken(t *testing.T, base string, host *client.Client, label string) whipToken {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"label": label})
	code, b := doReq(t, http.MethodPost, base+"/api/v1/rooms/lecture/whip-tokens", host.Welcome.ResumeToken, body, nil)
	var tok whipToken
	if err := json.Unmarshal(b, &tok); err != nil || code != http.StatusCreated {
		t.Fatalf("token: %d %s", code, b)
	}
	return tok
}

// TestWHIPPublish: a host creates an encoder token; a Pion client
// publishes VP8 and Opus with one WHIP POST; the meeting's participants
// see "Lecture hall" join and receive both; DELETE ends it.
func TestWHIPPublish(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "lecture", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	host, student := lecture(t, base)
	// Only a moderator may create a token.
	if code, _ := doReq(t, http.MethodPost, base+"/api/v1/rooms/lecture/whip-tokens", student.c.Welcome.ResumeToken, []byte(`{}`), nil); code != http.StatusForbidden {
		t.Fatalf("token by a participant: %d", code)
	}
	tok := encoderToken(t, base, host, "Lecture hall")

	api, err := client.NewAPI()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	video, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "encoder")
	audio, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "encoder")
	for _, tr := range []webrtc.TrackLocal{video, audio} {
		if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered

	post := func(token string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, base+tok.URL, strings.NewReader(pc.LocalDescription().SDP))
		req.Header.Set("Content-Type", "application/sdp")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := post("cwhip_wrong"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", res.StatusCode)
	}
	res := post(tok.Token)
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusCreated || res.Header.Get("Content-Type") != "application/sdp" || loc == "" {
		t.Fatalf("publish: %d %q %s", res.StatusCode, loc, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatal(err)
	}
	encoderID := path.Base(loc)

	d, err := student.c.WaitEvent(ctx, signal.TypeParticipantJoined, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pj signal.Participant
	_ = json.Unmarshal(d, &pj)
	if pj.ID != encoderID || pj.Name != "Lecture hall" {
		t.Fatalf("encoder joined as %+v, want %s Lecture hall", pj, encoderID)
	}
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := uint16(0); ctx.Err() == nil; i++ {
			<-tick.C
			a := append([]byte{0xfc}, []byte(encoderID+"/audio/")...)
			_ = audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i, Timestamp: uint32(i) * 960, Marker: true}, Payload: a})
			v := append([]byte{0x10, 0x00}, []byte(encoderID+"/video/")...)
			_ = video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i, Timestamp: uint32(i) * 3000, Marker: true}, Payload: v})
		}
	}()
	if _, err := student.c.WaitEvent(ctx, signal.TypeTrackPublished, func(d json.RawMessage) bool {
		var tr signal.Track
		return json.Unmarshal(d, &tr) == nil && tr.ParticipantID == encoderID && tr.Source == "media"
	}); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"video", "audio"} {
		waitFor(t, "encoder "+kind, 15*time.Second, func() bool { return student.count(encoderID, kind) > 20 })
	}

	// DELETE ends the session: the encoder leaves the meeting.
	req, _ := http.NewRequest(http.MethodDelete, base+loc, bytes.NewReader(nil))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("delete: %v %v", res, err)
	}
	if _, err := student.c.WaitEvent(ctx, signal.TypeParticipantLeft, func(d json.RawMessage) bool {
		return strings.Contains(string(d), encoderID)
	}); err != nil {
		t.Fatal(err)
	}
}
