package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-dev/confer/internal/apptest"
)

// TestScreenShareBecomesStage: Anna shares her screen (Chromium's fake
// screen); Bruno and Carla decode it as the large stage with everyone in
// a strip; when she stops, the stage goes away.
func TestScreenShareBecomesStage(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	pages := openPages(t, browser, base, "demo", "Anna", "Bruno", "Carla")
	for i, p := range pages {
		decoding(t, p, []string{"Anna", "Bruno", "Carla"}[i], 2, 5)
	}
	anna := eval[string](t, pages[0], `window.conferDebug.participantId`)
	if hidden := eval[bool](t, pages[0], `document.getElementById('btn-share').hidden`); hidden {
		t.Fatal("share button hidden on a desktop browser")
	}
	gesture(t, pages[0], `document.getElementById('btn-share').click()`)
	waitJS(t, pages[0], "Anna sharing", `document.getElementById('btn-share').getAttribute('aria-pressed') === 'true'`, 10*time.Second)
	for i, p := range pages[1:] {
		name := []string{"Bruno", "Carla"}[i]
		waitJS(t, p, name+" decodes Anna's screen on stage", fmt.Sprintf(`(() => {
			const s = window.conferDebug.stage();
			return s.count === 1 && s.participantId === %q && s.source === 'screen' && s.width > 0
				&& !document.getElementById('stage-area').hidden
				&& document.getElementById('screen-meeting').dataset.stage === 'true';
		})()`, anna), 20*time.Second)
		// The camera tiles are still there, as a strip.
		if n := eval[int](t, p, `document.querySelectorAll('#grid .tile').length`); n != 3 {
			t.Errorf("%s: %d tiles in the strip, want 3", name, n)
		}
	}
	// Frames keep coming on the stage (3 videos decode now: 2 cameras + screen).
	decoding(t, pages[1], "Bruno with screen", 2, 5)
	screenshot(t, pages[1], "meeting-share.png", 1280, 800)

	gesture(t, pages[0], `document.getElementById('btn-share').click()`)
	for _, p := range pages[1:] {
		waitJS(t, p, "stage gone", `window.conferDebug.stage().count === 0 && document.getElementById('stage-area').hidden`, 15*time.Second)
	}
}

// TestDocumentUploadAndDownload: Anna uploads a file through the file
// picker; Bruno sees it listed and downloads the identical bytes.
func TestDocumentUploadAndDownload(t *testing.T) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	pages := openPages(t, browser, base, "demo", "Anna", "Bruno")
	content := make([]byte, 300<<10)
	for i := range content {
		content[i] = byte(i*7 + i/255)
	}
	path := filepath.Join(t.TempDir(), "verbale consiglio.bin")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	gesture(t, pages[0], `document.getElementById('btn-files').click()`)
	c, cancel := context.WithTimeout(pages[0], 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{path})); err != nil {
		t.Fatalf("choose file: %v", err)
	}
	waitJS(t, pages[0], "upload listed", `window.conferDebug.files().some(f => f.name === 'verbale consiglio.bin')`, 20*time.Second)
	waitJS(t, pages[1], "Bruno sees the document", `window.conferDebug.files().some(f => f.name === 'verbale consiglio.bin')`, 10*time.Second)
	gesture(t, pages[1], `document.getElementById('btn-files').click()`)
	waitJS(t, pages[1], "listed in the panel", `!!document.querySelector('#file-list [data-download]')`, 10*time.Second)
	id := eval[string](t, pages[1], `window.conferDebug.files()[0].id`)
	type dl struct {
		Status      int    `json:"status"`
		Base64      string `json:"base64"`
		Disposition string `json:"disposition"`
	}
	got := eval[dl](t, pages[1], fmt.Sprintf(`window.conferDebug.download(%q)`, id))
	b, err := base64.StdEncoding.DecodeString(got.Base64)
	if err != nil || got.Status != 200 {
		t.Fatalf("download: status %d, %v", got.Status, err)
	}
	if string(b) != string(content) {
		t.Fatalf("downloaded %d bytes, different from the %d uploaded", len(b), len(content))
	}
	if got.Disposition == "" {
		t.Error("no Content-Disposition: attachment")
	}
}
