// A PeerConnection named "publish" or "subscribe" with trickle ICE both ways,
// remote candidates queued until the remote description is set, and a
// promise chain so that negotiation steps never overlap.

import { mark } from './util.js';

/** The page's open Peers, for tests (conferDebug.pcs()). */
export const livePeers = new Set();

export class Peer {
  /**
   * @param {'publish'|'subscribe'} name
   * @param {RTCConfiguration} config
   * @param {(type: string, data: object) => void} send signalling sender
   * @param {(name: string, state: string) => void} onState connectionState changes
   */
  constructor(name, config, send, onState) {
    this.name = name;
    this.pc = new RTCPeerConnection(config);
    this.queue = [];
    this.chain = Promise.resolve();
    this.closed = false;
    livePeers.add(this);
    this.pc.onicecandidate = (e) => {
      const c = e.candidate;
      send('candidate', {
        pc: name,
        candidate: c ? c.candidate : '',
        sdpMid: c?.sdpMid ?? undefined,
        sdpMLineIndex: c?.sdpMLineIndex ?? undefined,
      });
    };
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'connected') mark('connected');
      onState(name, this.pc.connectionState);
    };
  }

  get state() { return this.pc.connectionState; }

  /** Runs fn after every earlier step; errors are logged, not thrown. */
  run(fn) {
    this.chain = this.chain.then(() => (this.closed ? undefined : fn())).catch((err) => {
      console.error(`[confer] ${this.name}:`, err);
    });
    return this.chain;
  }

  async setRemote(desc) {
    await this.pc.setRemoteDescription(desc);
    const q = this.queue;
    this.queue = [];
    for (const c of q) await this.addCandidate(c);
  }

  /** A candidate message from the server. */
  addRemoteCandidate(d) {
    const init = { candidate: d.candidate || '' };
    if (d.sdpMid != null) init.sdpMid = d.sdpMid;
    if (d.sdpMLineIndex != null) init.sdpMLineIndex = d.sdpMLineIndex;
    if (init.sdpMid == null && init.sdpMLineIndex == null) init.sdpMLineIndex = 0;
    if (!this.pc.remoteDescription) { this.queue.push(init); return; }
    this.addCandidate(init);
  }

  async addCandidate(init) {
    try {
      await this.pc.addIceCandidate(init);
    } catch (err) {
      if (init.candidate) console.warn(`[confer] ${this.name} candidate:`, err);
      // end-of-candidates is not understood by every browser; ignore it
    }
  }

  close() {
    this.closed = true;
    livePeers.delete(this);
    this.pc.onicecandidate = this.pc.onconnectionstatechange = this.pc.ontrack = null;
    try { this.pc.close(); } catch { /* closed */ }
  }
}
