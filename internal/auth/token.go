package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// APITokenPrefix marks confer API tokens so secret scanners and people
// recognise them.
const APITokenPrefix = "cft_"

// NewToken returns a random secret (prefix + 256 bits, URL-safe) and its
// HashToken. Store only the hash; hand the secret out once.
func NewToken(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken is the hex sha256 of a high-entropy secret. A fast hash is
// enough here (unlike passwords): the secret cannot be guessed.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}
