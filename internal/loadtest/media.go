package loadtest

import (
	"embed"
	"fmt"
	"sync"

	"github.com/confer-dev/confer/internal/client"
)

// Test media, generated with ffmpeg (see docs/benchmarks.md): testsrc VP8
// at 320×180 / 640×360 / 1280×720, 30 fps, a keyframe every second, and a
// 440 Hz Opus tone in 20 ms packets.
//
//go:embed testdata/video-q.ivf testdata/video-h.ivf testdata/video-f.ivf testdata/audio.ogg
var media embed.FS

type clips struct {
	video [3]*client.VideoClip
	audio [][]byte
}

var (
	loadOnce sync.Once
	loaded   clips
	loadErr  error
)

func loadMedia() (clips, error) {
	loadOnce.Do(func() {
		for i, name := range []string{"q", "h", "f"} {
			b, err := media.ReadFile("testdata/video-" + name + ".ivf")
			if err != nil {
				loadErr = err
				return
			}
			if loaded.video[i], err = client.LoadIVF(b); err != nil {
				loadErr = fmt.Errorf("video-%s.ivf: %w", name, err)
				return
			}
		}
		b, err := media.ReadFile("testdata/audio.ogg")
		if err != nil {
			loadErr = err
			return
		}
		loaded.audio, loadErr = client.LoadOgg(b)
	})
	return loaded, loadErr
}

// TestMedia returns the committed test clips (VP8 180p/360p/720p, lowest
// first, and Opus packets) for tests outside this package.
func TestMedia() (video [3]*client.VideoClip, audio [][]byte, err error) {
	m, err := loadMedia()
	return m.video, m.audio, err
}
