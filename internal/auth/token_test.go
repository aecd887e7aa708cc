package auth

import (
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	s1, h1 := NewToken(APITokenPrefix)
	s2, h2 := NewToken(APITokenPrefix)
	if !strings.HasPrefix(s1, "cft_") || len(s1) < 40 || s1 == s2 || h1 == h2 {
		t.Fatalf("tokens %q %q not random/prefixed", s1, s2)
	}
	if HashToken(s1) != h1 || len(h1) != 64 || strings.Contains(h1, s1) {
		t.Errorf("hash %q does not match", h1)
	}
}
