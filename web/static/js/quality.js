// Media quality on the client side: reports the size of every remote video
// tile to the server (video_prefs), so that it forwards the simulcast layer
// that fits and pauses hidden tiles; highlights the active speaker and
// offers a speaker layout (the speaker's tile on a large stage).

const style = `
.tile[data-active-speaker="true"] { outline: 3px solid #3fb950; outline-offset: -3px; }
[data-layout="speaker"] .tile[data-stage="true"] { grid-column: 1 / -1; width: 100%; max-width: none; }
`;

let grid = null;
let send = null;
let last = '';
let timer = 0;
let speaker = '';
let speakerLayout = false;

/** Starts tile-size reporting for the tiles inside gridEl; send(type, data) is the signalling sender. */
export function startQuality(gridEl, sendFn) {
  send = sendFn;
  if (grid === gridEl) { last = ''; schedule(); return; }
  grid = gridEl;
  if (!document.getElementById('confer-quality-style')) {
    const s = document.createElement('style');
    s.id = 'confer-quality-style';
    s.textContent = style;
    document.head.append(s);
  }
  const ro = new ResizeObserver(schedule);
  ro.observe(grid);
  const watch = (root) => root.querySelectorAll('video').forEach((v) => ro.observe(v));
  watch(grid);
  new MutationObserver((muts) => {
    for (const m of muts) for (const n of m.addedNodes) if (n.nodeType === 1) { if (n.tagName === 'VIDEO') ro.observe(n); watch(n); }
    schedule();
  }).observe(grid, { childList: true, subtree: true });
  document.addEventListener('visibilitychange', schedule);
  // A track attached to an existing <video> changes no size: poll slowly too.
  setInterval(report, 2000);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'l' && !e.ctrlKey && !e.metaKey && !e.altKey && !/INPUT|TEXTAREA/.test(e.target.tagName)) setSpeakerLayout(!speakerLayout);
  });
  schedule();
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
  for (const tile of grid.querySelectorAll('.tile')) {
    const me = tile.dataset.participantId === speaker;
    tile.dataset.activeSpeaker = String(me);
    tile.dataset.stage = String(speakerLayout && me && tile.dataset.local !== 'true');
  }
  schedule(); // the stage tile grew: ask for a better layer
}

if (typeof window !== 'undefined') window.conferQuality = { setSpeakerLayout, tileSizes };
