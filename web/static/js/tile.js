// One participant's tile, and the grid geometry for 1–50 tiles.

import { el, icon, initials, colorFor } from './util.js';
import { t } from './i18n.js';
import { hideUntilFrame } from './frames.js';

export class Tile {
  constructor(id, name, isLocal, onFirstFrame) {
    this.id = id;
    this.name = name;
    this.isLocal = isLocal;
    this.state = { audioMuted: false, videoMuted: false, speaking: false, quality: '' };
    this.waiting = null; // cancels hideUntilFrame
    this.video = el('video', { autoplay: true, playsInline: true, muted: true });
    this.video.setAttribute('playsinline', '');
    this.video.setAttribute('muted', '');
    this.initials = el('span', { class: 'initials' });
    this.avatar = el('div', { class: 'avatar', 'aria-hidden': 'true' }, this.initials);
    this.nameEl = el('span', { class: 'name' });
    this.label = el('div', { class: 'label' }, icon('mic-off', 'icon mic-off'), this.nameEl,
      icon('signal-fair', 'icon quality fair'), icon('signal-poor', 'icon quality poor'));
    this.el = el('div', {
      class: 'tile',
      role: 'listitem',
      dataset: { participantId: id, audioMuted: 'false', videoMuted: 'false', speaking: 'false', hasVideo: 'false', quality: '' },
    }, this.video, this.avatar, this.label);
    if (isLocal) this.el.dataset.local = 'true';
    if (!isLocal && onFirstFrame) this.watchFirstFrame(onFirstFrame);
    this.setName(name);
  }

  /** First remote frame: requestVideoFrameCallback, or 'resize' (which also fires in background tabs). */
  watchFirstFrame(cb) {
    const v = this.video;
    let done = false;
    const once = () => {
      if (done || !v.videoWidth) return;
      done = true;
      v.removeEventListener('resize', once);
      v.removeEventListener('playing', once);
      cb();
    };
    v.addEventListener('resize', once);
    v.addEventListener('playing', once);
    if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(once);
  }

  setName(name) {
    this.name = name;
    this.nameEl.textContent = this.isLocal ? t('you', { name }) : name;
    this.initials.textContent = initials(name);
    this.avatar.style.backgroundColor = colorFor(name || this.id);
    this.updateLabel();
  }

  updateLabel() {
    const parts = [this.nameEl.textContent];
    if (this.state.audioMuted) parts.push(t('state.micOff'));
    if (this.state.videoMuted) parts.push(t('state.camOff'));
    if (this.state.speaking) parts.push(t('state.speaking'));
    if (this.state.quality) parts.push(t(`state.${this.state.quality}`));
    this.el.setAttribute('aria-label', parts.join(', '));
  }

  set(key, value) {
    if (this.state[key] === value) return;
    this.state[key] = value;
    this.el.dataset[key] = String(value);
    this.updateLabel();
  }

  /**
   * fresh: a receive slot that just switched here (hide its stale frame);
   * fromTs: the RTP timestamp where this person's frames start on it.
   */
  setVideoTrack(track, fresh = false, fromTs = undefined) {
    const cur = this.video.srcObject?.getVideoTracks()[0] || null;
    if (cur === track) return;
    this.waiting?.();
    this.waiting = null;
    this.video.srcObject = track ? new MediaStream([track]) : null;
    this.el.dataset.hasVideo = String(!!track);
    if (track && fresh) this.waiting = hideUntilFrame(this.el, this.video, fromTs);
    if (track) this.video.play().catch(() => { /* muted video autoplays; retried on next track */ });
  }

  get videoTrack() { return this.video.srcObject?.getVideoTracks()[0] || null; }

  remove() {
    this.waiting?.();
    this.video.srcObject = null;
    this.el.remove();
  }
}

/**
 * Columns and tile width for n tiles in a W×H area: the biggest tiles that
 * fit, or, when they would be too small, a fixed column count and a
 * vertically scrolling grid. Phones (narrow) use at most 2 columns.
 */
export function gridGeometry(n, W, H, gap = 8) {
  const narrow = W < 600;
  const ar = W >= H ? 16 / 9 : (narrow ? 1 : 4 / 3);
  const maxCols = narrow ? Math.min(2, n) : n;
  let best = { cols: 1, w: 0 };
  for (let c = 1; c <= maxCols; c++) {
    const r = Math.ceil(n / c);
    const w = Math.min((W - gap * (c - 1)) / c, ((H - gap * (r - 1)) / r) * ar);
    if (w > best.w) best = { cols: c, w };
  }
  const minW = narrow ? 140 : 180;
  if (best.w >= Math.min(minW, W)) return { cols: best.cols, w: Math.floor(best.w), ar, scroll: false };
  const cols = narrow ? Math.min(2, n) : Math.max(1, Math.floor((W + gap) / (minW + gap)));
  return { cols, w: Math.floor((W - gap * (cols - 1)) / cols), ar, scroll: true };
}
