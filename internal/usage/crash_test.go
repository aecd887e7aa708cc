package usage_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/client"
	"github.com/confer-dev/confer/internal/store/sqlite"
	"github.com/confer-dev/confer/internal/usage"
)

// serveProcess runs the real binary on data and returns its base URL.
func serveProcess(t *testing.T, bin, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--http", "127.0.0.1:0", "--media-port", "0", "--dev",
		"--usage-heartbeat", "1s")
	cmd.Env = append(os.Environ(), "CONFER_LOG_LEVEL=warn")
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "confer is running: open "); ok {
				urls <- u
			}
		}
	}()
	select {
	case u := <-urls:
		t.Setenv("CONFER_CRASH_BASE", u)
		return cmd
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	return nil
}

// TestCrashKill9: a server is killed with SIGKILL mid-meeting and
// restarted on the same data. Every session and the meeting are closed
// within one heartbeat (plus the whole-second rounding) of the kill,
// marked recovered; none is lost or counted twice.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "confer")
	build := exec.Command("go", "build", "-o", bin, "github.com/confer-dev/confer/cmd/confer")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	ctx := context.Background()

	srv := serveProcess(t, bin, data)
	base := os.Getenv("CONFER_CRASH_BASE")
	var clients []*client.Client
	for _, name := range []string{"Ada", "Bo", "Cy"} {
		c, err := client.Join(ctx, base, "demo", client.Options{Name: name}, nil)
		if err != nil {
			t.Fatalf("join %s: %v", name, err)
		}
		clients = append(clients, c)
	}
	time.Sleep(3500 * time.Millisecond) // a few heartbeats
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = srv.Wait()
	for _, c := range clients {
		c.Close()
	}

	serveProcess(t, bin, data) // recovery runs before it listens
	base = os.Getenv("CONFER_CRASH_BASE")
	// A new meeting after the restart is recorded normally.
	c, err := client.Join(ctx, base, "demo", client.Options{Name: "Di"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Leave(ctx)

	st, err := sqlite.Open(ctx, filepath.Join(data, "confer.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ms []usage.Meeting
	var ss []usage.Session
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, ss, err = st.Usage().UsageRecords(ctx, usage.Query{From: killed.Add(-time.Hour), To: killed.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		// The crashed records are closed by the sweep that follows the
		// restart once they are two heartbeats old; the meeting's record
		// may close after its sessions'.
		openMeetings, openSessions := stillOpen(ms, ss)
		if len(ss) == 4 && openMeetings+openSessions == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(ms) != 2 || len(ss) != 4 {
		t.Fatalf("%d meetings, %d sessions; want 2 and 4 (none lost, none duplicated)", len(ms), len(ss))
	}
	// One heartbeat plus whole-second rounding, plus a second for a
	// heartbeat that ran late on a busy machine (tests run in parallel).
	const maxLag = 3 * time.Second
	ids := map[string]bool{}
	for _, s := range ss {
		if ids[s.ID] {
			t.Errorf("session %s twice", s.ID)
		}
		ids[s.ID] = true
		if s.Open() {
			t.Errorf("session %+v still open", s)
			continue
		}
		if s.ParticipantID == "" || s.MeetingID == ms[1].ID {
			continue // the meeting after the restart
		}
		lag := killed.Sub(s.Leave)
		if !s.Recovered || lag < 0 || lag > maxLag {
			t.Errorf("session %s closed at %v (%v before the kill), recovered %v; want within 1 s heartbeat + 1 s rounding + 1 s scheduling slack",
				s.ID, s.Leave, lag, s.Recovered)
		}
	}
	if m := ms[0]; !m.Recovered || m.Peak != 3 || killed.Sub(m.End) > maxLag || killed.Before(m.End) {
		t.Errorf("crashed meeting = %+v (killed at %v)", m, killed)
	}
	if m := ms[1]; m.Recovered || m.Open() {
		t.Errorf("meeting after restart = %+v", m)
	}
}
