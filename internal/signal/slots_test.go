package signal

import (
	"testing"

	"github.com/confer-dev/confer/internal/sfu"
)

// The slots message carries fromTs for a video slot that changed hands,
// including timestamp 0, and never for audio or a slot's first source.
func TestSlotsMessageFromTS(t *testing.T) {
	msg := slotsMsg([]sfu.SlotInfo{
		{Mid: "1", Kind: "video", TrackID: "pb-video-0", PeerID: "pb", From: 4294967295, HasFrom: true},
		{Mid: "2", Kind: "video", TrackID: "pc-video-0", PeerID: "pc", From: 0, HasFrom: true},
		{Mid: "3", Kind: "video", TrackID: "pd-video-0", PeerID: "pd"},
		{Mid: "4", Kind: "audio", TrackID: "pe-audio-0", PeerID: "pe", From: 7, HasFrom: true},
		{Mid: "5", Kind: "video"},
	})
	b, err := Encode(TypeSlots, msg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"slots","data":{"slots":[` +
		`{"mid":"1","kind":"video","trackId":"pb-video-0","participantId":"pb","fromTs":4294967295},` +
		`{"mid":"2","kind":"video","trackId":"pc-video-0","participantId":"pc","fromTs":0},` +
		`{"mid":"3","kind":"video","trackId":"pd-video-0","participantId":"pd"},` +
		`{"mid":"4","kind":"audio","trackId":"pe-audio-0","participantId":"pe"},` +
		`{"mid":"5","kind":"video","trackId":"","participantId":""}]}}`
	if string(b) != want {
		t.Fatalf("slots message\n got %s\nwant %s", b, want)
	}
}
