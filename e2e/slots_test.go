package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confer-dev/confer/internal/apptest"
)

// The tests here check that each remote camera shows in its owner's tile.
// Chromium's fake camera looks the same in every tab, so each page's
// camera is replaced (before the page's scripts run) by a canvas filled
// with that person's colour; a viewer reads the colour back from the tile.

// colorCameraJS makes getUserMedia's video a 480×270 canvas of one colour
// at 10 frames/s (with a moving square, so that the encoder has frames to
// send): still two simulcast layers in Chromium, and light enough for six
// tabs of one browser on a slow two-core machine.
const colorCameraJS = `(() => {
  const [r, g, b] = %s;
  const md = navigator.mediaDevices;
  if (!md) return;
  const orig = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    // No echo cancellation or noise suppression: Chromium's audio
    // processing in six tabs was a tenth of this machine's CPU.
    const quiet = {echoCancellation: false, noiseSuppression: false, autoGainControl: false};
    const s = c && c.audio ? await orig({audio: Object.assign({}, typeof c.audio === 'object' ? c.audio : {}, quiet)}) : new MediaStream();
    if (!c || !c.video) return s;
    const cv = document.createElement('canvas');
    cv.width = 480; cv.height = 270;
    const ctx = cv.getContext('2d');
    let n = 0;
    const draw = () => {
      ctx.fillStyle = 'rgb(' + r + ',' + g + ',' + b + ')';
      ctx.fillRect(0, 0, 480, 270);
      ctx.fillStyle = '#000';
      ctx.fillRect((n++ * 8) %% 440, 4, 24, 24);
    };
    draw();
    const timer = setInterval(draw, 100);
    const track = cv.captureStream(10).getVideoTracks()[0];
    const stop = track.stop.bind(track);
    track.stop = () => { clearInterval(timer); stop(); };
    s.addTrack(track);
    return s;
  };
})()`

type rgb [3]int

var slotColors = []rgb{{220, 40, 40}, {40, 200, 40}, {40, 40, 220}, {220, 220, 40}, {220, 40, 220}, {40, 220, 220}}

// colorCamera gives the page of ctx a camera of colour c from its next load on.
func colorCamera(t *testing.T, ctx context.Context, c rgb) {
	t.Helper()
	js := fmt.Sprintf(colorCameraJS, fmt.Sprintf("[%d,%d,%d]", c[0], c[1], c[2]))
	tc, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := chromedp.Do(tc, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return err
	}))
	if err != nil {
		t.Fatalf("colour camera: %v", err)
	}
}

// tileJS reports what participant pid's tile shows: whether a video plays
// in it and is not hidden, its frame count, and the colour at its centre.
const tileJS = `(async (pid) => {
  const tile = document.querySelector('.tile[data-participant-id="' + pid + '"]');
  const v = tile && tile.querySelector('video');
  if (!v) return {found: false};
  const out = {found: true, hasVideo: tile.dataset.hasVideo === 'true', waiting: tile.dataset.videoWaiting === 'true',
    width: v.videoWidth, frames: v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0, rgb: [0, 0, 0]};
  if (!v.videoWidth || !v.srcObject) return out;
  const c = document.createElement('canvas');
  c.width = c.height = 8;
  const g = c.getContext('2d', {willReadFrequently: true});
  g.drawImage(v, v.videoWidth * 0.4, v.videoHeight * 0.5, v.videoWidth * 0.2, v.videoHeight * 0.3, 0, 0, 8, 8);
  const d = g.getImageData(0, 0, 8, 8).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) sum[k] += d[i + k];
  out.rgb = sum.map((x) => Math.round(x / 64));
  return out;
})(%q)`

type tileState struct {
	Found    bool `json:"found"`
	HasVideo bool `json:"hasVideo"`
	Waiting  bool `json:"waiting"`
	Width    int  `json:"width"`
	Frames   int  `json:"frames"`
	RGB      rgb  `json:"rgb"`
}

// nearest is the index of the colour in slotColors closest to c.
func nearest(c rgb) int {
	best, bd := -1, math.MaxFloat64
	for i, s := range slotColors {
		d := 0.0
		for k := range 3 {
			d += float64((c[k] - s[k]) * (c[k] - s[k]))
		}
		if d < bd {
			best, bd = i, d
		}
	}
	return best
}

// showsRightly waits until the tile of participant pid on the page of ctx
// shows a live video of colour want (frames rising, not hidden).
func showsRightly(t *testing.T, ctx context.Context, viewer, owner, pid string, want int, d time.Duration) tileState {
	t.Helper()
	deadline := time.Now().Add(d)
	var last tileState
	for time.Now().Before(deadline) {
		s, err := tryEval[tileState](ctx, fmt.Sprintf(tileJS, pid))
		if err == nil {
			if s.HasVideo && !s.Waiting && s.Width > 0 && nearest(s.RGB) == want && last.Frames > 0 && s.Frames > last.Frames {
				return s
			}
			last = s
		}
		time.Sleep(400 * time.Millisecond)
	}
	t.Fatalf("%s: %s's tile does not show %s's camera after %v: %+v (want colour %v)", viewer, owner, owner, d, last, slotColors[want])
	return last
}

type slotsDebug struct {
	On  bool `json:"on"`
	Map []struct {
		Mid           string `json:"mid"`
		Kind          string `json:"kind"`
		TrackID       string `json:"trackId"`
		ParticipantID string `json:"participantId"`
	} `json:"map"`
	Audio []struct {
		Mid     string `json:"mid"`
		Playing bool   `json:"playing"`
	} `json:"audio"`
	Frames map[string]int `json:"frames"`
	Waits  []int          `json:"waits"` // ms from a slot's switch to its first new frame
}

func slotsOf(t *testing.T, ctx context.Context) slotsDebug {
	t.Helper()
	return eval[slotsDebug](t, ctx, `window.conferDebug.slots()`)
}

// slotAudioJS sums the audio packets received on the receiving
// PeerConnection's slot transceivers, one number per audio slot (with
// onePC the same connection also sends: its sendonly ones are left out).
const slotAudioJS = `(async () => {
  const pc = window.conferDebug.subscribePC;
  const out = [];
  for (const tr of pc.getTransceivers()) {
    if (tr.receiver.track.kind !== 'audio' || tr.mid == null || tr.direction !== 'recvonly') continue;
    let n = 0;
    (await tr.receiver.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') n += s.packetsReceived || 0; });
    out.push(n);
  }
  return out;
})()`

type sizePref struct {
	ID     string `json:"id"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// slotAudio checks the audio slots of the page of ctx: one playing
// <audio> each, and packets rising on every one.
func slotAudio(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	s := slotsOf(t, ctx)
	audio := 0
	for _, m := range s.Map {
		if m.Kind == "audio" {
			audio++
		}
	}
	if audio == 0 || len(s.Audio) != audio {
		t.Fatalf("%s: %d audio slots, %d <audio> elements", name, audio, len(s.Audio))
	}
	for _, a := range s.Audio {
		if !a.Playing {
			t.Errorf("%s: the <audio> of slot %s is not playing", name, a.Mid)
		}
	}
	// Packets rise on every slot within a few seconds (a starved
	// sender's browser can pause for a second; Opus DTX sends little).
	before := eval[[]int](t, ctx, slotAudioJS)
	var after []int
	for deadline := time.Now().Add(5 * time.Second); ; {
		time.Sleep(500 * time.Millisecond)
		after = eval[[]int](t, ctx, slotAudioJS)
		rising := len(after) == len(before)
		for k := range after {
			if k < len(before) && after[k] <= before[k] {
				rising = false
			}
		}
		if rising || time.Now().After(deadline) {
			break
		}
	}
	for k := range after {
		if k < len(before) && after[k] <= before[k] {
			t.Errorf("%s: audio slot %d not receiving (%d → %d packets in 5 s)", name, k, before[k], after[k])
		}
	}
}

// noSlotsJS takes slots (and onePC, which implies them) out of the
// page's join messages: the client as a server without receive slots sees
// it (one m-line per track, on a subscribe PeerConnection).
const noSlotsJS = `(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (d) {
    if (typeof d === 'string' && d.startsWith('{"type":"join"')) {
      const m = JSON.parse(d);
      delete m.data.slots;
      delete m.data.onePC;
      d = JSON.stringify(m);
    }
    return send.call(this, d);
  };
})()`

func onNewDocument(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	tc, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := chromedp.Do(tc, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return err
	}))
	if err != nil {
		t.Fatalf("script on new document: %v", err)
	}
}

// TestSlotsSixPeopleGrid: six browsers in a grid, on receive slots.
// Every page shows every other person's camera in that person's tile
// (checked by colour) and plays its audio slots; on a phone-sized page a
// tile scrolled out of the grid loses its slot, and scrolled back shows
// the right person again, never another's stale frame; after a network
// blip the kept slots still show the right people.
func TestSlotsSixPeopleGrid(t *testing.T) {
	gridMeeting(t, []string{"Anna", "Bruno", "Carla", "Dario", "Elena", "Fabio"}, true)
}

// TestSlotsOffGrid: the same with five browsers whose join asks for no
// slots, as with a server without them: the client's other path.
func TestSlotsOffGrid(t *testing.T) {
	gridMeeting(t, []string{"Anna", "Bruno", "Carla", "Dario", "Elena"}, false)
}

func gridMeeting(t *testing.T, names []string, slots bool) {
	a, base := apptest.Start(t)
	browser := newBrowser(t)
	logMediaOnFailure(t, a)
	pages := make([]context.Context, len(names))
	ids := make([]string, len(names))
	for i, name := range names {
		if i == 0 {
			pages[i] = browser
		} else {
			pages[i] = newTab(t, browser)
		}
		colorCamera(t, pages[i], slotColors[i])
		if !slots {
			onNewDocument(t, pages[i], noSlotsJS)
		}
		navigate(t, pages[i], roomURL(base, "demo", name))
		waitJS(t, pages[i], name+" joined", `window.conferDebug && window.conferDebug.state === 'joined'`, 20*time.Second)
		ids[i] = eval[string](t, pages[i], `window.conferDebug.participantId`)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i, p := range pages {
			s, err := tryEval[string](p, `JSON.stringify({slots: window.conferDebug.slots(), sizes: window.conferQuality.tileSizes()})`)
			t.Logf("%s: %s %v", names[i], s, err)
			s, err = tryEval[string](p, publishStatsJS)
			t.Logf("%s publishes: %s %v", names[i], s, err)
		}
	})

	// (a) everyone sees everyone else, each in the right tile.
	for i, p := range pages {
		for j := range names {
			if i != j {
				showsRightly(t, p, names[i], names[j], ids[j], j, 45*time.Second)
			}
		}
	}
	for i, p := range pages {
		s := slotsOf(t, p)
		if s.On != slots {
			t.Fatalf("%s: receive slots %v, want %v", names[i], s.On, slots)
		}
		if slots {
			t.Logf("%s: %d slots, hidden until a new frame: %v", names[i], len(s.Map), s.Frames)
		}
	}

	// (c) audio: each audio slot has its <audio>, playing, and packets
	// rise; the speaking indicator follows the slots' audio levels.
	if slots {
		for i, p := range pages {
			slotAudio(t, p, names[i])
		}
	} else {
		decoding(t, pages[1], names[1], len(names)-1, 5)
	}
	waitJS(t, pages[0], names[0]+" sees someone speak",
		`!!document.querySelector('.tile:not([data-local="true"])[data-speaking="true"]')`, 15*time.Second)

	// (b) The last page becomes a small phone: the grid scrolls, some
	// tiles are out of view. Scrolling one in takes another out, so (with
	// slots) a slot moves from one person to another.
	phone, who := pages[len(pages)-1], names[len(names)-1]
	expect := map[string]int{}
	for j, id := range ids {
		expect[id] = j
	}
	watchWrongPictures(t, phone, expect)
	setViewport(t, phone, 360, 280)
	sizes := stableSizes(t, phone)
	hidden := ""
	for _, s := range sizes {
		if s.Width == 0 {
			hidden = s.ID
		}
	}
	if hidden == "" {
		t.Fatalf("%s: no tile out of view on a 360×280 page: %v", who, sizes)
	}
	owner := ownerOf(t, phone, hidden, ids)
	t.Logf("%s: %s's tile is out of view: %v", who, names[owner], sizes)
	if slots {
		slotsFollow(t, phone, sizes)
		if s := eval[tileState](t, phone, fmt.Sprintf(tileJS, ids[owner])); s.HasVideo {
			t.Errorf("%s's tile keeps a video without a slot: %+v", names[owner], s)
		}
	} else {
		paused(t, phone, who, names[owner], ids[owner])
	}
	eval[bool](t, phone, fmt.Sprintf(`document.querySelector('.tile[data-participant-id=%q]').scrollIntoView({block: 'end'}), true`, ids[owner]))
	sizes = stableSizes(t, phone)
	if slots {
		slotsFollow(t, phone, sizes)
	}
	for _, s := range sizes {
		if s.Width > 0 {
			j := ownerOf(t, phone, s.ID, ids)
			showsRightly(t, phone, who+" (scrolled)", names[j], ids[j], j, 20*time.Second)
		}
	}
	screenshot(t, phone, "slots-phone.png", 360, 280)
	if wrong := eval[[]map[string]any](t, phone, `window.__wrongPictures`); len(wrong) > 0 {
		t.Errorf("%s saw a tile show another person's picture: %v", who, wrong)
	}
	if slots {
		s := slotsOf(t, phone)
		t.Logf("%s: hidden until a new frame: %v, waits %v ms", who, s.Frames, s.Waits)
		if s.Frames["rtp"] == 0 {
			// A slot moved from one person to another: the map's fromTs
			// should have decided when the new person's video shows.
			t.Errorf("%s: no wait ended on the slot map's fromTs: %v", who, s.Frames)
		}
	}

	// (d) A network blip on the second page: it resumes keeping its
	// PeerConnections (the server sends the slot map again) and still
	// shows everyone rightly.
	b := pages[1]
	if st := eval[string](t, b, `(window.__pc = window.conferDebug.subscribePC, window.conferDebug.dropSignalling())`); st != "reconnecting" {
		t.Fatalf("after the blip the page is %q, want reconnecting", st)
	}
	waitJS(t, b, names[1]+" back", `window.conferDebug.state === 'joined'`, 15*time.Second)
	if !eval[bool](t, b, `window.__pc === window.conferDebug.subscribePC`) {
		t.Fatalf("%s: the blip replaced the subscribe PeerConnection", names[1])
	}
	for j := range names {
		if j != 1 {
			showsRightly(t, b, names[1]+" after the blip", names[j], ids[j], j, 20*time.Second)
		}
	}
	if slots {
		slotAudio(t, b, names[1]+" after the blip")
	}
}

// publishStatsJS reports, per simulcast layer the page sends, what the
// encoder does: frames and keyframes encoded, size, what limits quality,
// keyframe requests (PLI) received and the target bitrate.
const publishStatsJS = `(async () => {
  const pc = window.conferDebug.publishPC;
  if (!pc) return 'no publish connection';
  const out = [];
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      out.push({rid: s.rid, ssrc: s.ssrc, frames: s.framesEncoded, keyframes: s.keyFramesEncoded, width: s.frameWidth, fps: s.framesPerSecond,
        limit: s.qualityLimitationReason, pli: s.pliCount, nack: s.nackCount, target: s.targetBitrate, active: s.active, encoder: s.encoderImplementation});
    }
  });
  return JSON.stringify(out);
})()`

// paused waits until the tile of pid on the page of ctx gets no new
// frames (the server stopped forwarding a hidden tile).
func paused(t *testing.T, ctx context.Context, viewer, owner, pid string) {
	t.Helper()
	js := fmt.Sprintf(tileJS, pid)
	deadline := time.Now().Add(15 * time.Second)
	last := -1
	for time.Now().Before(deadline) {
		s := eval[tileState](t, ctx, js)
		if s.Frames == last {
			return
		}
		last = s.Frames
		time.Sleep(time.Second)
	}
	t.Fatalf("%s: %s's hidden tile keeps getting frames", viewer, owner)
}

// watchWrongPictures samples, every 40 ms, the colour of every remote
// tile that shows its video on the page of ctx, and records in
// window.__wrongPictures any that is not its owner's (expect: participant
// id → index in slotColors): the stale frame of a slot's previous source.
func watchWrongPictures(t *testing.T, ctx context.Context, expect map[string]int) {
	t.Helper()
	b, _ := json.Marshal(expect)
	p, _ := json.Marshal(slotColors)
	eval[bool](t, ctx, fmt.Sprintf(`((expect, palette) => {
  window.__wrongPictures = [];
  const c = document.createElement('canvas');
  c.width = c.height = 4;
  const g = c.getContext('2d', {willReadFrequently: true});
  setInterval(() => {
    for (const tile of document.querySelectorAll('.tile:not([data-local="true"])')) {
      const v = tile.querySelector('video');
      if (tile.dataset.hasVideo !== 'true' || tile.dataset.videoWaiting === 'true' || !v.videoWidth) continue;
      g.drawImage(v, v.videoWidth * 0.4, v.videoHeight * 0.5, v.videoWidth * 0.2, v.videoHeight * 0.3, 0, 0, 4, 4);
      const d = g.getImageData(0, 0, 4, 4).data;
      const m = [0, 0, 0];
      for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) m[k] += d[i + k] / 16;
      let got = -1, best = Infinity;
      palette.forEach((p, i) => { const e = (p[0] - m[0]) ** 2 + (p[1] - m[1]) ** 2 + (p[2] - m[2]) ** 2; if (e < best) { best = e; got = i; } });
      const want = expect[tile.dataset.participantId];
      if (want !== undefined && got !== want && window.__wrongPictures.length < 20)
        window.__wrongPictures.push({pid: tile.dataset.participantId, want, got, at: Math.round(performance.now())});
    }
  }, 40);
  return true;
})(%s, %s)`, b, p))
}

// stableSizes waits until the page's video_prefs sizes stay the same for
// a second (the layout settled) and returns them.
func stableSizes(t *testing.T, ctx context.Context) []sizePref {
	t.Helper()
	const js = `window.conferQuality.tileSizes()`
	last := eval[[]sizePref](t, ctx, js)
	for range 20 {
		time.Sleep(time.Second)
		now := eval[[]sizePref](t, ctx, js)
		if fmt.Sprint(now) == fmt.Sprint(last) {
			return now
		}
		last = now
	}
	t.Fatalf("tile sizes never settle: %v", last)
	return nil
}

// slotsFollow waits until the page's video slots carry exactly the
// tracks whose tiles are in view.
func slotsFollow(t *testing.T, ctx context.Context, sizes []sizePref) {
	t.Helper()
	want := map[string]bool{}
	for _, s := range sizes {
		if s.Width > 0 {
			want[s.ID] = true
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	var got map[string]bool
	for time.Now().Before(deadline) {
		got = map[string]bool{}
		for _, m := range slotsOf(t, ctx).Map {
			if m.Kind == "video" && m.TrackID != "" {
				got[m.TrackID] = true
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("video slots carry %v, the tiles in view are %v", got, want)
}

// ownerOf is the index in ids of the participant who published track id,
// as the page of ctx knows it from track_published.
func ownerOf(t *testing.T, ctx context.Context, id string, ids []string) int {
	t.Helper()
	pid := eval[string](t, ctx, fmt.Sprintf(`(window.conferDebug.tracks().find(x => x.id === %q) || {}).participantId || ''`, id))
	for j, x := range ids {
		if x == pid {
			return j
		}
	}
	t.Fatalf("track %s belongs to %q, nobody known", id, pid)
	return -1
}

// TestSlotsTwoSharesOnStage: Anna and Bruno share their screens; Carla
// (on slots) sees two stage tabs, decodes the one on stage, and only that
// one takes a video slot; switching the tab moves the slot to the other
// share, which then decodes.
func TestSlotsTwoSharesOnStage(t *testing.T) { twoShares(t, true) }

// TestSlotsOffTwoSharesOnStage: the same without slots (one m-line per
// track): both shares arrive, the tab on stage decodes.
func TestSlotsOffTwoSharesOnStage(t *testing.T) { twoShares(t, false) }

func twoShares(t *testing.T, slots bool) {
	_, base := apptest.Start(t)
	browser := newBrowser(t)
	names := []string{"Anna", "Bruno", "Carla"}
	pages := make([]context.Context, len(names))
	for i, name := range names {
		if i == 0 {
			pages[i] = browser
		} else {
			pages[i] = newTab(t, browser)
		}
		if !slots {
			onNewDocument(t, pages[i], noSlotsJS)
		}
		navigate(t, pages[i], roomURL(base, "demo", name))
		joinedAll(t, pages[i:i+1], names[i:i+1])
	}
	carla := pages[2]
	for _, p := range pages[:2] {
		gesture(t, p, `document.getElementById('btn-share').click()`)
		waitJS(t, p, "sharing", `document.getElementById('btn-share').getAttribute('aria-pressed') === 'true'`, 10*time.Second)
	}
	screens := func() []string {
		return eval[[]string](t, carla, `window.conferDebug.tracks().filter(x => x.source === 'screen').map(x => x.id)`)
	}
	waitJS(t, carla, "two shares known", `window.conferDebug.tracks().filter(x => x.source === 'screen').length === 2`, 20*time.Second)
	waitJS(t, carla, "two stage tabs", `document.querySelectorAll('#stage-tabs [role=tab]').length === 2`, 10*time.Second)
	if on := slotsOf(t, carla).On; on != slots {
		t.Fatalf("Carla on receive slots: %v, want %v", on, slots)
	}
	// onStage: the share on stage decodes (frames rising); with slots it
	// has a slot and the other share has none.
	onStage := func(what string) string {
		id := eval[string](t, carla, `document.querySelector('#stage-tabs [aria-selected=true]').dataset.trackId`)
		waitJS(t, carla, what, fmt.Sprintf(`(async () => {
			if (%t) {
				const slots = window.conferDebug.slots().map.filter(s => s.kind === 'video' && s.trackId);
				const screens = window.conferDebug.tracks().filter(x => x.source === 'screen').map(x => x.id);
				const mine = slots.filter(s => screens.includes(s.trackId)).map(s => s.trackId);
				if (mine.length !== 1 || mine[0] !== %q) return false;
			}
			const v = document.querySelector('#stage-view video');
			if (!v || !v.videoWidth || v.dataset.videoWaiting) return false;
			const n = v.getVideoPlaybackQuality().totalVideoFrames;
			await new Promise(r => setTimeout(r, 500));
			return v.getVideoPlaybackQuality().totalVideoFrames > n;
		})()`, slots, id), 20*time.Second)
		return id
	}
	first := onStage("Carla decodes the share on stage")
	// The other tab, from the keyboard: the tab row's arrow keys.
	eval[bool](t, carla, `document.querySelector('#stage-tabs [aria-selected=true]').focus(), true`)
	key(t, carla, kb.ArrowLeft)
	second := onStage("Carla decodes the other share")
	if first == second || len(screens()) != 2 {
		t.Fatalf("the stage shows %s, then %s (shares %v)", first, second, screens())
	}
	s := slotsOf(t, carla)
	t.Logf("stage: %s, then %s; hidden until a new frame: %v, waits %v ms", first, second, s.Frames, s.Waits)
	// A share ends: its tab goes, the other stays on stage.
	gesture(t, pages[0], `document.getElementById('btn-share').click()`)
	waitJS(t, carla, "one stage tab left", `window.conferDebug.stage().count === 1 && !document.getElementById('stage-area').hidden`, 15*time.Second)
	onStage("Carla decodes the share left")
}
