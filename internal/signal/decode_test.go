package signal

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeValid(t *testing.T) {
	cases := []struct {
		in   string
		typ  string
		want any
	}{
		{`{"type":"join","data":{"version":1,"room":"demo","name":"Anna","pin":"1234"}}`, TypeJoin, &Join{Version: 1, Room: "demo", Name: "Anna", PIN: "1234"}},
		{`{"type":"offer","data":{"pc":"publish","sdp":"v=0"}}`, TypeOffer, &SDP{PC: PCPublish, SDP: "v=0"}},
		{`{"type":"answer","data":{"pc":"subscribe","sdp":"v=0"}}`, TypeAnswer, &SDP{PC: PCSubscribe, SDP: "v=0"}},
		{`{"type":"mute","data":{"kind":"video","muted":true}}`, TypeMute, &Mute{Kind: "video", Muted: true}},
		{`{"type":"ping"}`, TypePing, struct{}{}},
		{`{"type":"leave","data":{}}`, TypeLeave, struct{}{}},
	}
	for _, c := range cases {
		typ, msg, err := Decode([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if typ != c.typ {
			t.Errorf("%s: type %q, want %q", c.in, typ, c.typ)
		}
		got, _ := json.Marshal(msg)
		want, _ := json.Marshal(c.want)
		if string(got) != string(want) {
			t.Errorf("%s: got %s, want %s", c.in, got, want)
		}
	}
}

func TestDecodeSanitisesInvalidUTF8(t *testing.T) {
	_, msg, err := Decode([]byte("{\"type\":\"join\",\"data\":{\"version\":1,\"room\":\"a\",\"name\":\"A\xffB\"}}"))
	if err != nil {
		t.Fatal(err)
	}
	if name := msg.(*Join).Name; !utf8.ValidString(name) {
		t.Fatalf("name %q is not valid UTF-8", name)
	}
}

func TestDecodeRefuses(t *testing.T) {
	cases := map[string]string{
		"not json":          `{"type":`,
		"no type":           `{"data":{}}`,
		"unknown type":      `{"type":"launch_missiles","data":{}}`,
		"join without data": `{"type":"join"}`,
		"join data array":   `{"type":"join","data":[1,2]}`,
		"offer wrong pc":    `{"type":"offer","data":{"pc":"subscribe","sdp":"v=0"}}`,
		"answer empty sdp":  `{"type":"answer","data":{"pc":"subscribe","sdp":""}}`,
		"candidate bad pc":  `{"type":"candidate","data":{"pc":"other","candidate":"x"}}`,
		"mute bad kind":     `{"type":"mute","data":{"kind":"screen","muted":true}}`,
		"long room":         `{"type":"join","data":{"version":1,"room":"` + strings.Repeat("a", 200) + `","name":"x"}}`,
		"top-level array":   `[]`,
	}
	for name, in := range cases {
		if _, _, err := Decode([]byte(in)); err == nil {
			t.Errorf("%s: accepted %q", name, in)
		}
	}
	big := `{"type":"offer","data":{"pc":"publish","sdp":"` + strings.Repeat("x", MaxMessageBytes) + `"}}`
	if _, _, err := Decode([]byte(big)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized message: err %v, want ErrTooLarge", err)
	}
}

// FuzzDecode checks that no input makes the decoder panic and that whatever
// it accepts survives a round trip through Encode. Seeds live in
// testdata/fuzz/FuzzDecode and run with every go test.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"join","data":{"version":1,"room":"demo","name":"Anna"}}`,
		`{"type":"offer","data":{"pc":"publish","sdp":"v=0\r\n"}}`,
		`{"type":"candidate","data":{"pc":"subscribe","candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"mute","data":{"kind":"audio","muted":true}}`,
		`{"type":"ping"}`,
		`{"type":"join","data":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, msg, err := Decode(b)
		if err != nil {
			return
		}
		out, err := Encode(typ, msg)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", b, err)
		}
		typ2, _, err := Decode(out)
		if err != nil || typ2 != typ {
			t.Fatalf("round trip of %q: %q, %v", b, out, err)
		}
	})
}
