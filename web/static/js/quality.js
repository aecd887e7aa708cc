// Media quality on the client side: reports the size of every remote video
// tile to the server (video_prefs), so that it forwards the simulcast layer
// that fits and pauses hidden tiles (with receive slots: gives the visible
// ones a slot); highlights the active speaker and offers a speaker layout
// (the speaker's tile on a large stage).

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
let targets = () => []; // [{id: server track id, el: element showing it or null}]

/**
 * Starts tile-size reporting for the tiles inside gridEl; send(type, data)
 * is the signalling sender, targetsFn lists every remote video track.
 */
export function startQuality(gridEl, sendFn, targetsFn) {
  send = sendFn;
  if (targetsFn) targets = targetsFn;
  if (grid === gridEl) { last = ''; reportSoon(); return; }
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
  grid.querySelectorAll('.tile').forEach((n) => ro.observe(n));
  new MutationObserver((muts) => {
    let tiles = false;
    for (const m of muts) {
      for (const n of m.addedNodes) if (n.nodeType === 1 && n.classList.contains('tile')) ro.observe(n);
      if (m.target === grid) tiles = true;
    }
    if (tiles && speakerLayout) applySpeaker(); else schedule();
  }).observe(grid, { childList: true, subtree: true });
  // Tiles scrolled out of the grid or the filmstrip are not seen.
  grid.addEventListener('scroll', schedule, { passive: true });
  const stageView = document.getElementById('stage-view');
  if (stageView) {
    ro.observe(stageView);
    new MutationObserver(schedule).observe(stageView, { childList: true }); // another share's tab
  }
  // A phone's panel covers the grid without resizing it.
  const panels = new MutationObserver(schedule);
  document.querySelectorAll('.panel').forEach((n) => panels.observe(n, { attributes: true, attributeFilter: ['hidden'] }));
  document.addEventListener('visibilitychange', schedule);
  // A track attached to an existing <video> changes no size: poll slowly too.
  setInterval(report, 2000);
  document.addEventListener('keydown', (e) => {
    if ((e.key === 'l' || e.key === 'L') && !e.ctrlKey && !e.metaKey && !e.altKey && !/INPUT|TEXTAREA|SELECT/.test(e.target.tagName)) setSpeakerLayout(!speakerLayout);
  });
  document.getElementById('btn-layout')?.addEventListener('click', () => setSpeakerLayout(!speakerLayout));
  applySpeaker();
  reportSoon();
}

let soon = false; // a report without debounce is due
let held = false; // the receiving PeerConnection is not connected yet

/**
 * Holds reports until the PeerConnection that receives is connected. A
 * video's first keyframe on a new receive slot is asked for when the
 * server assigns it (from the first report); one that comes before DTLS
 * is up is lost, and the next one waits out the server's 500 ms keyframe
 * throttle, which cost ~400 ms to first frame.
 */
export function holdReports(on) {
  if (held === on) return;
  held = on;
  if (!on && grid) { last = ''; reportSoon(); }
}

function schedule() {
  if (soon) return; // it reports this change too; debouncing would delay it
  clearTimeout(timer);
  timer = setTimeout(report, 150);
}

// Right after a welcome: with receive slots nothing is received before
// the first report, so do not wait for the debounce.
function reportSoon() {
  clearTimeout(timer);
  soon = true;
  timer = setTimeout(() => { soon = false; report(); }, 0);
}

/** Someone's tracks changed: report soon. */
export const qualityChanged = () => { if (grid) schedule(); };

/**
 * The size in device pixels of what shows each remote video track, also
 * for tiles with no video yet; 0×0 for what cannot be seen (hidden page,
 * scrolled out of the grid, covered by a phone's panel, a share in
 * another tab).
 */
export function tileSizes() {
  if (!grid) return [];
  const dpr = window.devicePixelRatio || 1;
  const hidden = document.visibilityState === 'hidden';
  const view = { top: 0, left: 0, bottom: window.innerHeight, right: window.innerWidth };
  const gridBox = intersect(grid.getBoundingClientRect(), view);
  const panels = [...document.querySelectorAll('.panel:not([hidden])')].map((p) => p.getBoundingClientRect());
  return targets().map(({ id, el }) => {
    const r = el && !hidden ? el.getBoundingClientRect() : null;
    const seen = !!r && r.width > 0 && r.height > 0 &&
      overlaps(r, grid.contains(el) ? gridBox : view) && !panels.some((c) => inside(r, c));
    return { id, width: seen ? Math.round(r.width * dpr) : 0, height: seen ? Math.round(r.height * dpr) : 0 };
  });
}

function intersect(a, b) {
  return { top: Math.max(a.top, b.top), left: Math.max(a.left, b.left), bottom: Math.min(a.bottom, b.bottom), right: Math.min(a.right, b.right) };
}

function overlaps(r, box) {
  return r.bottom > box.top && r.top < box.bottom && r.right > box.left && r.left < box.right;
}

function inside(r, c) {
  return r.top >= c.top && r.left >= c.left && r.bottom <= c.bottom && r.right <= c.right;
}

function report() {
  if (!send || held) return;
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
