package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/signal"
)

// A network blip as the browser sees it: the page gives up on its socket
// and joins again with its resume token and keepMedia while the server
// still holds the old socket open (no close frame has arrived, or the old
// socket is not being read at all). The new connection is welcomed at once
// as the same participant with its media kept, and the old one is told
// it was replaced.
func TestResumeWhileOldSocketOpen(t *testing.T) {
	for _, reading := range []bool{true, false} {
		name := "old socket read"
		if !reading {
			name = "old socket not read"
		}
		t.Run(name, func(t *testing.T) {
			_, base := apptest.Start(t)
			old := rawConn(t, base)
			write(t, old, `{"type":"join","data":{"version":1,"room":"demo","name":"Bruno","slots":true}}`)
			env, err := readMsg(t, old)
			if err != nil || env.Type != signal.TypeWelcome {
				t.Fatalf("first join: %v %s", err, env.Type)
			}
			var w signal.Welcome
			if err := json.Unmarshal(env.Data, &w); err != nil {
				t.Fatal(err)
			}
			bye := make(chan string, 1)
			if reading {
				go func() {
					for {
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						_, b, err := old.Read(ctx)
						cancel()
						if err != nil {
							return
						}
						var e signal.Envelope
						if json.Unmarshal(b, &e) == nil && e.Type == signal.TypeBye {
							bye <- string(e.Data)
						}
					}
				}()
			}

			start := time.Now()
			again := rawConn(t, base)
			write(t, again, `{"type":"join","data":{"version":1,"room":"demo","name":"Bruno","slots":true,"keepMedia":true,"resumeToken":"`+w.ResumeToken+`"}}`)
			var w2 signal.Welcome
			for {
				env, err := readMsg(t, again)
				if err != nil {
					t.Fatalf("resume: no welcome after %v: %v", time.Since(start), err)
				}
				if env.Type == signal.TypeWelcome {
					if err := json.Unmarshal(env.Data, &w2); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			if w2.ParticipantID != w.ParticipantID || !w2.Resumed || !w2.MediaKept {
				t.Fatalf("resume welcome %+v, want participant %s resumed with media kept", w2, w.ParticipantID)
			}
			t.Logf("welcomed again after %v", time.Since(start))
			if reading {
				select {
				case b := <-bye:
					if b != `{"reason":"replaced"}` {
						t.Errorf("old socket told %s, want replaced", b)
					}
				case <-time.After(5 * time.Second):
					t.Error("the old socket was not told it was replaced")
				}
			}
			// The new connection works: a ping is answered.
			write(t, again, `{"type":"ping"}`)
			for {
				env, err := readMsg(t, again)
				if err != nil {
					t.Fatalf("after resume: %v", err)
				}
				if env.Type == signal.TypePong {
					break
				}
			}
		})
	}
}
