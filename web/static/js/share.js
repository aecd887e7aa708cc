// Screen sharing and playing a local video/audio file to everyone, and the
// "stage" where others' shares are shown large (participants become a
// strip). Shares are extra transceivers on the publish PeerConnection
// (renegotiation: the client offers); before each offer the client tells
// the server what each of its tracks carries ("sources").

import { $, el } from './util.js';
import { t } from './i18n.js';
import { hideUntilFrame } from './frames.js';

let tabSeq = 0;

export const canShareScreen = () => !!navigator.mediaDevices?.getDisplayMedia;

/** Maps own msid track ids to sources for the "sources" message. */
export function sourcesFromSDP(sdp, byMid) {
  const out = {};
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = section.match(/\r?\na=mid:(\S+)/)?.[1];
    const tid = section.match(/\r?\na=msid:\S+ (\S+)/)?.[1];
    if (mid != null && tid && byMid[mid]) out[tid] = byMid[mid];
  }
  return out;
}

/** The stage: remote screen shares and played media, one shown at a time. */
export class Stage {
  constructor(onChange) {
    this.items = new Map(); // track id → {id, pid, name, source, video, tab}
    this.current = null;
    this.onChange = onChange;
  }

  get active() { return this.items.size > 0; }

  /** A share announced (track_published): its tab and video, shown at once. */
  add(id, p, source) {
    if (this.items.has(id)) return;
    const video = el('video', { autoplay: true, playsInline: true, muted: true });
    video.setAttribute('playsinline', '');
    // ARIA tabs: one Tab stop for the row, arrows and Home/End move.
    const tab = el('button', { type: 'button', class: 'stage-tab', role: 'tab', id: `stage-tab-${++tabSeq}`, 'aria-controls': 'stage-view', tabindex: '-1', dataset: { trackId: id } });
    tab.addEventListener('click', () => this.show(id));
    tab.addEventListener('keydown', (e) => this.tabKey(e, id));
    const item = { id, pid: p.id, name: p.name, source, video, tab, cancel: null };
    this.items.set(id, item);
    this.label(item);
    $('#stage-tabs').append(tab);
    this.show(id); // the newest share takes the stage
  }

  /**
   * The share's video track, or null. fresh: the track is a receive slot
   * that just switched to this share, so hide its last frame until a new
   * one arrives (of RTP timestamp fromTs or later, when given).
   */
  setTrack(id, track, fresh = false, fromTs = undefined) {
    const item = this.items.get(id);
    if (!item || this.track(id) === track) return;
    item.cancel?.();
    item.cancel = null;
    item.video.srcObject = track ? new MediaStream([track]) : null;
    if (!track) return;
    if (fresh) item.cancel = hideUntilFrame(item.video, item.video, fromTs);
    item.video.play().catch(() => {});
  }

  track(id) { return this.items.get(id)?.video.srcObject?.getVideoTracks()[0] || null; }

  /** The element showing share id now, or null when another tab is on stage. */
  viewOf(id) { return this.current === id ? $('#stage-view') : null; }

  label(item) {
    item.tab.textContent = t(item.source === 'media' ? 'stage.media' : 'stage.screen', { name: item.name });
  }

  relabel() { for (const i of this.items.values()) this.label(i); }

  tabKey(e, id) {
    const ids = [...this.items.keys()];
    const i = ids.indexOf(id);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: ids.length - 1 }[e.key];
    if (to === undefined || !ids.length) return;
    e.preventDefault();
    const next = ids[(to + ids.length) % ids.length];
    this.show(next);
    this.items.get(next).tab.focus();
  }

  show(id) {
    const item = this.items.get(id);
    if (!item) return;
    this.current = id;
    $('#stage-view').replaceChildren(item.video);
    item.video.play().catch(() => {});
    item.video.setAttribute('aria-label', item.tab.textContent);
    $('#stage-view').setAttribute('aria-labelledby', item.tab.id);
    for (const i of this.items.values()) {
      i.tab.setAttribute('aria-selected', String(i.id === id));
      i.tab.tabIndex = i.id === id ? 0 : -1;
    }
    this.render();
  }

  remove(id, quiet) {
    const item = this.items.get(id);
    if (!item) return;
    item.cancel?.();
    item.video.srcObject = null;
    item.tab.remove();
    item.video.remove();
    this.items.delete(id);
    if (this.current === id) {
      this.current = null;
      const next = [...this.items.keys()].pop();
      if (next) this.show(next);
    }
    if (!quiet) this.render();
  }

  removeParticipant(pid) {
    for (const i of [...this.items.values()]) if (i.pid === pid) this.remove(i.id);
  }

  clear() { for (const id of [...this.items.keys()]) this.remove(id); }

  render() {
    $('#stage-area').hidden = !this.active && !$('#media-player').dataset.local;
    $('#stage-tabs').hidden = this.items.size < 2;
    $('#screen-meeting').dataset.stage = String(this.active || !!$('#media-player').dataset.local);
    this.onChange?.();
  }

  /** For tests: what is on stage and how large it decodes. */
  debug() {
    const cur = this.items.get(this.current);
    return { count: this.items.size, participantId: cur?.pid || null, source: cur?.source || null,
      width: cur?.video.videoWidth || 0, height: cur?.video.videoHeight || 0 };
  }
}

/**
 * The local shares: at most one screen (with its audio when the browser
 * gives it) and one played file. getPub returns the current Publisher.
 */
export class Shares {
  constructor(getPub, onState) {
    this.getPub = getPub;
    this.onState = onState; // (kind, on) → void
    this.screen = null; // {stream, senders}
    this.media = null;  // {video, stream, senders, url}
  }

  /** The Publisher calls this before each offer. */
  sourcesByMid(pub) {
    const m = {};
    if (pub.audio?.mid != null) m[pub.audio.mid] = 'microphone';
    if (pub.video?.mid != null) m[pub.video.mid] = 'camera';
    for (const [kind, share] of [['screen', this.screen], ['media', this.media]]) {
      for (const s of share?.senders || []) {
        const tr = pub.pc.getTransceivers().find((x) => x.sender === s);
        if (tr?.mid != null) m[tr.mid] = kind === 'screen' && s.track?.kind === 'audio' ? 'screen-audio' : kind;
      }
    }
    return m;
  }

  async startScreen() {
    const pub = this.getPub();
    if (!pub || this.screen) return;
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: 15, max: 30 } }, audio: true, selfBrowserSurface: 'exclude', surfaceSwitching: 'include',
    });
    const [video] = stream.getVideoTracks();
    // Text must stay sharp: keep the resolution, let the frame rate drop.
    if ('contentHint' in video) video.contentHint = 'detail';
    this.screen = { stream, senders: [] };
    await this.addTracks(pub, this.screen, 2_500_000);
    video.addEventListener('ended', () => this.stopScreen());
    this.onState('screen', true);
  }

  /**
   * Adds the live tracks of share.stream to pub. share.senders is set
   * before the first await: an offer made meanwhile (a new Publisher's
   * first one) must already name these tracks in its sources, or the
   * server announces the share as a camera.
   */
  async addTracks(pub, share, maxBitrate) {
    const { stream } = share;
    const senders = [];
    const tuning = [];
    // Ended tracks are skipped: a republished share may have lost its audio.
    for (const track of stream.getTracks().filter((x) => x.readyState === 'live')) {
      const init = { direction: 'sendonly', streams: [stream] };
      if (track.kind === 'video') init.sendEncodings = [{ maxBitrate }];
      const tr = pub.pc.addTransceiver(track, init);
      if (track.kind === 'video') {
        const p = tr.sender.getParameters();
        p.degradationPreference = 'maintain-resolution';
        tuning.push(tr.sender.setParameters(p).catch(() => {}));
      }
      senders.push(tr.sender);
    }
    share.senders = senders;
    await Promise.all(tuning);
    pub.negotiate();
  }

  async removeTracks(share) {
    for (const tr of share.stream.getTracks()) tr.stop();
    const pub = this.getPub();
    if (!pub) return;
    for (const s of share.senders) { try { pub.pc.removeTrack(s); } catch { /* closed */ } }
    pub.negotiate();
  }

  async stopScreen() {
    const s = this.screen;
    if (!s) return;
    this.screen = null;
    await this.removeTracks(s);
    this.onState('screen', false);
  }

  /** Plays a local video or audio file to everyone (source "media"). */
  async startMedia(file) {
    const pub = this.getPub();
    if (!pub || this.media) return;
    const url = URL.createObjectURL(file);
    const video = el('video', { playsInline: true, controls: false });
    video.src = url;
    video.muted = false; // captureStream carries the sound; the sharer hears it too
    await video.play();
    const stream = video.captureStream ? video.captureStream() : video.mozCaptureStream();
    for (let i = 0; i < 20 && !stream.getTracks().length; i++) await new Promise((r) => setTimeout(r, 50));
    this.media = { video, stream, url, senders: [] };
    await this.addTracks(pub, this.media, 2_000_000);
    video.addEventListener('ended', () => this.stopMedia());
    const player = $('#media-player');
    player.hidden = false;
    player.dataset.local = 'true';
    $('#stage-view').replaceChildren(video);
    this.onState('media', true);
  }

  toggleMedia() {
    const v = this.media?.video;
    if (!v) return;
    if (v.paused) v.play().catch(() => {}); else v.pause();
    $('#media-toggle').textContent = t(v.paused ? 'media.play' : 'media.pause');
  }

  async stopMedia() {
    const m = this.media;
    if (!m) return;
    this.media = null;
    m.video.pause();
    m.video.remove();
    URL.revokeObjectURL(m.url);
    const player = $('#media-player');
    player.hidden = true;
    delete player.dataset.local;
    await this.removeTracks(m);
    this.onState('media', false);
  }

  /**
   * A reconnect that could not keep its media gives a new publish
   * PeerConnection without our shares: publish again those whose capture
   * is still live (the next offer carries them and their sources). A
   * screen whose capture ended cannot be restarted without a click
   * (getDisplayMedia needs a gesture): onEnded says so.
   */
  async republish(pub, onEnded) {
    for (const [kind, rate] of [['screen', 2_500_000], ['media', 2_000_000]]) {
      const s = this[kind];
      if (!s) continue;
      const video = s.stream.getVideoTracks()[0];
      if (video?.readyState === 'live' || (kind === 'media' && s.stream.getTracks().some((x) => x.readyState === 'live'))) {
        await this.addTracks(pub, s, rate);
        continue;
      }
      s.senders = []; // they belonged to the closed PeerConnection
      if (kind === 'screen') { await this.stopScreen(); onEnded?.('screen'); } else await this.stopMedia();
    }
  }

  /** Leaving the meeting: shares end. */
  dropAll() {
    for (const s of [this.screen, this.media]) for (const tr of s?.stream.getTracks() || []) tr.stop();
    if (this.media) { URL.revokeObjectURL(this.media.url); this.media.video.remove(); }
    const had = { screen: !!this.screen, media: !!this.media };
    this.screen = this.media = null;
    $('#media-player').hidden = true;
    delete $('#media-player').dataset.local;
    if (had.screen) this.onState('screen', false);
    if (had.media) this.onState('media', false);
  }
}
