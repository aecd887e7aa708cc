// Package files keeps the documents shared in meetings: one folder per
// room under <data>/files/<room>/, each file stored under a random id that
// never comes from the client (no path traversal, no overwriting), with a
// JSON sidecar for its name, type and uploader. Limits apply per file and
// per organisation. Downloads go through short-lived links signed with a
// server key kept in the data folder (see link.go).
//
// An S3-compatible backend is a TODO: the Store methods are the seam.
package files

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Errors, each with a message fit to show the person uploading.
var (
	ErrTooLarge  = errors.New("the file is larger than the limit")
	ErrOrgFull   = errors.New("the organisation's storage for documents is full")
	ErrDisguised = errors.New("the file's content does not match its name")
	ErrEmpty     = errors.New("the file is empty")
	ErrNotFound  = errors.New("no such file")
)

// Options are the operator's limits.
type Options struct {
	MaxFile   int64         // bytes per file
	MaxOrg    int64         // bytes per organisation, all rooms together
	Retention time.Duration // files older than this are deleted; 0 keeps them
	LinkTTL   time.Duration // how long a download link works
}

// File describes one stored document.
type File struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Type   string    `json:"type"` // detected from the bytes
	Size   int64     `json:"size"`
	By     string    `json:"by"`     // participant id of the uploader
	ByName string    `json:"byName"` // their display name then
	At     time.Time `json:"at"`
	Org    string    `json:"org,omitempty"`
}

// Store keeps documents on the local disk.
type Store struct {
	root string
	key  []byte
	opts Options

	mu sync.Mutex // serialises quota checks and commits
}

var (
	roomRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	idRe   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// Open prepares <data>/files and the link-signing key <data>/files.key.
func Open(data string, o Options) (*Store, error) {
	if o.LinkTTL == 0 {
		o.LinkTTL = 5 * time.Minute
	}
	root := filepath.Join(data, "files")
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	key, err := loadKey(filepath.Join(data, "files.key"))
	if err != nil {
		return nil, err
	}
	return &Store{root: root, key: key, opts: o}, nil
}

// Limits returns the options in force.
func (s *Store) Limits() Options { return s.opts }

func (s *Store) dir(room string) (string, error) {
	if !roomRe.MatchString(room) {
		return "", ErrNotFound
	}
	return filepath.Join(s.root, room), nil
}

// Save stores the content of r as a new document of room, named name
// (cleaned; only shown, never used as a path), for organisation org.
func (s *Store) Save(room, org, name string, r io.Reader, by, byName string) (File, error) {
	dir, err := s.dir(room)
	if err != nil {
		return File{}, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return File{}, err
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return File{}, err
	}
	defer os.Remove(tmp.Name()) // after a successful link this removes only the temp name
	defer tmp.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if _, err := tmp.Write(head); err != nil {
		return File{}, err
	}
	rest, err := io.Copy(tmp, io.LimitReader(r, s.opts.MaxFile+1-int64(n)))
	if err != nil {
		return File{}, fmt.Errorf("upload interrupted: %w", err)
	}
	size := int64(n) + rest
	switch {
	case size == 0:
		return File{}, ErrEmpty
	case size > s.opts.MaxFile:
		return File{}, ErrTooLarge
	}
	name = CleanName(name)
	typ, err := checkType(name, head)
	if err != nil {
		return File{}, err
	}
	if err := tmp.Sync(); err != nil {
		return File{}, err
	}
	f := File{ID: randomID(), Name: name, Type: typ, Size: size, By: by, ByName: byName, At: time.Now().UTC(), Org: org}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.MaxOrg > 0 {
		used, err := s.usage(org)
		if err != nil {
			return File{}, err
		}
		if used+size > s.opts.MaxOrg {
			return File{}, ErrOrgFull
		}
	}
	// Link fails if the name exists: a document is never overwritten.
	if err := os.Link(tmp.Name(), filepath.Join(dir, f.ID)); err != nil {
		return File{}, err
	}
	if err := writeMeta(filepath.Join(dir, f.ID+".json"), f); err != nil {
		os.Remove(filepath.Join(dir, f.ID))
		return File{}, err
	}
	return f, nil
}

func writeMeta(path string, f File) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// usage sums the sizes of org's documents in every room.
func (s *Store) usage(org string) (int64, error) {
	metas, err := filepath.Glob(filepath.Join(s.root, "*", "*.json"))
	if err != nil {
		return 0, err
	}
	var total int64
	for _, m := range metas {
		if f, err := readMeta(m); err == nil && f.Org == org {
			total += f.Size
		}
	}
	return total, nil
}

func readMeta(path string) (File, error) {
	var f File
	b, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(b, &f)
}

// List returns room's documents, oldest first.
func (s *Store) List(room string) ([]File, error) {
	dir, err := s.dir(room)
	if err != nil {
		return nil, err
	}
	metas, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	out := make([]File, 0, len(metas))
	for _, m := range metas {
		if f, err := readMeta(m); err == nil && idRe.MatchString(f.ID) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// Get returns a document's description.
func (s *Store) Get(room, id string) (File, error) {
	dir, err := s.dir(room)
	if err != nil || !idRe.MatchString(id) {
		return File{}, ErrNotFound
	}
	f, err := readMeta(filepath.Join(dir, id+".json"))
	if err != nil {
		return File{}, ErrNotFound
	}
	return f, nil
}

// Open returns a document and its content.
func (s *Store) Open(room, id string) (File, *os.File, error) {
	f, err := s.Get(room, id)
	if err != nil {
		return File{}, nil, err
	}
	fh, err := os.Open(filepath.Join(s.root, room, id))
	if err != nil {
		return File{}, nil, ErrNotFound
	}
	return f, fh, nil
}

// Delete removes a document.
func (s *Store) Delete(room, id string) error {
	if _, err := s.Get(room, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	os.Remove(filepath.Join(s.root, room, id+".json"))
	return os.Remove(filepath.Join(s.root, room, id))
}

// Sweep deletes documents older than the retention period and returns
// how many went.
func (s *Store) Sweep(now time.Time) int {
	if s.opts.Retention <= 0 {
		return 0
	}
	metas, _ := filepath.Glob(filepath.Join(s.root, "*", "*.json"))
	n := 0
	for _, m := range metas {
		f, err := readMeta(m)
		if err != nil || now.Sub(f.At) < s.opts.Retention {
			continue
		}
		if s.Delete(filepath.Base(filepath.Dir(m)), f.ID) == nil {
			n++
		}
	}
	return n
}

// CleanName makes a display name of an uploaded file name: the last path
// element, no control characters, at most 200 characters.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.TrimLeft(name, "."))
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		name = "file"
	}
	return name
}
