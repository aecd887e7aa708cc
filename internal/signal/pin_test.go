package signal

import (
	"fmt"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/ratelimit"
)

func TestPINGuessingSpreadOverAddressesIsStopped(t *testing.T) {
	s := NewServer(nil, nil, Options{
		PINLimiter:     ratelimit.New(time.Hour, 5),
		RoomPINLimiter: ratelimit.New(time.Hour, 30),
	})
	// 30 wrong guesses from 30 addresses: each address is far below its
	// own limit, but the room has had enough.
	for i := 0; i < 30; i++ {
		if code, _ := s.checkPIN(fmt.Sprintf("10.0.0.%d", i), "ward", "0000", "2468"); code != CodeWrongPIN {
			t.Fatalf("guess %d: %q", i, code)
		}
	}
	if code, _ := s.checkPIN("10.0.1.1", "ward", "1111", "2468"); code != CodeTooManyAttempts {
		t.Fatalf("after 30 wrong guesses: %q, want too_many_attempts", code)
	}
	// Another room is not affected.
	if code, _ := s.checkPIN("10.0.1.1", "lab", "9999", "9999"); code != "" {
		t.Fatalf("right PIN of another room: %q", code)
	}
}

func TestRightPINsDoNotUseUpAttempts(t *testing.T) {
	s := NewServer(nil, nil, Options{
		PINLimiter:     ratelimit.New(time.Hour, 2),
		RoomPINLimiter: ratelimit.New(time.Hour, 2),
	})
	for i := 0; i < 50; i++ {
		if code, _ := s.checkPIN("10.0.0.1", "ward", "2468", "2468"); code != "" {
			t.Fatalf("right PIN %d refused: %q", i, code)
		}
	}
}
