package sfu

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// What gcmSRTP encrypts, Pion's SRTP (which interoperates with the
// browsers) decrypts, for both AEAD profiles and across a
// sequence-number wrap; and it produces the very bytes Pion's own
// encryption does.
func TestGCMSealerInteroperatesWithPion(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile srtp.ProtectionProfile
		keyLen  int
	}{
		{"AEAD_AES_128_GCM", srtp.ProtectionProfileAeadAes128Gcm, 16},
		{"AEAD_AES_256_GCM", srtp.ProtectionProfileAeadAes256Gcm, 32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, salt := make([]byte, tc.keyLen), make([]byte, 12)
			_, _ = rand.Read(key)
			_, _ = rand.Read(salt)
			g, err := newGCMSRTP(tc.profile, key, salt)
			must(t, err)
			if g == nil {
				t.Fatal("no sealer for an AEAD profile")
			}
			dec, err := srtp.CreateContext(key, salt, tc.profile)
			must(t, err)
			enc, err := srtp.CreateContext(key, salt, tc.profile)
			must(t, err)
			var roc rocTracker
			const ssrc = 0x01020304
			for i := 0; i < 40; i++ {
				seq := uint16(65520 + i) // wraps after 16 packets
				p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq,
					Timestamp: uint32(i) * 3000, SSRC: ssrc, Marker: i%5 == 0}, Payload: bytes.Repeat([]byte{byte(i)}, 100+i)}
				if i%3 == 0 {
					must(t, p.SetExtension(3, []byte{1, 2, 3}))
				}
				plain, err := p.Marshal()
				must(t, err)
				buf := make([]byte, len(plain), len(plain)+gcmTagLen)
				copy(buf, plain)
				hdrLen := p.Header.MarshalSize()
				out := g.seal(buf, hdrLen, ssrc, roc.packetROC(seq), seq)

				want, err := enc.EncryptRTP(nil, plain, nil)
				must(t, err)
				if !bytes.Equal(out, want) {
					t.Fatalf("packet %d (seq %d): sealed bytes differ from Pion's", i, seq)
				}
				got, err := dec.DecryptRTP(nil, out, nil)
				if err != nil {
					t.Fatalf("packet %d (seq %d): Pion cannot decrypt: %v", i, seq, err)
				}
				if !bytes.Equal(got, plain) {
					t.Fatalf("packet %d: decrypted packet differs", i)
				}
			}
		})
	}
	if g, err := newGCMSRTP(srtp.ProtectionProfileAes128CmHmacSha1_80, make([]byte, 16), make([]byte, 14)); g != nil || err != nil {
		t.Fatalf("AES-CM profile: sealer %v, err %v; want none (Pion's context handles it)", g, err)
	}
}

func BenchmarkGCMSeal(b *testing.B) {
	key, salt := make([]byte, 16), make([]byte, 12)
	g, err := newGCMSRTP(srtp.ProtectionProfileAeadAes128Gcm, key, salt)
	if err != nil {
		b.Fatal(err)
	}
	ctx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		b.Fatal(err)
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 7}, Payload: make([]byte, 1100)}
	plain, _ := p.Marshal()
	buf := make([]byte, len(plain), len(plain)+gcmTagLen)
	var hdr rtp.Header
	b.Run("sealer", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			copy(buf, plain)
			g.seal(buf[:len(plain)], 12, 7, 0, uint16(i))
		}
	})
	b.Run("pion", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		out := make([]byte, 0, len(plain)+gcmTagLen)
		for i := 0; i < b.N; i++ {
			plain[2], plain[3] = byte(i>>8), byte(i)
			_, _ = ctx.EncryptRTP(out, plain, &hdr)
		}
	})
}
