package files

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var pdf = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

func newStore(t *testing.T, o Options) (*Store, string) {
	t.Helper()
	data := t.TempDir()
	s, err := Open(data, o)
	if err != nil {
		t.Fatal(err)
	}
	return s, data
}

func TestSaveLimitsAndDisguise(t *testing.T) {
	s, _ := newStore(t, Options{MaxFile: 100, MaxOrg: 150})
	if _, err := s.Save("demo", "org", "big.txt", strings.NewReader(strings.Repeat("a", 101)), "p1", "A"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	if _, err := s.Save("demo", "org", "report.pdf", strings.NewReader("<html><script>alert(1)</script>"), "p1", "A"); !errors.Is(err, ErrDisguised) {
		t.Fatalf("HTML named .pdf: %v", err)
	}
	if _, err := s.Save("demo", "org", "photo.png", bytes.NewReader(pdf), "p1", "A"); !errors.Is(err, ErrDisguised) {
		t.Fatalf("PDF named .png: %v", err)
	}
	if _, err := s.Save("demo", "org", "empty.txt", strings.NewReader(""), "p1", "A"); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
	f, err := s.Save("demo", "org", "report.pdf", bytes.NewReader(pdf), "p1", "A")
	if err != nil || f.Type != "application/pdf" {
		t.Fatalf("good PDF: %+v %v", f, err)
	}
	// 49 + 60 > 100? no; then the org is over 150.
	if _, err := s.Save("other", "org", "a.txt", strings.NewReader(strings.Repeat("a", 60)), "p1", "A"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save("demo", "org", "b.txt", strings.NewReader(strings.Repeat("b", 60)), "p1", "A"); !errors.Is(err, ErrOrgFull) {
		t.Fatalf("over the org quota: %v", err)
	}
	if _, err := s.Save("demo", "another-org", "b.txt", strings.NewReader(strings.Repeat("b", 60)), "p1", "A"); err != nil {
		t.Fatalf("another org has its own quota: %v", err)
	}
}

func TestTraversalNamesAreHarmless(t *testing.T) {
	s, data := newStore(t, Options{MaxFile: 1000})
	for _, name := range []string{"../../etc/passwd", `..\..\x.txt`, "/abs/olute.txt", "..", "a\x00b.txt", ".hidden"} {
		f, err := s.Save("demo", "org", name, strings.NewReader("hello"), "p1", "A")
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if strings.ContainsAny(f.Name, `/\`+"\x00") || strings.HasPrefix(f.Name, ".") {
			t.Errorf("%q stored as name %q", name, f.Name)
		}
		if _, err := os.Stat(filepath.Join(data, "files", "demo", f.ID)); err != nil {
			t.Errorf("%q not stored in its room folder: %v", name, err)
		}
	}
	// Nothing outside the files folder.
	entries, _ := os.ReadDir(data)
	for _, e := range entries {
		if e.Name() != "files" && e.Name() != "files.key" {
			t.Errorf("unexpected %s in the data folder", e.Name())
		}
	}
	for _, room := range []string{"../x", "..", "a/b", ""} {
		if _, err := s.Save(room, "org", "a.txt", strings.NewReader("x"), "p", "A"); err == nil {
			t.Errorf("room %q accepted", room)
		}
	}
	for _, id := range []string{"../files.key", "..", "x"} {
		if _, _, err := s.Open("demo", id); !errors.Is(err, ErrNotFound) {
			t.Errorf("open id %q: %v", id, err)
		}
	}
}

func TestLinks(t *testing.T) {
	s, _ := newStore(t, Options{MaxFile: 1000, LinkTTL: time.Minute})
	f, err := s.Save("demo", "org", "a.txt", strings.NewReader("hello"), "p1", "A")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	exp, sig := s.Link("demo", f.ID, "p1", now)
	e := func(v int64) string { return strconv.FormatInt(v, 10) }
	if err := s.Verify("demo", f.ID, "p1", e(exp), sig, now); err != nil {
		t.Fatalf("good link: %v", err)
	}
	bad := []struct{ room, id, pid, exp, sig string }{
		{"other", f.ID, "p1", e(exp), sig},
		{"demo", f.ID, "p2", e(exp), sig},
		{"demo", f.ID, "p1", e(exp + 3600), sig},
		{"demo", f.ID, "p1", e(exp), strings.Repeat("0", 64)},
		{"demo", f.ID, "p1", "x", sig},
	}
	for _, b := range bad {
		if err := s.Verify(b.room, b.id, b.pid, b.exp, b.sig, now); !errors.Is(err, ErrBadLink) {
			t.Errorf("tampered %+v: %v", b, err)
		}
	}
	if err := s.Verify("demo", f.ID, "p1", e(exp), sig, now.Add(2*time.Minute)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	_, fh, err := s.Open("demo", f.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(fh)
	fh.Close()
	if string(b) != "hello" {
		t.Fatalf("content %q", b)
	}
}
