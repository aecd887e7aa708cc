// The page's PeerConnections while joined (docs/protocol.md): with onePC
// one, the publish one, which also receives on its own recvonly
// transceivers (receive slots); else a publish one (the client offers)
// and a subscribe one (the server offers). Also ICE health: restart when
// a connection fails or stays disconnected for 3 s.

import { Publisher } from './publisher.js';
import { livePeers } from './peer.js';
import { holdReports } from './quality.js';

/** One PeerConnection unless the page's URL says ?onepc=0 (tests, debugging). */
export const onePC = new URLSearchParams(location.search).get('onepc') !== '0';

const AUDIO_SLOTS = 3; // the server's default top-N audio
const VIDEO_SLOTS = 4; // in the first offer, when others publish video

let o = null; // {meeting, media, send, onPublisher(pub), onState(), canRestart()}
let config = null;
let lastIceRestart = 0;
const troubleSince = { publish: 0, subscribe: 0 };

/** The Publisher, or null before the first welcome and after leaving. */
export let pub = null;

// The first join's Publisher, built with its first offer while the join's
// round trip runs (prepare): {pub, audio, video} with the tracks it was
// built with. Creating the PeerConnection and the offer is tens of ms on a
// fast PC and hundreds on a slow phone, otherwise all after the welcome.
let prepared = null;

export function init(opts) {
  o = opts;
  setInterval(watchdog, 1000);
}

/** Both directions can be kept on a resume. */
export const alive = () => !!(pub && o.meeting.sub);

/**
 * Before the first welcome (onePC): the Publisher and its first offer,
 * with receive slots for the videos the room had when the page loaded
 * (others: slots_wanted). ICE gathering waits for the welcome's servers.
 */
export function prepare(participants) {
  if (!onePC || pub || prepared) return;
  const { media } = o;
  const video = Math.min(VIDEO_SLOTS, Math.max(0, participants | 0));
  const p = new Publisher({ iceServers: [], bundlePolicy: 'max-bundle' }, o.send, onPcState, media, { audio: AUDIO_SLOTS, video });
  prepared = { pub: p, ...sentTracks(media) };
  p.prepareOffer();
}

/** Drops a prepared Publisher the page will not use (leaving, failing). */
export function discardPrepared() {
  prepared?.pub.close();
  prepared = null;
}

const sentTracks = (media) => ({ audio: media.audioTrack || null, video: (media.cameraOn && media.videoTrack) || null });

/** The prepared Publisher (onePC only) if it still sends what the media sends now. */
function takePrepared(config) {
  const p = prepared;
  prepared = null;
  if (!p) return null;
  const now = sentTracks(o.media);
  if (p.audio !== now.audio || p.video !== now.video) { p.pub.close(); return null; }
  try {
    // The welcome's ICE servers (STUN, TURN), before gathering starts. A
    // browser without setConfiguration throws: a new Publisher then.
    if (config.iceServers?.length) p.pub.pc.setConfiguration(config);
  } catch (err) {
    console.warn('[confer] prepared PeerConnection:', err);
    p.pub.close();
    return null;
  }
  return p.pub;
}

/** New PeerConnections after a welcome, and the first offer. */
export function open(iceServers) {
  const { meeting } = o;
  config = { iceServers, bundlePolicy: 'max-bundle' };
  // Receive slots in the first offer, so that the first videos need no
  // slots_wanted round trip.
  const slots = onePC ? { audio: AUDIO_SLOTS, video: Math.min(VIDEO_SLOTS, meeting.videoTargets().length) } : null;
  holdReports(true); // until the new connection that receives is up
  if (!onePC) meeting.openSubscribe(config, o.send, onPcState);
  pub = takePrepared(config) || new Publisher(config, o.send, onPcState, o.media, slots);
  if (onePC) {
    pub.addSlots(slots.audio, slots.video); // a prepared one may have fewer
    meeting.shareSubscribe(pub.peer);
  }
  o.onPublisher(pub);
  pub.negotiate();
}

export function close() {
  o.meeting.closeSubscribe();
  pub?.close();
  pub = null;
  troubleSince.publish = troubleSince.subscribe = 0;
}

/** Signalling messages about the PeerConnections; false for any other. */
export function onMessage(type, d) {
  const { meeting } = o;
  switch (type) {
    case 'offer':
      if (d.pc !== 'subscribe') return true;
      // A server without onePC offers anyway: receive on a second connection.
      if (meeting.shared) meeting.openSubscribe(config, o.send, onPcState);
      meeting.onOffer(d.sdp, o.send);
      return true;
    case 'answer': if (d.pc === 'publish') pub?.onAnswer(d.sdp); return true;
    case 'candidate': (d.pc === 'publish' ? pub?.peer : meeting.sub)?.addRemoteCandidate(d); return true;
    case 'publish_layers': pub?.setLayers(d.active || []); return true;
    case 'slots_wanted': pub?.slotsWanted(d); return true;
    case 'ice_servers': renewIceServers(d.iceServers || []); return true;
    default: return false;
  }
}

/**
 * A resumed welcome's ICE servers on the PeerConnections kept: their TURN
 * credentials are new, and the ICE restart that follows gathers with them.
 */
export function setIceServers(iceServers) {
  config = { iceServers, bundlePolicy: 'max-bundle' };
  for (const peer of new Set([pub?.peer, o.meeting.sub])) {
    try {
      peer?.pc.setConfiguration(config);
    } catch (err) {
      console.warn('[confer] ICE servers not updated:', err);
    }
  }
}

/**
 * Fresh TURN credentials in a long meeting (ice_servers): a relay checks
 * the credential again when an allocation is refreshed, so a relayed
 * connection restarts ICE to allocate with the new one before the old
 * expires. Other connections only keep them for their next gathering.
 */
async function renewIceServers(iceServers) {
  setIceServers(iceServers);
  if (await relayed(pub?.pc) || (!o.meeting.shared && await relayed(o.meeting.sub?.pc))) restartIce(false);
}

/** Whether pc's selected candidate pair is relayed on our side. */
async function relayed(pc) {
  if (!pc) return false;
  try {
    const stats = await pc.getStats();
    let yes = false;
    stats.forEach((s) => {
      if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
      const pair = stats.get(s.selectedCandidatePairId);
      if (pair && stats.get(pair.localCandidateId)?.candidateType === 'relay') yes = true;
    });
    return yes;
  } catch {
    return false;
  }
}

/**
 * ICE restart, always by a publish offer; the subscribe side (two
 * connections) by asking the server. force: a resume, whose previous
 * offer's answer may be lost.
 */
export function restartIce(force) {
  lastIceRestart = performance.now();
  pub?.negotiate({ iceRestart: true, force });
  if (!o.meeting.shared) o.send('ice_restart', {});
}

function onPcState(pcName, st) {
  if (st === 'disconnected' || st === 'failed') troubleSince[pcName] ||= performance.now();
  else troubleSince[pcName] = 0;
  if (st === 'failed') watchdog();
  if (pcName === o.meeting.sub?.name) holdReports(st !== 'connected');
  o.onState();
}

/** A connection failed or has been disconnected for minMs. */
export function trouble(minMs) {
  const now = performance.now();
  return ['publish', 'subscribe'].some((n) => {
    const peer = n === 'publish' ? pub?.peer : o.meeting.sub;
    if (!peer || !troubleSince[n]) return false;
    return peer.state === 'failed' || now - troubleSince[n] > minMs;
  });
}

function watchdog() {
  if (o.canRestart() && trouble(3000) && performance.now() - lastIceRestart > 5000) restartIce(false);
  o.onState();
}

/** For tests: the open PeerConnections, and whether one does both ways. */
export const debug = {
  pcs: () => [...livePeers].map((p) => ({ name: p.name, state: p.state })),
  get onePC() { return !!o?.meeting.shared; },
};
