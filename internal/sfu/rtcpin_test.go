package sfu

import (
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/srtp/v3"
)

// A subscriber's SRTCP, as its browser would encrypt it, and what the
// media socket's reader makes of it: a genuine packet is dispatched once;
// a forged, truncated or replayed one is dropped without a panic.
func FuzzSRTCPIn(f *testing.F) {
	key, salt := make([]byte, 16), make([]byte, 12)
	for i := range key {
		key[i] = byte(i)
	}
	seal := func() *srtp.Context {
		c, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
		if err != nil {
			f.Fatal(err)
		}
		return c
	}
	sender := seal()
	pli, _ := (&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 42}).Marshal()
	genuine, err := sender.EncryptRTCP(nil, pli, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(genuine)
	f.Add([]byte{})
	f.Add([]byte{0x80, 200, 0, 1, 0, 0, 0, 1})
	f.Add(append([]byte(nil), genuine[:len(genuine)-3]...))
	forged := append([]byte(nil), genuine...)
	forged[10] ^= 0xff
	f.Add(forged)

	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm,
			srtp.SRTCPReplayProtection(srtcpReplayWindow))
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		in := &srtcpIn{ctx: ctx, handle: func(pkts []rtcp.Packet, _ []byte) {
			calls++
			if string(b) == string(genuine) {
				p, ok := pkts[0].(*rtcp.PictureLossIndication)
				if !ok || p.MediaSSRC != 42 {
					t.Fatalf("decrypted %v", pkts)
				}
			}
		}}
		in.readRTCP(b)
		in.readRTCP(b) // a replay is refused
		if string(b) == string(genuine) && calls != 1 {
			t.Fatalf("genuine packet dispatched %d times, want 1", calls)
		}
		if calls > 1 {
			t.Fatalf("dispatched %d times: replay accepted", calls)
		}
	})
}

func TestIsRTCP(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want bool
	}{
		{[]byte{0x80, 200, 0, 6, 0, 0, 0, 1}, true},               // SR
		{[]byte{0x81, 205, 0, 4, 0, 0, 0, 1}, true},               // NACK
		{[]byte{0x80, 96, 0, 1, 0, 0, 0, 1}, false},               // RTP, PT 96
		{[]byte{0x80, 0xe0, 0, 1, 0, 0, 0, 1}, false},             // RTP, marker + PT 96
		{[]byte{0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0}, false},          // DTLS
		{[]byte{0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42}, false}, // STUN
		{[]byte{0x80, 200}, false},
	} {
		if got := isRTCP(c.b); got != c.want {
			t.Errorf("isRTCP(% x) = %v", c.b, got)
		}
	}
}
