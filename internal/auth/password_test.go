package auth

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps most tests fast; one test exercises DefaultParams.
var cheap = Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashAndVerifyDefaultParams(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Errorf("hash %q lacks the expected PHC prefix", h)
	}
	if ok, err := VerifyPassword(h, "correct horse"); !ok || err != nil {
		t.Errorf("VerifyPassword(right) = %v, %v", ok, err)
	}
	if ok, err := VerifyPassword(h, "correct horsE"); ok || err != nil {
		t.Errorf("VerifyPassword(wrong) = %v, %v", ok, err)
	}
}

func TestSaltIsRandom(t *testing.T) {
	a, _ := HashPasswordWith("pw", cheap)
	b, _ := HashPasswordWith("pw", cheap)
	if a == b {
		t.Error("two hashes of the same password are equal; salt not random")
	}
	for _, h := range []string{a, b} {
		if ok, err := VerifyPassword(h, "pw"); !ok || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v", h, ok, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, _ := HashPasswordWith("pw", cheap)
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=1024,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=18$m=1024,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=1024,t=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=1024,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=1024,t=1,p=1$!!!$" + parts[5],
		"$argon2id$v=19$m=1024,t=1,p=1$" + parts[4] + "$short",
		good + "$extra",
	} {
		ok, err := VerifyPassword(h, "pw")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want ErrMalformedHash", h, ok, err)
		}
	}
}

func TestHashPasswordWithRejectsBadParams(t *testing.T) {
	if _, err := HashPasswordWith("pw", Params{}); err == nil {
		t.Error("zero params accepted")
	}
}

func TestRandomPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := RandomPassword()
		if len(p) != RandomPasswordLen {
			t.Fatalf("len(%q) = %d", p, len(p))
		}
		if strings.ContainsAny(p, "0Oo1lI") {
			t.Fatalf("%q contains an ambiguous character", p)
		}
		for _, c := range p {
			if !strings.ContainsRune(passwordAlphabet, c) {
				t.Fatalf("%q has %q outside the alphabet", p, c)
			}
		}
		if seen[p] {
			t.Fatalf("duplicate password %q", p)
		}
		seen[p] = true
	}
}
