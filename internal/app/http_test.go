package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/signal"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPagesAndHeaders(t *testing.T) {
	a, base := apptest.Start(t)
	apptest.AddRoom(t, a, "locked", 10, "9876")

	resp, body := get(t, base+"/healthz")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
	for _, path := range []string{"/", "/r/demo", "/r/does-not-exist"} {
		resp, body := get(t, base+path)
		if resp.StatusCode != 200 || !strings.Contains(body, "<html") {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		// GDPR: the pages load nothing from other origins.
		for _, bad := range []string{"http://", "https://", "//fonts.", "//cdn"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s references another origin (%q)", path, bad)
			}
		}
	}
	if resp, _ := get(t, base+"/static/"); resp.StatusCode != 404 {
		t.Errorf("directory listing of /static/: %d", resp.StatusCode)
	}

	var info struct {
		Slug        string `json:"slug"`
		Title       string `json:"title"`
		PINRequired bool   `json:"pinRequired"`
		Capacity    int    `json:"capacity"`
	}
	resp, body = get(t, base+"/api/v1/public/rooms/locked")
	if err := json.Unmarshal([]byte(body), &info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("public room: %d %s", resp.StatusCode, body)
	}
	if !info.PINRequired || info.Capacity != 10 || info.Slug != "locked" {
		t.Errorf("public room info %+v", info)
	}
	if strings.Contains(body, "9876") {
		t.Error("public room info leaks the PIN")
	}
	resp, body = get(t, base+"/api/v1/public/rooms/nope")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown room: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestWebSocketRefusesOtherOrigins(t *testing.T) {
	_, base := apptest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil {
		t.Fatal("cross-origin WebSocket accepted")
	}
	if resp != nil && resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin upgrade: status %d, want 403", resp.StatusCode)
	}
}

// rawConn is a signalling connection that sends whatever the test wants.
func rawConn(t *testing.T, base string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {base}}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func readMsg(t *testing.T, c *websocket.Conn) (signal.Envelope, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var env signal.Envelope
	_, b, err := c.Read(ctx)
	if err != nil {
		return env, err
	}
	return env, json.Unmarshal(b, &env)
}

func expectError(t *testing.T, c *websocket.Conn, code string) {
	t.Helper()
	env, err := readMsg(t, c)
	if err != nil {
		t.Fatalf("waiting for error %s: %v", code, err)
	}
	var e signal.Error
	_ = json.Unmarshal(env.Data, &e)
	if env.Type != signal.TypeError || e.Code != code {
		t.Fatalf("got %s %s, want error %s", env.Type, env.Data, code)
	}
}

func write(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestSignallingSurvivesGarbage(t *testing.T) {
	a, base := apptest.Start(t)

	// Bad messages get an error and the connection stays usable.
	c := rawConn(t, base)
	write(t, c, `{"type":`)
	expectError(t, c, signal.CodeBadMessage)
	write(t, c, `{"type":"offer","data":{"pc":"publish","sdp":"v=0"}}`)
	expectError(t, c, signal.CodeNotJoined)
	write(t, c, `{"type":"join","data":{"version":1,"room":"demo","name":"Ok"}}`)
	env, err := readMsg(t, c)
	if err != nil || env.Type != signal.TypeWelcome {
		t.Fatalf("join after garbage: %v %s", err, env.Type)
	}
	// A malformed SDP is refused without harming the meeting.
	write(t, c, `{"type":"offer","data":{"pc":"publish","sdp":"this is not sdp"}}`)
	for {
		env, err := readMsg(t, c)
		if err != nil {
			t.Fatal(err)
		}
		if env.Type == signal.TypeError {
			break
		}
	}
	if a.Rooms.Count("demo") != 1 {
		t.Fatal("participant lost after a bad offer")
	}

	// An oversized message is refused with its own code.
	big := rawConn(t, base)
	write(t, big, `{"type":"ping","data":{"x":"`+strings.Repeat("a", signal.MaxMessageBytes)+`"}}`)
	expectError(t, big, signal.CodeTooLarge)

	// A client that keeps sending garbage is cut off.
	g := rawConn(t, base)
	for i := 0; i < 25; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := g.Write(ctx, websocket.MessageText, []byte("garbage"))
		cancel()
		if err != nil {
			break
		}
	}
	closed := false
	for i := 0; i < 30; i++ {
		if _, err := readMsg(t, g); err != nil {
			closed = true
			break
		}
	}
	if !closed {
		t.Fatal("garbage sender still connected")
	}
	// The room did not notice any of it.
	if a.Rooms.Count("demo") != 1 {
		t.Fatalf("room count %d after garbage, want 1", a.Rooms.Count("demo"))
	}
}

func TestVersionMismatch(t *testing.T) {
	_, base := apptest.Start(t)
	c := rawConn(t, base)
	write(t, c, `{"type":"join","data":{"version":99,"room":"demo","name":"Old"}}`)
	expectError(t, c, signal.CodeVersionMismatch)
}
