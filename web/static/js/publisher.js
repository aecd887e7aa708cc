// The publish PeerConnection: the client offers, the server answers. It
// sends the microphone, the camera and the shares (sendonly); with onePC
// (docs/protocol.md, "One PeerConnection") it also receives, on receive
// slots that are its own recvonly transceivers, and is the page's only
// PeerConnection.

import { Peer } from './peer.js';
import { mark } from './util.js';

// Slots the server may ask for at most (49 video slots, a top-N audio limit).
const MAX_SLOTS = { audio: 16, video: 49 };

/**
 * Encodings for the camera: three simulcast layers (≈180p, 360p, 720p from
 * a 720p camera), lowest first. The server forwards each viewer the layer
 * that fits its tile and bandwidth, and pauses layers nobody needs
 * (publish_layers). Screen shares use one encoding and are not simulcast.
 */
export function videoEncodings() {
  return [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000, maxFramerate: 30 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000, maxFramerate: 30 },
    { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_500_000, maxFramerate: 30 },
  ];
}

export class Publisher {
  /**
   * slots: with onePC, the receive slots of the first offer {audio, video};
   * null without onePC.
   */
  constructor(config, send, onState, media, slots = null) {
    this.send = send;
    this.peer = new Peer('publish', config, send, onState);
    const pc = this.peer.pc;
    // Both transceivers exist from the start, even with the camera off,
    // so muting and unmuting never need a renegotiation.
    this.audio = pc.addTransceiver(media.audioTrack || 'audio', { direction: 'sendonly' });
    this.video = pc.addTransceiver(media.cameraOn && media.videoTrack ? media.videoTrack : 'video', {
      direction: 'sendonly',
      sendEncodings: videoEncodings(),
    });
    this.onePC = !!slots;
    this.recv = { audio: [], video: [] }; // onePC: the receive slot transceivers
    this.early = null;   // {offer, slotsAdded}: made before the welcome (prepareOffer)
    this.slotsAdded = 0; // transceivers addSlots added: an early offer made before one lacks it
    if (slots) this.addSlots(slots.audio, slots.video);
    this.queued = null;  // an offer asked for that has not started yet
    this.pending = null; // an offer asked for while another was out
    this.sources = null; // (sdp) → {msid track id: source}, set by the meeting's share feature
  }

  get pc() { return this.peer.pc; }

  /**
   * onePC: adds recvonly transceivers up to these counts (never removes
   * any); returns whether it added one, so that an offer is due.
   */
  addSlots(audio, video) {
    let added = false;
    for (const [kind, want] of [['audio', audio], ['video', video]]) {
      const list = this.recv[kind];
      while (list.length < Math.min(want || 0, MAX_SLOTS[kind])) {
        list.push(this.pc.addTransceiver(kind, { direction: 'recvonly' }));
        added = true;
        this.slotsAdded++;
      }
    }
    return added;
  }

  /**
   * Makes the first offer ahead, while the join's round trip runs; the
   * first negotiate sends it unless a transceiver was added since.
   * Gathering starts only when negotiate sets it, with the welcome's ICE
   * servers.
   */
  prepareOffer() {
    return this.peer.run(async () => {
      const slotsAdded = this.slotsAdded;
      const offer = await this.pc.createOffer();
      if (this.pc.signalingState === 'stable') this.early = { offer, slotsAdded };
    });
  }

  /** slots_wanted from the server: more receive slots, then an offer. */
  slotsWanted(d) {
    if (this.onePC && this.addSlots(d.audio, d.video)) this.negotiate();
  }

  /**
   * Creates and sends an offer; the client is the only offerer, so one at
   * a time: a request while one is queued joins it, one while an offer is
   * out follows its answer. force: the previous offer's answer is lost
   * (the WebSocket dropped), so roll it back instead of waiting for it.
   */
  negotiate({ iceRestart = false, force = false } = {}) {
    if (this.queued) {
      this.queued.iceRestart ||= iceRestart;
      this.queued.force ||= force;
      return this.peer.chain;
    }
    const req = { iceRestart, force };
    this.queued = req;
    return this.peer.run(async () => {
      if (this.queued === req) this.queued = null;
      const pc = this.pc;
      if (pc.signalingState === 'have-local-offer') {
        if (!req.force) { this.pending = { iceRestart: req.iceRestart || this.pending?.iceRestart }; return; }
        await pc.setLocalDescription({ type: 'rollback' });
      }
      const early = !req.iceRestart && this.early?.slotsAdded === this.slotsAdded ? this.early.offer : null;
      this.early = null;
      if (early) mark('early');
      const offer = early || await pc.createOffer({ iceRestart: req.iceRestart });
      await pc.setLocalDescription(offer);
      // Say what each track carries (camera, screen…) before offering it.
      const src = this.sources?.(pc.localDescription.sdp);
      if (src && Object.keys(src).length) this.send('sources', { tracks: src });
      mark('offer');
      this.send('offer', { pc: 'publish', sdp: pc.localDescription.sdp, iceRestart: req.iceRestart || undefined });
    });
  }

  onAnswer(sdp) {
    mark('answer');
    return this.peer.run(async () => {
      if (this.pc.signalingState !== 'have-local-offer') return;
      await this.peer.setRemote({ type: 'answer', sdp });
      if (this.pending) {
        const p = this.pending;
        this.pending = null;
        this.negotiate(p);
      }
    });
  }

  /** Dynacast: keeps sending only the simulcast layers (rids) the server asks for. */
  async setLayers(active) {
    const sender = this.video.sender;
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length < 2) return;
    let changed = false;
    for (const e of params.encodings) {
      const on = active.includes(e.rid);
      if (e.active !== on) { e.active = on; changed = true; }
    }
    if (!changed) return;
    try { await sender.setParameters(params); } catch (err) { console.error('[confer] setParameters:', err); }
  }

  /** Swaps the sent track (null stops sending) without renegotiation. */
  async replace(kind, track) {
    const sender = (kind === 'audio' ? this.audio : this.video).sender;
    try { await sender.replaceTrack(track); } catch (err) { console.error('[confer] replaceTrack:', err); }
  }

  close() { this.peer.close(); }
}
