// Media quality on the client side: reports the size of every remote video
// tile to the server (video_prefs), so that it forwards the simulcast layer
// that fits and pauses hidden tiles; highlights the active speaker and
// offers a speaker layout (the speaker's tile on a large stage).

// Speaker layout: the stage tile as large as fits above one row of
// thumbnails (not while a screen share owns the stage).
const style = `
.tile[data-active-speaker="true"] { outline: 3px solid #3fb950; outline-offset: -3px; }
.meeting:not([data-stage="true"]) .grid[data-layout="speaker"] {
  display: flex; flex-wrap: wrap; justify-content: center; align-content: flex-start; container-type: size;
}
.meeting:not([data-stage="true"]) [data-layout="speaker"] .tile { flex: none; width: 180px; aspect-ratio: 16 / 9; }
.meeting:not([data-stage="true"]) [data-layout="speaker"] .tile[data-stage="true"] {
  --stage-w: min(100cqw, (100cqh - 110px) * 16 / 9);
  order: -1; width: var(--stage-w); margin-inline: calc((100cqw - var(--stage-w)) / 2);
}
`;

let grid = null;
let send = null;
let last = '';
let timer = 0;
let speaker = '';
let speakerLayout = false;
let styled = false;

/** Starts tile-size reporting for the tiles inside gridEl; send(type, data) is the signalling sender. */
export function startQuality(gridEl, sendFn) {
  send = sendFn;
  if (grid === gridEl) { last = ''; schedule(); return; }
  grid = gridEl;
  if (!styled) {
    // A constructed sheet: the CSP (style-src 'self') blocks <style> elements.
    styled = true;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(style);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const ro = new ResizeObserver(schedule);
  ro.observe(grid);
  const watch = (root) => root.querySelectorAll('video').forEach((v) => ro.observe(v));
  watch(grid);
  new MutationObserver((muts) => {
    let tiles = false;
    for (const m of muts) {
      for (const n of m.addedNodes) if (n.nodeType === 1) { if (n.tagName === 'VIDEO') ro.observe(n); watch(n); }
      if (m.target === grid) tiles = true;
    }
    if (tiles && speakerLayout) applySpeaker(); else schedule();
  }).observe(grid, { childList: true, subtree: true });
  document.addEventListener('visibilitychange', schedule);
  // A track attached to an existing <video> changes no size: poll slowly too.
  setInterval(report, 2000);
  document.addEventListener('keydown', (e) => {
    if ((e.key === 'l' || e.key === 'L') && !e.ctrlKey && !e.metaKey && !e.altKey && !/INPUT|TEXTAREA|SELECT/.test(e.target.tagName)) setSpeakerLayout(!speakerLayout);
  });
  document.getElementById('btn-layout')?.addEventListener('click', () => setSpeakerLayout(!speakerLayout));
  applySpeaker();
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(report, 150);
}

/** The tile sizes in device pixels; 0×0 for tiles that cannot be seen. */
export function tileSizes() {
  const out = [];
  if (!grid) return out;
  const dpr = window.devicePixelRatio || 1;
  const hidden = document.visibilityState === 'hidden';
  for (const tile of grid.querySelectorAll('.tile:not([data-local="true"])')) {
    const v = tile.querySelector('video');
    const track = v?.srcObject?.getVideoTracks?.()[0];
    if (!track) continue;
    const r = v.getBoundingClientRect();
    const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
      r.top < window.innerHeight && r.left < window.innerWidth;
    const visible = !hidden && onScreen;
    out.push({
      id: track.id,
      width: visible ? Math.round(r.width * dpr) : 0,
      height: visible ? Math.round(r.height * dpr) : 0,
    });
  }
  return out;
}

function report() {
  if (!send) return;
  const tracks = tileSizes();
  const key = JSON.stringify(tracks);
  if (key === last || tracks.length === 0) return;
  last = key;
  send('video_prefs', { tracks });
}

/** active_speaker from the server: highlight, and put on stage in the speaker layout. */
export function onActiveSpeaker(participantId) {
  speaker = participantId;
  applySpeaker();
}

/** Switches between the grid and the speaker layout. */
export function setSpeakerLayout(on) {
  speakerLayout = on;
  applySpeaker();
}

function applySpeaker() {
  if (!grid) return;
  grid.dataset.layout = speakerLayout ? 'speaker' : 'grid';
  document.getElementById('btn-layout')?.setAttribute('aria-pressed', String(speakerLayout));
  const remote = [...grid.querySelectorAll('.tile:not([data-local="true"])')];
  // Nobody has spoken yet (or the speaker is me): stage the first remote
  // tile, so the layout is never an empty stage.
  const onStage = remote.find((t) => t.dataset.participantId === speaker) || remote[0];
  for (const tile of grid.querySelectorAll('.tile')) {
    tile.dataset.activeSpeaker = String(tile.dataset.participantId === speaker);
    tile.dataset.stage = String(speakerLayout && tile === onStage);
  }
  schedule(); // the stage tile grew: ask for a better layer
}

if (typeof window !== 'undefined') window.conferQuality = { setSpeakerLayout, tileSizes };
