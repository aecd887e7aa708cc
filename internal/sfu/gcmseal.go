package sfu

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/pion/srtp/v3"
)

// gcmSRTP is SRTP with the AEAD profiles browsers negotiate first
// (RFC 7714), for the direct paths: it encrypts forwarded RTP on the send
// path (srtpout.go) and decrypts publishers' RTP on the receive path
// (srtpin.go, layer.openDirect). It does what Pion's srtp.Context does
// for them, minus two things the caller already has: the rollover count
// (rocTracker) and the per-SSRC state the context keeps in a map. That
// lookup, cold in the cache for each of many subscribers, and the
// rollover bookkeeping were 7 % of the server's CPU in the 10 × 40
// benchmark; the cipher itself is the standard library's AES-GCM. Other
// profiles (AES-CM with HMAC-SHA1) and RFC 9335 encrypted header
// extensions stay with Pion's context.
type gcmSRTP struct {
	aead cipher.AEAD
	salt [12]byte
	iv   [12]byte
}

// state is where the AEAD keeps its keys: the data word of the
// interface value (prefetchFanOut). aead never changes after
// newGCMSRTP.
func (g *gcmSRTP) state() unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&g.aead))[1]
}

// gcmTagLen is the authentication tag both AEAD profiles append.
const gcmTagLen = 16

// newGCMSRTP derives the SRTP session key and salt from the master
// key and salt; nil, nil for a profile it does not handle.
func newGCMSRTP(profile srtp.ProtectionProfile, masterKey, masterSalt []byte) (*gcmSRTP, error) {
	switch profile {
	case srtp.ProtectionProfileAeadAes128Gcm, srtp.ProtectionProfileAeadAes256Gcm:
	default:
		return nil, nil
	}
	if len(masterSalt) != 12 {
		return nil, errors.New("sfu: AEAD master salt is not 96 bits")
	}
	key, err := srtpKDF(0x00, masterKey, masterSalt, len(masterKey)) // SRTP encryption key
	if err != nil {
		return nil, err
	}
	salt, err := srtpKDF(0x02, masterKey, masterSalt, 12) // SRTP salting key
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	g := &gcmSRTP{aead: aead}
	copy(g.salt[:], salt)
	return g, nil
}

// srtpKDF is the key derivation of RFC 3711 §4.3 with a key derivation
// rate of 0, as WebRTC uses it: AES in counter mode under the master key,
// over the master salt with the label XORed into its eighth byte.
func srtpKDF(label byte, masterKey, masterSalt []byte, n int) ([]byte, error) {
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	var in [16]byte
	copy(in[:], masterSalt)
	in[7] ^= label
	out := make([]byte, (n+15)/16*16)
	for i := 0; i*16 < n; i++ {
		binary.BigEndian.PutUint16(in[14:], uint16(i))
		block.Encrypt(out[i*16:], in[:])
	}
	return out[:n], nil
}

// seal encrypts pkt in place: its first hdrLen bytes are the RTP header
// (authenticated, not encrypted), the rest the payload. pkt must have
// room for the tag after it; the result is pkt extended by the tag.
func (g *gcmSRTP) seal(pkt []byte, hdrLen int, ssrc, roc uint32, seq uint16) []byte {
	g.nonce(&g.iv, ssrc, roc, seq)
	return g.aead.Seal(pkt[:hdrLen], g.iv[:], pkt[hdrLen:], pkt[:hdrLen])
}

// open authenticates and decrypts pkt in place: the receive side of seal.
// The result is the RTP packet without the tag. iv is the caller's
// scratch: one connection's streams are opened concurrently.
func (g *gcmSRTP) open(pkt []byte, hdrLen int, ssrc, roc uint32, seq uint16, iv *[12]byte) ([]byte, error) {
	if len(pkt) < hdrLen+gcmTagLen {
		return nil, errShortSRTP
	}
	g.nonce(iv, ssrc, roc, seq)
	plain, err := g.aead.Open(pkt[hdrLen:hdrLen], iv[:], pkt[hdrLen:], pkt[:hdrLen])
	if err != nil {
		return nil, err
	}
	return pkt[:hdrLen+len(plain)], nil
}

// nonce is RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt.
func (g *gcmSRTP) nonce(iv *[12]byte, ssrc, roc uint32, seq uint16) {
	iv[0], iv[1] = 0, 0
	binary.BigEndian.PutUint32(iv[2:], ssrc)
	binary.BigEndian.PutUint32(iv[6:], roc)
	binary.BigEndian.PutUint16(iv[10:], seq)
	for i := range iv {
		iv[i] ^= g.salt[i]
	}
}

var errShortSRTP = errors.New("sfu: SRTP packet shorter than its header and tag")

// rtpHeaderLen is the length of the RTP header at the start of b: the
// fixed part, the CSRCs and the header extension; false if b is shorter.
func rtpHeaderLen(b []byte) (int, bool) {
	if len(b) < 12 {
		return 0, false
	}
	n := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < n+4 {
			return 0, false
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
	}
	return n, len(b) >= n
}
