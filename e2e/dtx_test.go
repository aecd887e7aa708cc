package e2e

import (
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
)

// A muted microphone costs almost no data: the server asks browsers for
// Opus DTX, so silence goes out as a packet every few hundred
// milliseconds instead of 50 a second (a phone on a metered plan, a
// 50-person meeting where 49 are muted).
func TestMutedMicrophoneSendsAlmostNothing(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	pages := openPages(t, browser, base, "demo", "Anna")
	sent := `(async () => {
		let n = 0;
		(await window.conferDebug.publishPC.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'audio') n += s.packetsSent; });
		return n;
	})()`
	waitJS(t, pages[0], "audio flowing", sent+`.then(n => n > 50)`, 15*time.Second)
	gesture(t, pages[0], `document.getElementById('btn-mic').click()`)
	time.Sleep(time.Second) // the encoder notices the silence
	before := eval[int](t, pages[0], sent)
	time.Sleep(4 * time.Second)
	n := eval[int](t, pages[0], sent) - before
	t.Logf("muted: %d audio packets in 4 s (50 a second without DTX)", n)
	if n > 60 {
		t.Fatalf("a muted microphone sent %d audio packets in 4 s: DTX is off", n)
	}
}
