package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func staticServer(t *testing.T) (*httptest.Server, []byte) {
	t.Helper()
	js := []byte(strings.Repeat("export const greeting = 'ciao';\n", 200))
	files := fstest.MapFS{
		"js/app.js":  {Data: js},
		"room.html":  {Data: []byte("<!doctype html><html><title>x</title></html>")},
		"img/a.png":  {Data: []byte{0x89, 'P', 'N', 'G'}},
		"css/a.css":  {Data: []byte("body{}")},
		"index.html": {Data: []byte("<html></html>")},
	}
	srv := httptest.NewServer(New(Options{Static: files}))
	t.Cleanup(srv.Close)
	return srv, js
}

// do sends a request with the given headers through a client that does
// not decompress, so the test sees what the browser gets.
func do(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestStaticFilesRevalidate(t *testing.T) {
	srv, js := staticServer(t)
	resp, body := do(t, srv.URL+"/static/js/app.js")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !bytes.Equal(body, js) || etag == "" {
		t.Fatalf("first load: %d, %d bytes, ETag %q", resp.StatusCode, len(body), etag)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q: an upgrade must be picked up at once", cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type %q", ct)
	}
	resp, body = do(t, srv.URL+"/static/js/app.js", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("revalidation: %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
	resp, _ = do(t, srv.URL+"/static/js/app.js", "If-None-Match", `"stale"`)
	if resp.StatusCode != 200 {
		t.Errorf("stale ETag: %d, want the file", resp.StatusCode)
	}
	// The room page revalidates the same way.
	resp, _ = do(t, srv.URL+"/r/some-room")
	if tag := resp.Header.Get("ETag"); tag == "" {
		t.Error("room page has no ETag")
	} else if resp, _ = do(t, srv.URL+"/r/some-room", "If-None-Match", tag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("room page revalidation: %d", resp.StatusCode)
	}
}

func TestStaticFilesGzip(t *testing.T) {
	srv, js := staticServer(t)
	resp, body := do(t, srv.URL+"/static/js/app.js", "Accept-Encoding", "br, gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body) >= len(js)/2 {
		t.Fatalf("Content-Encoding %q, %d bytes of %d", resp.Header.Get("Content-Encoding"), len(body), len(js))
	}
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d for a %d-byte gzip body", resp.ContentLength, len(body))
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding: a shared cache could hand gzip to a client that cannot read it")
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, js) {
		t.Fatal("the gzip body is not the file")
	}
	gzTag := resp.Header.Get("ETag")
	idResp, _ := do(t, srv.URL+"/static/js/app.js")
	if gzTag == idResp.Header.Get("ETag") {
		t.Error("the gzip and plain bodies share an ETag")
	}
	if resp, _ := do(t, srv.URL+"/static/js/app.js", "Accept-Encoding", "gzip", "If-None-Match", gzTag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("gzip revalidation: %d", resp.StatusCode)
	}
	for _, hdr := range [][]string{
		{"Accept-Encoding", "gzip;q=0"},
		{"Accept-Encoding", "identity"},
		{"Accept-Encoding", "gzip", "Range", "bytes=0-9"},
	} {
		resp, body := do(t, srv.URL+"/static/js/app.js", hdr...)
		if resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%v: got %q", hdr, resp.Header.Get("Content-Encoding"))
		}
		if len(hdr) == 4 && (resp.StatusCode != http.StatusPartialContent || string(body) != string(js[:10])) {
			t.Errorf("range: %d %q", resp.StatusCode, body)
		}
	}
	// Small and binary files are sent as they are.
	for _, p := range []string{"/static/img/a.png", "/static/css/a.css"} {
		if resp, _ := do(t, srv.URL+p, "Accept-Encoding", "gzip"); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s compressed", p)
		}
	}
}

func TestStaticFilesUnknownPaths(t *testing.T) {
	srv, _ := staticServer(t)
	for _, p := range []string{"/static/", "/static/js/", "/static/js/nope.js", "/static/js/app.js/", "/static/%2e%2e/%2e%2e/etc/passwd"} {
		if resp, _ := do(t, srv.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}
