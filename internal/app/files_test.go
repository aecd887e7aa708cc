package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/app"
	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/httpapi"
	"github.com/confer-dev/confer/internal/signal"
)

type fileInfo struct {
	ID, Name, Type string
	Size           int64
}

func doReq(t *testing.T, method, u, token string, body []byte, hdr map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	if token != "" {
		req.Header.Set(httpapi.ParticipantHeader, token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if method == http.MethodGet && strings.Contains(u, "/files/") && res.StatusCode == 200 {
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download headers %v", res.Header)
		}
	}
	return res.StatusCode, b
}

func upload(t *testing.T, base, room, token, name string, body []byte) (int, fileInfo) {
	t.Helper()
	code, b := doReq(t, http.MethodPost, base+"/api/v1/rooms/"+room+"/files", token, body,
		map[string]string{"X-File-Name": url.PathEscape(name), "Content-Type": "application/octet-stream"})
	var f fileInfo
	_ = json.Unmarshal(b, &f)
	return code, f
}

func linkFor(t *testing.T, base, room, token, id string) (int, string) {
	t.Helper()
	code, b := doReq(t, http.MethodPost, base+"/api/v1/rooms/"+room+"/files/"+id+"/link", token, nil, nil)
	var l struct{ URL string }
	_ = json.Unmarshal(b, &l)
	return code, l.URL
}

func TestDocuments(t *testing.T) {
	a, base := apptest.StartConfig(t, func(c *config.Config) { c.Files.MaxUploadMB = 1 }, app.Options{})
	apptest.AddRoom(t, a, "open", 10, "")
	apptest.AddRoom(t, a, "other", 10, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	anna := join(t, base, "open", "Anna", nil)
	defer anna.Close()
	bruno := join(t, base, "open", "Bruno", nil)
	defer bruno.Close()
	outsider := join(t, base, "other", "Outsider", nil)
	defer outsider.Close()
	tokA, tokB, tokX := anna.Welcome.ResumeToken, bruno.Welcome.ResumeToken, outsider.Welcome.ResumeToken

	pdf := []byte("%PDF-1.4\n% minutes of the council\n1 0 obj <<>> endobj\n%%EOF\n")
	code, f := upload(t, base, "open", tokA, "verbale.pdf", pdf)
	if code != http.StatusCreated || f.Type != "application/pdf" || f.Size != int64(len(pdf)) {
		t.Fatalf("upload: %d %+v", code, f)
	}
	// Everyone in the meeting is told.
	if _, err := bruno.WaitEvent(ctx, signal.TypeFileAdded, func(d json.RawMessage) bool {
		return strings.Contains(string(d), f.ID)
	}); err != nil {
		t.Fatal(err)
	}
	// Bruno gets a link and the same bytes.
	code, link := linkFor(t, base, "open", tokB, f.ID)
	if code != http.StatusOK {
		t.Fatalf("link: %d", code)
	}
	if code, b := doReq(t, http.MethodGet, base+link, "", nil, nil); code != 200 || !bytes.Equal(b, pdf) {
		t.Fatalf("download: %d, %d bytes", code, len(b))
	}

	// Refusals: no token, another room's participant, a tampered or
	// expired link, a link for another room.
	if code, _ := doReq(t, http.MethodGet, base+"/api/v1/rooms/open/files", "", nil, nil); code != http.StatusForbidden {
		t.Errorf("list without token: %d", code)
	}
	if code, _ := doReq(t, http.MethodGet, base+"/api/v1/rooms/open/files", tokX, nil, nil); code != http.StatusForbidden {
		t.Errorf("list by an outsider: %d", code)
	}
	if code, _ := linkFor(t, base, "open", tokX, f.ID); code != http.StatusForbidden {
		t.Errorf("link for an outsider: %d", code)
	}
	if code, _ := upload(t, base, "open", tokX, "x.txt", []byte("x")); code != http.StatusForbidden {
		t.Errorf("upload by an outsider: %d", code)
	}
	tampered := strings.Replace(link, "&s=", "&s=0", 1)
	tampered = tampered[:len(tampered)-1]
	for name, u := range map[string]string{
		"tampered signature": tampered,
		"other room":         strings.Replace(link, "/files/open/", "/files/other/", 1),
		"other participant":  strings.Replace(link, "p="+bruno.ID(), "p="+outsider.ID(), 1),
		"later expiry":       strings.Replace(link, "&e=", "&e=9", 1),
	} {
		if code, _ := doReq(t, http.MethodGet, base+u, "", nil, nil); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	exp, sig := a.Meeting.Files.Link("open", f.ID, bruno.ID(), time.Now().Add(-time.Hour))
	old := fmt.Sprintf("/files/open/%s?p=%s&e=%d&s=%s", f.ID, bruno.ID(), exp, sig)
	if code, _ := doReq(t, http.MethodGet, base+old, "", nil, nil); code != http.StatusGone {
		t.Errorf("expired link: %d, want 410", code)
	}
	// Once Bruno has left, his links stop working.
	bruno.Leave(ctx)
	waitFor(t, "Bruno gone", 5*time.Second, func() bool { return a.Rooms.Count("open") == 1 })
	if code, _ := doReq(t, http.MethodGet, base+link, "", nil, nil); code != http.StatusForbidden {
		t.Errorf("link of someone who left: %d", code)
	}

	// Oversized and disguised uploads are refused; traversal names are
	// only names.
	big := bytes.Repeat([]byte("a"), 1<<20+10)
	if code, _ := upload(t, base, "open", tokA, "big.txt", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", code)
	}
	if code, _ := upload(t, base, "open", tokA, "invoice.pdf", []byte("<!DOCTYPE html><script>alert(1)</script>")); code != http.StatusUnsupportedMediaType {
		t.Errorf("disguised: %d", code)
	}
	code, tf := upload(t, base, "open", tokA, "../../../confer.db", []byte("not a database"))
	if code != http.StatusCreated || strings.Contains(tf.Name, "/") || tf.Name != "confer.db" {
		t.Errorf("traversal name: %d %+v", code, tf)
	}
	code, b := doReq(t, http.MethodGet, base+"/api/v1/rooms/open/files", tokA, nil, nil)
	var list struct{ Files []fileInfo }
	_ = json.Unmarshal(b, &list)
	if code != 200 || len(list.Files) != 2 {
		t.Fatalf("list: %d %s", code, b)
	}
	// The outsider cannot delete; the uploader can.
	if code, _ := doReq(t, http.MethodDelete, base+"/api/v1/rooms/open/files/"+f.ID, tokX, nil, nil); code != http.StatusForbidden {
		t.Errorf("delete by outsider: %d", code)
	}
	if code, _ := doReq(t, http.MethodDelete, base+"/api/v1/rooms/open/files/"+f.ID, tokA, nil, nil); code != http.StatusNoContent {
		t.Errorf("delete by uploader: %d", code)
	}
	_ = client.Options{}
}
