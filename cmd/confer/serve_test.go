package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/signal"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var urlLine = regexp.MustCompile(`open (http://\S+)`)

// startServe runs `confer serve` as the binary would and returns its URL.
func startServe(t *testing.T, ctx context.Context, data string) (string, *syncBuffer, chan int) {
	t.Helper()
	return startServeEnv(t, ctx, data, func(string) string { return "" })
}

// startServeEnv is startServe with CONFER_* variables from env.
func startServeEnv(t *testing.T, ctx context.Context, data string, env func(string) string) (string, *syncBuffer, chan int) {
	t.Helper()
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--http", "127.0.0.1:0", "--media-port", "0", "--dev", "--log-level", "error"}, env, out, out)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlLine.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, done
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no address: %s", out.String())
	return "", nil, nil
}

func TestServeStartsAndStopsCleanly(t *testing.T) {
	data := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	base, out, done := startServe(t, ctx, data)
	if !strings.Contains(out.String(), "/r/demo") || !strings.Contains(out.String(), "password (shown only now)") {
		t.Fatalf("first start should print the demo link and the admin password:\n%s", out.String())
	}

	jctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Join(jctx, base, "demo", client.Options{Name: "Last one"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	stop() // what SIGTERM does through signal.NotifyContext
	data2, err := c.WaitEvent(jctx, signal.TypeBye, nil)
	if err != nil {
		t.Fatalf("no bye on shutdown: %v", err)
	}
	var bye signal.Bye
	_ = json.Unmarshal(data2, &bye)
	if bye.Reason != "shutdown" {
		t.Errorf("bye reason %q, want shutdown", bye.Reason)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited with %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}

	// A second start on the same data keeps the admin and prints no password.
	ctx2, stop2 := context.WithCancel(context.Background())
	defer stop2()
	_, out2, done2 := startServe(t, ctx2, data)
	if strings.Contains(out2.String(), "password") {
		t.Errorf("second start printed a password again:\n%s", out2.String())
	}
	stop2()
	<-done2
}

func TestServeSelfSignedTLS(t *testing.T) {
	data := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--http", "127.0.0.1:0", "--media-port", "0", "--self-signed", "--log-level", "error"},
			func(string) string { return "" }, out, out)
	}()
	re := regexp.MustCompile(`open (https://\S+)`)
	var base string
	for i := 0; i < 300 && base == ""; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" {
		t.Fatalf("no https address printed: %s", out.String())
	}
	// The certificate is self-signed: trust exactly the one in the data folder.
	pemBytes, err := os.ReadFile(filepath.Join(data, "selfsigned-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(strings.Replace(base, "localhost", "127.0.0.1", 1) + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("healthz over TLS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	stop()
	<-done
}

// TestServeGivesTURNServers: an operator's relay, set in the environment,
// is named at start-up (the secret is not printed) and reaches browsers in
// the welcome with a credential minted for the participant.
func TestServeGivesTURNServers(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	env := map[string]string{"CONFER_ICE_SERVERS": "turns:turn.example.org:443?transport=tcp", "CONFER_TURN_SECRET": "never-printed-secret"}
	base, out, _ := startServeEnv(t, ctx, t.TempDir(), func(k string) string { return env[k] })
	if o := out.String(); !strings.Contains(o, "turns:turn.example.org:443?transport=tcp") || strings.Contains(o, "never-printed-secret") {
		t.Errorf("start-up output should name the relay and not its secret:\n%s", o)
	}
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.Join(jctx, base, "demo", client.Options{Name: "Al"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := c.Welcome.ICEServers
	if len(s) != 1 || s[0].URLs[0] != "turns:turn.example.org:443?transport=tcp" || !strings.HasSuffix(s[0].Username, ":"+c.ID()) || s[0].Credential == "" {
		t.Errorf("welcome ICE servers: %+v", s)
	}
}
