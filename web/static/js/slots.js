// Receive slots (docs/protocol.md, "Receive slots"): a client that joins
// with slots gets a few fixed subscribe transceivers (msid stream
// confer-slots; with onePC they are its own recvonly ones on the publish
// PeerConnection), and the `slots` message says, by mid, which published
// track each one carries now. This module follows that map: video goes to
// its owner's tile or the stage, audio plays through one hidden <audio>
// per slot. The Meeting owns the tiles, the stage and the track list.

import { el } from './util.js';

export const SLOT_STREAM = 'confer-slots';

export class Slots {
  /** m: the Meeting (sub, people, trackInfo, receivers, o.stage, o.audioSink). */
  constructor(m) {
    this.m = m;
    this.map = [];          // the latest `slots` message: [{mid, kind, trackId, participantId, fromTs?}]
    this.cur = new Map();   // mid → what the slot shows now: {kind, trackId, pid, source, track, receiver}
    this.audio = new Map(); // mid → the slot's <audio>
    this.on = false;        // the server gives this connection slots
  }

  /** A `slots` message: the full map. Its mids may be in an offer not applied yet. */
  set(list) {
    this.map = Array.isArray(list) ? list : [];
    this.on = true;
    this.apply();
  }

  /** ontrack of a slot transceiver. */
  added(e) {
    this.on = true;
    if (e.track.kind === 'audio') this.play(e.transceiver.mid, e.track);
    this.apply();
  }

  /**
   * Makes what is shown follow the map, as far as the transceivers, people
   * and tracks are known; called again whenever one of them changes.
   */
  apply() {
    const pc = this.m.sub?.pc;
    if (!pc) return;
    const byMid = new Map();
    for (const tr of pc.getTransceivers()) if (tr.mid != null) byMid.set(tr.mid, tr);
    const want = new Map();
    for (const s of this.map) {
      const tr = byMid.get(s.mid);
      if (!tr || tr.receiver.track.kind !== s.kind) continue;
      if (s.kind === 'audio') this.play(s.mid, tr.receiver.track);
      const a = this.resolve(s, tr.receiver);
      if (a) want.set(s.mid, a);
    }
    // Detach everything that moved before attaching: two slots may swap people.
    for (const [mid, a] of this.cur) {
      if (same(a, want.get(mid))) continue;
      this.detach(a);
      this.cur.delete(mid);
    }
    for (const [mid, a] of want) {
      if (this.cur.has(mid)) continue;
      this.attach(a);
      this.cur.set(mid, a);
    }
  }

  /** What slot s should show, or null (empty, or its person or track is not known yet). */
  resolve(s, receiver) {
    if (!s.trackId) return null;
    const info = this.m.trackInfo.get(s.trackId);
    const p = this.m.people.get(s.participantId);
    if (!info || !p || p.local) return null;
    return { kind: s.kind, trackId: s.trackId, pid: p.id, source: info.source, track: receiver.track, receiver, fromTs: s.fromTs };
  }

  attach(a) {
    if (a.kind === 'audio') {
      // Speaking indicator: levels of a microphone slot count for its person.
      if (a.source === 'microphone') this.m.receivers.set(a.receiver, a.pid);
      return;
    }
    const p = this.m.people.get(a.pid);
    if (a.source === 'camera') { p.tile.setVideoTrack(a.track, true, a.fromTs); return; }
    const stage = this.m.o.stage;
    stage?.add(a.trackId, p, a.source);
    stage?.setTrack(a.trackId, a.track, true, a.fromTs);
  }

  detach(a) {
    if (a.kind === 'audio') {
      if (this.m.receivers.get(a.receiver) === a.pid) this.m.receivers.delete(a.receiver);
      return;
    }
    const tile = this.m.people.get(a.pid)?.tile;
    if (a.source === 'camera') {
      if (tile?.videoTrack === a.track) tile.setVideoTrack(null);
      return;
    }
    const stage = this.m.o.stage;
    if (stage?.track(a.trackId) === a.track) stage.setTrack(a.trackId, null);
  }

  /** One hidden, playing <audio> per audio slot, whoever it carries. */
  play(mid, track) {
    if (mid == null || this.audio.get(mid)?.srcObject?.getAudioTracks()[0] === track) return;
    let a = this.audio.get(mid);
    if (!a) {
      a = el('audio', { autoplay: true, dataset: { slot: mid } });
      this.m.o.audioSink.append(a);
      this.audio.set(mid, a);
    }
    a.srcObject = new MediaStream([track]);
    a.play().catch((err) => { if (err.name === 'NotAllowedError') this.m.o.onAutoplayBlocked?.(); });
  }

  /** After a user gesture: start audio the browser held back. */
  resume() { for (const a of this.audio.values()) a.play().catch(() => {}); }

  /** The subscribe PeerConnection is gone: its slots with it. */
  clear() {
    for (const a of this.audio.values()) { a.srcObject = null; a.remove(); }
    this.audio.clear();
    this.cur.clear();
    this.map = [];
    this.on = false;
  }

  /** For tests (conferDebug.slots()). */
  debug() {
    return {
      on: this.on,
      map: this.map,
      shown: [...this.cur].map(([mid, a]) => ({ mid, kind: a.kind, trackId: a.trackId, participantId: a.pid })),
      audio: [...this.audio.values()].map((a) => ({ mid: a.dataset.slot, playing: !a.paused && !!a.srcObject })),
    };
  }
}

function same(a, b) {
  return !!b && a.trackId === b.trackId && a.pid === b.pid && a.track === b.track && a.source === b.source;
}
