package files

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Link errors.
var (
	ErrBadLink = errors.New("this download link is not valid")
	ErrExpired = errors.New("this download link has expired; ask for a new one in the meeting")
)

// loadKey reads the signing key, creating it (owner-only) on first use.
// Keeping it in the data folder keeps links valid across restarts.
func loadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) == 64 {
		return hex.DecodeString(string(b))
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("files key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)), 0o600); err != nil {
		return nil, fmt.Errorf("files key: %w", err)
	}
	return key, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Link signs a download of document id in room for participant pid (the
// web layer also checks that pid is still in the meeting), valid until
// the returned Unix time.
func (s *Store) Link(room, id, pid string, now time.Time) (exp int64, sig string) {
	exp = now.Add(s.opts.LinkTTL).Unix()
	return exp, s.sign(room, id, pid, exp)
}

func (s *Store) sign(room, id, pid string, exp int64) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "confer-file\n%s\n%s\n%s\n%d", room, id, pid, exp)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a link's signature and expiry.
func (s *Store) Verify(room, id, pid, exp, sig string, now time.Time) error {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || len(sig) != 64 {
		return ErrBadLink
	}
	if !hmac.Equal([]byte(sig), []byte(s.sign(room, id, pid, e))) {
		return ErrBadLink
	}
	if now.Unix() > e {
		return ErrExpired
	}
	return nil
}
