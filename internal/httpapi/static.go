package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// staticFile is one of the web client's files, ready to serve: its bytes,
// a gzip copy when that is smaller, and an ETag from its content.
type staticFile struct {
	name string
	raw  []byte
	gz   []byte // nil: not worth compressing
	etag string
}

// staticSet holds the web client's files. They are embedded in the
// binary, so they are read, hashed and compressed once at start.
//
// Why ETags: an embedded file has no modification time, so without one a
// browser cannot revalidate and fetches every file in full on each page
// load; with one it gets a 304, and Chromium can reuse the scripts'
// compiled code from its cache. Why gzip: the client is ≈ 200 KB of
// JavaScript and CSS, a third of that compressed, which matters on a
// phone's mobile connection.
type staticSet map[string]*staticFile

func loadStatic(files fs.FS) staticSet {
	set := staticSet{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		f := &staticFile{name: p, raw: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		if compressible(p) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(b)
			_ = zw.Close()
			if buf.Len() < len(b)*9/10 {
				f.gz = buf.Bytes()
			}
		}
		set[p] = f
		return nil
	})
	return set
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".js", ".css", ".html", ".svg", ".json", ".txt":
		return true
	}
	return false
}

// serve writes f with Cache-Control: no-cache (revalidate, so that an
// upgrade is picked up at once) and answers If-None-Match with 304.
func (f *staticFile) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	body, etag := f.raw, f.etag
	// A range of the compressed bytes is of no use to anyone: ranges get
	// the plain file.
	if f.gz != nil && r.Header.Get("Range") == "" && acceptsGzip(r) {
		body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		h.Set("Content-Encoding", "gzip")
		// ServeContent leaves the length out of an encoded body, which
		// would then go chunked; the whole gzip copy is sent, so it is known.
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	h.Set("ETag", etag)
	if ct := contentType(f.name); ct != "" {
		h.Set("Content-Type", ct)
	}
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if q, err := strconv.ParseFloat(v, 64); strings.EqualFold(k, "q") && err == nil && q == 0 {
				return false // "gzip;q=0": not wanted
			}
		}
		return true
	}
	return false
}

// contentType is set here because http.ServeContent would sniff the
// compressed bytes.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	}
	return ""
}

// staticFiles serves the set under /static/ (the prefix already stripped).
func staticFiles(set staticSet) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := set[strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")]
		if !ok || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		f.serve(w, r)
	})
}
