// Meeting state: who is here, their tiles and remote media (the subscribe
// PeerConnection, where the server offers, or with onePC the publish one),
// and who is speaking. Remote media arrives either one transceiver per
// published track (msid stream = participant id) or, with receive slots,
// through slots.js.

import { el, icon, mark } from './util.js';
import { t } from './i18n.js';
import { Peer } from './peer.js';
import { Tile, gridGeometry } from './tile.js';
import { Slots, SLOT_STREAM } from './slots.js';
import { qualityChanged } from './quality.js';

const SPEAK_LEVEL = 0.04;  // audioLevel (linear, 0..1) that counts as speech
const SPEAK_HOLD_MS = 700; // stay highlighted this long after the last loud sample

export class Meeting {
  /**
   * opts: grid, list (participant <ul>), audioSink, onFirstFrame(),
   * onAutoplayBlocked(), onChange(), selfLevel() → 0..1
   */
  constructor(opts) {
    this.o = opts;
    this.people = new Map(); // id → {id, name, audioMuted, videoMuted, local, tile, audio, published, lastLoud}
    this.selfId = null;
    this.sub = null;
    this.receivers = new Map(); // RTCRtpReceiver → participant id
    this.early = new Map(); // participant id → [{track, receiver}] that came before the participant
    this.trackInfo = new Map(); // server track id → {id, participantId, kind, source}
    this.pending = new Map(); // server track id → {track, receiver, pid}: arrived before track_published
    this.extraAudio = new Map(); // track id → <audio> of a screen's or a played file's sound
    this.slots = new Slots(this);
    this.speakTimer = setInterval(() => this.pollSpeaking(), 250);
    new ResizeObserver(() => this.layout()).observe(opts.grid);
  }

  // ---- participants ----

  setSelf(id, name, audioMuted, videoMuted) {
    const old = this.selfId && this.people.get(this.selfId);
    if (old && old.id !== id) this.drop(old.id);
    this.selfId = id;
    this.upsert({ id, name, audioMuted, videoMuted }, true);
  }

  /** Reconciles with a welcome's list of the others. */
  reset(list, tracks) {
    const keep = new Set(list.map((p) => p.id));
    for (const id of [...this.people.keys()]) if (id !== this.selfId && !keep.has(id)) this.drop(id);
    for (const p of list) this.upsert(p, false);
    for (const p of this.people.values()) p.published = {};
    this.trackInfo.clear();
    for (const tr of tracks || []) this.trackPublished(tr, true);
    // Shares that ended while we were away (a resume that kept the media).
    for (const id of [...this.o.stage?.items.keys() || []]) if (!this.trackInfo.has(id)) this.o.stage.remove(id);
    this.slots.apply();
    qualityChanged();
  }

  upsert(d, isLocal) {
    let p = this.people.get(d.id);
    if (!p) {
      p = { id: d.id, local: isLocal, published: {}, lastLoud: 0, audio: null };
      p.tile = new Tile(d.id, d.name, isLocal, this.o.onFirstFrame);
      p.item = el('li', { class: 'person' });
      this.people.set(d.id, p);
      if (isLocal) this.o.grid.prepend(p.tile.el); else this.o.grid.append(p.tile.el);
      p.name = d.name;
      const early = this.early.get(d.id) || [];
      this.early.delete(d.id);
      for (const e of early) queueMicrotask(() => this.place(p, e.id, e.track, e.receiver));
      queueMicrotask(() => this.slots.apply());
    }
    if (d.name !== undefined && d.name !== p.name) { p.name = d.name; p.tile.setName(d.name); }
    p.audioMuted = !!d.audioMuted;
    p.videoMuted = !!d.videoMuted;
    if (d.role !== undefined) p.role = d.role || 'participant';
    if (d.hand !== undefined || !isLocal) p.hand = d.hand || 0;
    // The server's word (absent: good); the page's own copy of itself has none.
    if (d.quality !== undefined || !isLocal) p.quality = ['fair', 'poor'].includes(d.quality) ? d.quality : '';
    p.tile.set('audioMuted', p.audioMuted);
    p.tile.set('quality', p.quality || '');
    p.tile.set('videoMuted', p.videoMuted);
    this.renderItem(p);
    this.changed();
    return p;
  }

  get(id) { return this.people.get(id); }

  update(d) { if (this.people.has(d.id)) this.upsert(d, d.id === this.selfId); }

  drop(id) {
    const p = this.people.get(id);
    if (!p) return;
    p.tile.remove();
    p.item.remove();
    if (p.audio) { p.audio.srcObject = null; p.audio.remove(); }
    this.o.stage?.removeParticipant(id);
    this.people.delete(id);
    for (const [r, pid] of this.receivers) if (pid === id) this.receivers.delete(r);
    this.slots.apply();
    this.changed();
  }

  /** Everyone, self included, for conferDebug. */
  list() {
    return [...this.people.values()].map((p) => ({
      id: p.id, name: p.name, audioMuted: p.audioMuted, videoMuted: p.videoMuted, local: p.local,
      role: p.role || 'participant', hand: p.hand || 0, quality: p.quality || '',
    }));
  }

  get count() { return this.people.size; }

  clear() {
    this.closeSubscribe();
    for (const id of [...this.people.keys()]) this.drop(id);
    this.selfId = null;
  }

  changed() {
    this.layout();
    this.o.onChange?.();
  }

  renderItem(p) {
    const label = p.local ? t('you', { name: p.name }) : p.name;
    const states = [];
    if (p.audioMuted) states.push(t('state.micOff'));
    if (p.videoMuted) states.push(t('state.camOff'));
    if (p.quality) states.push(t(`state.${p.quality}`));
    const icons = el('span', { class: 'person-icons' });
    if (p.audioMuted) icons.append(icon('mic-off'));
    if (p.videoMuted) icons.append(icon('cam-off'));
    if (p.quality) icons.append(icon(`signal-${p.quality}`, `icon quality-${p.quality}`));
    const sr = el('span', { class: 'sr-only', text: states.length ? `, ${states.join(', ')}` : '' });
    p.item.replaceChildren(el('span', { class: 'person-name', text: label }), sr, icons);
    p.tile.el.dataset.hand = String(!!p.hand);
    this.o.decorate?.(p, p.item); // raised hand, role, moderation buttons
    if (!p.item.isConnected) {
      if (p.local) this.o.list.prepend(p.item); else this.o.list.append(p.item);
    }
  }

  relabel() {
    for (const p of this.people.values()) { p.tile.setName(p.name); this.renderItem(p); }
  }

  // ---- tracks ----

  /** batch: part of a welcome's list; the caller applies the slots once. */
  trackPublished(tr, batch = false) {
    const src = tr.source || (tr.kind === 'audio' ? 'microphone' : 'camera');
    this.trackInfo.set(tr.id, { ...tr, source: src });
    const p = this.people.get(tr.participantId);
    if (p && (src === 'camera' || src === 'microphone')) p.published[tr.kind] = tr.id;
    // A share takes the stage when announced; its video follows (offer or slot).
    if (p && !p.local && tr.kind === 'video' && src !== 'camera') this.o.stage?.add(tr.id, p, src);
    if (!batch) { this.slots.apply(); qualityChanged(); }
    const w = this.pending.get(tr.id);
    if (w) {
      this.pending.delete(tr.id);
      const owner = this.people.get(w.pid);
      if (owner) this.place(owner, tr.id, w.track, w.receiver);
    }
  }

  trackRemoved(tr) {
    const info = this.trackInfo.get(tr.id);
    this.trackInfo.delete(tr.id);
    this.pending.delete(tr.id);
    this.slots.apply();
    qualityChanged();
    const src = info?.source || tr.source;
    if (src && src !== 'camera' && src !== 'microphone') { this.dropExtra(tr.id); return; }
    const p = this.people.get(tr.participantId);
    if (!p || p.published[tr.kind] !== tr.id) return;
    delete p.published[tr.kind];
    this.setMedia(p, tr.kind, null);
  }

  /** Puts a remote track where its source belongs: tile, stage, or an extra audio element. */
  place(p, id, track, receiver) {
    const info = this.trackInfo.get(id);
    if (!info) { this.pending.set(id, { track, receiver, pid: p.id }); return; }
    if (info.source === 'camera' || info.source === 'microphone') { this.attach(p, track, receiver); return; }
    if (track.kind === 'video') { this.stageTrack(p, id, track, info.source); return; }
    const a = el('audio', { autoplay: true });
    a.srcObject = new MediaStream([track]);
    this.o.audioSink.append(a);
    this.extraAudio.set(id, a);
    a.play().catch((err) => { if (err.name === 'NotAllowedError') this.o.onAutoplayBlocked?.(); });
  }

  stageTrack(p, id, track, source) {
    const stage = this.o.stage;
    if (!stage) return;
    stage.add(id, p, source);
    stage.setTrack(id, track);
    track.addEventListener('ended', () => { if (stage.track(id) === track) stage.remove(id); });
  }

  dropExtra(id) {
    this.o.stage?.remove(id);
    const a = this.extraAudio.get(id);
    if (a) { a.srcObject = null; a.remove(); this.extraAudio.delete(id); }
  }

  setMedia(p, kind, track) {
    if (kind === 'video') { p.tile.setVideoTrack(track); return; }
    if (!track) { if (p.audio) p.audio.srcObject = null; return; }
    if (!p.audio) {
      p.audio = el('audio', { autoplay: true });
      this.o.audioSink.append(p.audio);
    }
    if (p.audio.srcObject?.getAudioTracks()[0] === track) return;
    p.audio.srcObject = new MediaStream([track]);
    p.audio.play().catch((err) => { if (err.name === 'NotAllowedError') this.o.onAutoplayBlocked?.(); });
  }

  /** After a user gesture: start any audio the browser held back. */
  resumeAudio() {
    for (const a of this.extraAudio.values()) a.play().catch(() => {});
    for (const p of this.people.values()) p.audio?.play().catch(() => {});
    this.slots.resume();
  }

  /** Local camera track (or null) on the own tile. */
  setLocalVideo(track) {
    const p = this.people.get(this.selfId);
    if (p) p.tile.setVideoTrack(track);
  }

  // ---- receiving PeerConnection ----

  /** The subscribe PeerConnection: the server offers. */
  openSubscribe(config, send, onState) {
    this.closeSubscribe();
    return this.receiveOn(new Peer('subscribe', config, send, onState));
  }

  /** onePC: the publish PeerConnection also receives (receive slots). */
  shareSubscribe(peer) {
    this.closeSubscribe();
    return this.receiveOn(peer);
  }

  get shared() { return !!this.sub && this.sub.name === 'publish'; }

  receiveOn(peer) {
    peer.pc.ontrack = (e) => {
      mark('track');
      const pid = e.streams[0]?.id;
      if (!pid) return;
      if (pid === SLOT_STREAM) { this.slots.added(e); return; }
      // The server's track id is the msid track part; browsers may give
      // the MediaStreamTrack another id, so read it from the SDP by mid.
      const id = msidTrack(peer.pc.remoteDescription?.sdp, e.transceiver?.mid) || e.track.id;
      const p = this.people.get(pid);
      if (p) { this.place(p, id, e.track, e.receiver); return; }
      if (!this.early.has(pid)) this.early.set(pid, []);
      this.early.get(pid).push({ id, track: e.track, receiver: e.receiver });
    };
    this.sub = peer;
    return peer;
  }

  attach(p, track, receiver) {
    if (p.local || track.readyState === 'ended') return;
    if (track.kind === 'audio') this.receivers.set(receiver, p.id);
    this.setMedia(p, track.kind, track);
    track.addEventListener('ended', () => {
      const cur = track.kind === 'video' ? p.tile.videoTrack : p.audio?.srcObject?.getAudioTracks()[0];
      if (cur === track && this.people.get(p.id) === p) this.setMedia(p, track.kind, null);
    });
  }

  /** A subscribe offer from the server: answer it. */
  onOffer(sdp, send) {
    const peer = this.sub;
    if (!peer) return;
    peer.run(async () => {
      await peer.setRemote({ type: 'offer', sdp });
      this.slots.apply(); // a `slots` map may have named this offer's mids already
      await peer.pc.setLocalDescription(await peer.pc.createAnswer());
      send('answer', { pc: 'subscribe', sdp: peer.pc.localDescription.sdp });
    });
  }

  closeSubscribe() {
    // A shared PeerConnection is the publisher's to close.
    if (this.shared) this.sub.pc.ontrack = null; else this.sub?.close();
    this.sub = null;
    this.receivers.clear();
    this.early.clear();
    this.pending.clear();
    this.slots.clear();
    for (const id of [...this.extraAudio.keys()]) this.dropExtra(id);
    // Shares stay announced: their tabs wait for the next connection's video.
    for (const id of this.o.stage?.items.keys() || []) this.o.stage.setTrack(id, null);
    for (const p of this.people.values()) {
      if (p.local) continue;
      this.setMedia(p, 'video', null);
      this.setMedia(p, 'audio', null);
    }
  }

  /**
   * Every remote video track known from track_published, with the element
   * showing it (null: not shown now), for video_prefs.
   */
  videoTargets() {
    const out = [];
    for (const info of this.trackInfo.values()) {
      const p = this.people.get(info.participantId);
      if (info.kind !== 'video' || !p || p.local) continue;
      out.push({ id: info.id, el: info.source === 'camera' ? p.tile.el : this.o.stage?.viewOf(info.id) || null });
    }
    return out;
  }

  // ---- speaking ----

  pollSpeaking() {
    const now = performance.now();
    const loud = (pid) => { const p = this.people.get(pid); if (p) p.lastLoud = now; };
    if (this.o.selfLevel() > SPEAK_LEVEL) loud(this.selfId);
    let needStats = false;
    for (const [r, pid] of this.receivers) {
      let level = null;
      for (const s of r.getSynchronizationSources?.() || []) {
        if (typeof s.audioLevel === 'number') level = Math.max(level ?? 0, s.audioLevel);
      }
      if (level === null) needStats = true; // no ssrc-audio-level header extension
      else if (level > SPEAK_LEVEL) loud(pid);
    }
    if (needStats) this.statsLevels(loud);
    for (const p of this.people.values()) {
      p.tile.set('speaking', !p.audioMuted && now - p.lastLoud < SPEAK_HOLD_MS);
    }
  }

  /** Fallback: audioLevel of the decoded audio from inbound-rtp stats. */
  async statsLevels(loud) {
    if (this.statsBusy || !this.sub) return;
    this.statsBusy = true;
    try {
      const byTrack = new Map();
      for (const [r, pid] of this.receivers) byTrack.set(r.track.id, pid);
      const report = await this.sub.pc.getStats();
      report.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.audioLevel > SPEAK_LEVEL) {
          const pid = byTrack.get(s.trackIdentifier);
          if (pid) loud(pid);
        }
      });
    } catch { /* closed meanwhile */ } finally {
      this.statsBusy = false;
    }
  }

  // ---- layout ----

  layout() {
    const grid = this.o.grid;
    const n = Math.max(1, this.people.size);
    const cs = getComputedStyle(grid);
    const W = grid.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const H = grid.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    if (!(W > 0 && H > 0)) return;
    if (this.o.stage?.active) {
      // A share is on stage: the participants become a strip of small tiles.
      grid.style.setProperty('--cols', String(n));
      grid.style.setProperty('--tile-w', `${Math.floor(H * 16 / 9)}px`);
      grid.style.setProperty('--tile-ar', String(16 / 9));
      grid.dataset.scroll = 'true';
      return;
    }
    const g = gridGeometry(n, W, H, parseFloat(cs.columnGap) || 8);
    grid.style.setProperty('--cols', String(g.cols));
    grid.style.setProperty('--tile-w', `${g.w}px`);
    grid.style.setProperty('--tile-ar', String(g.ar));
    grid.dataset.scroll = String(g.scroll);
  }
}

/** The msid track id of the m-section with this mid in an SDP. */
export function msidTrack(sdp, mid) {
  if (!sdp || mid == null) return null;
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const m = section.match(/\r?\na=mid:(\S+)/);
    if (!m || m[1] !== String(mid)) continue;
    const ms = section.match(/\r?\na=msid:\S+ (\S+)/);
    return ms ? ms[1] : null;
  }
  return null;
}
