// Entry point of /r/{slug}: loads the room, runs the pre-join screen, joins,
// reconnects and leaves, following docs/protocol.md.

import { $, local, session, mark, marks } from './util.js';
import { t, tn, applyI18n, initLangSwitch, onLangChange } from './i18n.js';
import { Signaling, wsURL, preconnect, dropPreconnect } from './signaling.js';
import { LocalMedia, LevelMeter } from './media.js';
import * as conn from './connection.js';
import { Meeting } from './meeting.js';
import { startQuality, onActiveSpeaker } from './quality.js';
import * as ui from './ui.js';
import * as controls from './controls.js';
import * as features from './features.js';
import * as more from './more.js';
import { showWaiting } from './lobby.js';
import { frameStats } from './frames.js';
import './metrics.js'; // join time for /metrics

const slug = (() => {
  const m = location.pathname.match(/^\/r\/([^/]+)\/?$/);
  try { return m ? decodeURIComponent(m[1]) : ''; } catch { return ''; }
})();
const params = new URLSearchParams(location.search);
const RESUME = `confer.resume.${slug}`;
const NAME = 'confer.name';
const FATAL = new Set(['message_too_large', 'version_mismatch', 'name_required', 'room_not_found',
  'unavailable', 'room_full', 'pin_required', 'wrong_pin', 'too_many_attempts', 'room_locked', 'banned', 'lobby_refused', 'over_budget', 'sign_in_required']);

const media = new LocalMedia();
const meter = new LevelMeter();
let meeting = null;

let state = 'prejoin'; // prejoin | joining | waiting (lobby) | joined | reconnecting | error | left
let room = null;       // {slug, title, pinRequired, capacity, participants}
let name = '';
let pin = params.get('pin') || '';
let sig = null;
let participantId = null;
let welcomed = false;  // PeerConnections from a welcome are alive: reconnects keep media
let iceServers = [];
let failures = 0;
let patient = false;   // rejoining after a restart: more connection attempts before giving up
let autoRejoin = 0;    // timer of the automatic rejoin after a shutdown

const debug = {
  get publishPC() { return conn.pub ? conn.pub.pc : null; },
  /** The PeerConnection that receives (with onePC the same as publishPC). */
  get subscribePC() { return meeting?.sub ? meeting.sub.pc : null; },
  get onePC() { return conn.debug.onePC; },
  pcs: conn.debug.pcs,
  get state() { return state; },
  get participantId() { return participantId; },
  /** The page holds a camera or microphone track. */
  get mediaOpen() { return !!(media.audioTrack || media.videoTrack); },
  participants() { return meeting ? meeting.list() : []; },
  firstFrameAt: null,
  marks,
  slots() {
    const { ms, ...ends } = frameStats;
    return { ...meeting.slots.debug(), frames: ends, waits: ms };
  },
  tracks() { return meeting ? [...meeting.trackInfo.values()] : []; },
  ...features.debug,
  /** What a modified client does: unmute and say so, ignoring any hard mute. */
  forceUnmute() { media.setMic(true); send('mute', { kind: 'audio', muted: false }); },
  /**
   * What a network blip does: the page gives its socket up at once, as the
   * heartbeat does when pongs stop, with no close handshake to wait for
   * (the server may still hold the old socket when the page resumes).
   * Returns the page state, 'reconnecting' from here on.
   */
  dropSignalling() { if (sig?.ws) sig.dropped(sig.ws); return state; },
};
window.conferDebug = debug;

const send = (type, data) => sig?.send(type, data);

// ---- loading and pre-join ----

async function loadRoom() {
  mark('script');
  state = 'prejoin';
  ui.show('screen-loading');
  if (!slug) return fail('room_not_found', [home()]);
  // A page that joins without the pre-join screen opens the camera and
  // microphone while it asks for the room: the two waits overlap.
  const quick = quickName();
  const opening = quick ? media.open({ audio: true, video: media.cameraOn }) : null;
  if (quick) preconnect(wsURL(slug)); // and the signalling socket too
  const failWith = (code, actions) => { opening?.then(stopMedia); dropPreconnect(); return fail(code, actions); };
  let res;
  try {
    res = await fetch(`/api/v1/public/rooms/${encodeURIComponent(slug)}`, { cache: 'no-store' });
  } catch {
    return failWith('connection_failed', [{ key: 'action.retry', run: loadRoom }]);
  }
  if (res.status === 404) return failWith('room_not_found', [home()]);
  room = res.ok ? await res.json().catch(() => null) : null;
  mark('room');
  if (!room) return failWith('unavailable', [{ key: 'action.retry', run: loadRoom }, home()]);
  updateTitle();
  if (quick) { name = quick; return quickJoin(opening); }
  prejoin();
}

/**
 * The name to join with at once, '' for the pre-join screen: after a
 * reload (the resume token, with the camera and microphone as they were),
 * or from an autojoin link.
 */
function quickName() {
  const resume = session.get(RESUME);
  if (resume?.token && (resume.name || local.get(NAME))) {
    media.micOn = resume.micOn !== false;
    media.cameraOn = resume.cameraOn !== false;
    return resume.name || local.get(NAME);
  }
  const qname = (params.get('name') || '').trim().slice(0, 64);
  return params.get('autojoin') === '1' ? qname : '';
}

function home() { return { key: 'action.home', run: () => { location.href = '/'; } }; }

async function prejoin(pinError) {
  state = 'prejoin';
  ui.show('screen-prejoin');
  const nameInput = $('#input-name');
  nameInput.value = name || local.get(NAME) || (params.get('name') || '').slice(0, 64);
  $('#pin-field').hidden = !(room?.pinRequired || pinError || pin);
  $('#input-pin').value = pinError ? '' : pin;
  controls.fieldError('pin', pinError ? (pinError === 'wrong_pin' ? 'pin.wrong' : 'pin.required') : null);
  controls.fieldError('name', null);
  controls.joinBusy(false);
  renderCount();
  if (pinError) $('#input-pin').focus(); else if (!nameInput.value) nameInput.focus();
  await openMedia();
}

async function openMedia() {
  const errs = await media.open({ audio: true, video: media.cameraOn });
  controls.mediaNotice(errs);
  meter.setTrack(media.audioTrack);
  controls.syncMedia();
  controls.refreshDevices();
  return errs;
}

function submitPrejoin(e) {
  e.preventDefault();
  const n = $('#input-name').value.trim();
  if (!n || n.length > 64) { controls.fieldError('name', 'name.required'); $('#input-name').focus(); return; }
  controls.fieldError('name', null);
  if (!$('#pin-field').hidden) {
    pin = $('#input-pin').value.trim();
    if (!pin) { controls.fieldError('pin', 'pin.required'); $('#input-pin').focus(); return; }
  }
  name = n;
  local.set(NAME, n);
  join();
}

/**
 * Autojoin, reload and rejoin: no pre-join UI, but still camera and
 * microphone (opening: their open already under way).
 */
async function quickJoin(opening) {
  ui.show('screen-loading');
  const errs = await (opening || media.open({ audio: true, video: media.cameraOn }));
  mark('media');
  meter.setTrack(media.audioTrack);
  const failed = (k) => errs[k] && (k === 'audio' || media.cameraOn);
  if (failed('audio') && (failed('video') || !media.cameraOn)) {
    const code = errs.audio === 'denied' ? 'media_denied' : 'media_unavailable';
    return fail(code, [{ key: 'action.retry', run: () => quickJoin() }, { key: 'action.receiveOnly', run: join }], true);
  }
  if (errs.audio || errs.video) controls.mediaNotice(errs, true);
  join();
}

// ---- signalling ----

function join() {
  state = 'joining';
  controls.joinBusy(true);
  welcomed = false;
  failures = 0;
  sig?.stop();
  sig = new Signaling(wsURL(slug), { onOpen, onMessage, onDown });
  sig.start();
  if (!welcomed) conn.prepare(room?.participants);
}

function onOpen() {
  mark('ws');
  const resume = session.get(RESUME);
  // slots: receive slots, onePC: one PeerConnection (docs/protocol.md);
  // a server without them ignores them.
  const d = { version: 1, room: slug, name, device: controls.device(), audioMuted: media.audioMuted, videoMuted: media.videoMuted, slots: true };
  if (conn.onePC) d.onePC = true;
  if (pin) d.pin = pin;
  if (resume?.token) {
    d.resumeToken = resume.token;
    if (welcomed && conn.pub) d.keepMedia = true;
  }
  send('join', d);
}

function onDown() {
  if (state === 'joined' || state === 'reconnecting') { state = 'reconnecting'; updateBanner(); return; }
  // Coming back after a restart, wait longer for the server to be up.
  if (state === 'joining' && ++failures >= (patient ? 12 : 4)) {
    patient = false;
    teardown();
    fail('connection_failed', [{ key: 'action.retry', run: join }, { key: 'action.back', run: () => prejoin() }], true);
  }
}

function onMessage(type, d) {
  switch (type) {
    case 'welcome': return onWelcome(d);
    case 'lobby': state = 'waiting'; controls.joinBusy(false); return showWaiting(d.room?.title || room?.title);
    case 'participant_joined':
      if (d.id === participantId) return;
      if (!meeting.get(d.id)) ui.announce(t('live.joined', { name: d.name }));
      meeting.upsert(d, false);
      return features.onPeople();
    case 'participant_updated':
      if (d.id === participantId) networkBanner(d.quality === 'poor');
      meeting.update(d);
      return features.onPeople(d);
    case 'participant_left': {
      const p = meeting.get(d.id);
      if (!p || d.id === participantId) return;
      meeting.drop(d.id);
      ui.announce(t('live.left', { name: p.name }));
      return features.onPeople();
    }
    case 'track_published': return meeting.trackPublished(d);
    case 'track_removed': return meeting.trackRemoved(d);
    case 'error': return onServerError(d);
    case 'bye': return onBye(d.reason);
    case 'active_speaker': return onActiveSpeaker(d.participantId);
    case 'slots': return meeting.slots.set(d.slots);
    default: return conn.onMessage(type, d) || features.onMessage(type, d) || undefined;
  }
}

function onWelcome(d) {
  mark('welcome');
  patient = false;
  participantId = d.participantId;
  saveResume(d.resumeToken);
  if (d.room) room = { ...room, ...d.room };
  updateTitle();
  if (Array.isArray(d.iceServers)) iceServers = d.iceServers;
  networkBanner(false); // a new connection starts good
  const keep = !!(d.mediaKept && welcomed && conn.alive());
  if (!keep) conn.close();
  meeting.setSelf(participantId, name, media.audioMuted, media.videoMuted);
  meeting.setLocalVideo(media.cameraOn ? media.videoTrack : null);
  meeting.reset(d.participants || [], d.tracks || []);
  startQuality($('#grid'), send, () => meeting.videoTargets());
  if (d.activeSpeaker) onActiveSpeaker(d.activeSpeaker);
  const first = state === 'joining' || state === 'waiting';
  state = 'joined';
  welcomed = true;
  if (keep) {
    conn.setIceServers(iceServers);
    conn.restartIce(true);
  }
  else conn.open(iceServers);
  // One microtask later, so that the offer's setLocalDescription, which
  // open queued first, is already running in the browser while the
  // meeting screen is drawn.
  queueMicrotask(() => {
    if (first) {
      ui.show('screen-meeting');
      meeting.layout(); // the grid has a size now, for the first video_prefs
      controls.syncMedia();
      ui.announce(t('live.youJoined', { title: room?.title || slug }));
    } else {
      ui.announce(t('reconnected'));
    }
    features.onWelcome();
    updateBanner();
  });
}

function teardown() {
  sig?.stop();
  sig = null;
  conn.close();
  conn.discardPrepared();
  features.reset();
  meeting.clear();
  welcomed = false;
  participantId = null;
  ui.banner('banner-reconnecting', false);
  ui.banner('banner-audio', false);
}

function onServerError(d) {
  const code = d.code || 'internal';
  if (!d.fatal && !FATAL.has(code)) { console.warn('[confer] server error:', code, d.message); return; }
  teardown();
  if (code !== 'unavailable' && code !== 'internal') session.del(RESUME);
  if (code === 'pin_required' || code === 'wrong_pin') {
    pin = '';
    room = { ...room, pinRequired: true };
    return fail(code, [{ key: 'action.pin', run: () => prejoin(code) }], true);
  }
  if (code === 'version_mismatch') return fail(code, [{ key: 'action.reload', run: () => location.reload() }]);
  if (code === 'room_not_found') return fail(code, [home()]);
  if (code === 'sign_in_required') {
    const next = encodeURIComponent(location.pathname + location.search);
    return fail(code, [{ key: 'action.signin', run: () => { location.href = `/login?next=${next}`; } }, home()]);
  }
  if (code === 'name_required' || code === 'too_many_attempts') {
    return fail(code, [{ key: 'action.back', run: () => prejoin() }], true);
  }
  return fail(code, [{ key: 'action.retry', run: loadRoom }, home()]);
}

function onBye(reason) {
  teardown();
  session.del(RESUME);
  stopMedia();
  state = 'left';
  ui.showLeft(reason, rejoin);
  // The server (or, in a deployment of several, this meeting's node) is
  // stopping, or the meeting moved to another node: come back by ourselves, as people expect from Meet, after
  // a random wait so that a whole meeting does not arrive at one instant.
  // The meeting then starts again on a node that is up.
  if (reason === 'shutdown' || reason === 'moved') autoRejoin = setTimeout(() => { patient = true; rejoin(); }, 1500 + Math.random() * 2500);
}

function leave() {
  if (!['joined', 'reconnecting', 'waiting'].includes(state)) return;
  send('leave');
  onBye('left');
}

function rejoin() { clearTimeout(autoRejoin); controls.mediaNotice(null); quickJoin(); }

function fail(code, actions, keepMedia = false) {
  state = 'error';
  if (!keepMedia) stopMedia();
  controls.joinBusy(false);
  ui.showError(code, actions);
}

function stopMedia() {
  media.stopAll();
  meter.setTrack(null);
  controls.syncMedia();
}

// ---- connection state ----

/** Tells the participant its own connection is poor, offering to turn the camera off. */
function networkBanner(poor) {
  ui.banner('banner-network', poor);
  $('#btn-network-cam').hidden = !(poor && media.cameraOn && !media.videoMuted);
}

function updateBanner() {
  const down = state === 'reconnecting' || (state === 'joined' && conn.trouble(0));
  ui.banner('banner-reconnecting', down);
}

// Own microphone level from the publish sender's media-source stats, for
// when the AudioContext is not running (no user gesture yet).
let selfStatsLevel = 0;
async function pollSelfLevel() {
  const pub = conn.pub;
  if (!pub || media.audioMuted) { selfStatsLevel = 0; return; }
  try {
    let level = 0;
    (await pub.pc.getStats(pub.audio.sender.track)).forEach((s) => {
      if (s.type === 'media-source' && s.kind === 'audio') level = s.audioLevel || 0;
    });
    selfStatsLevel = level;
  } catch { selfStatsLevel = 0; }
}

// ---- helpers ----

function saveResume(token) {
  if (token) session.set(RESUME, { token, name, micOn: media.micOn, cameraOn: media.cameraOn });
}

function updateTitle() {
  const title = room?.title || slug;
  $('#room-title').textContent = title;
  document.title = t('title.room', { title: state === 'error' ? $('#error-title').textContent : title });
}

function renderCount() {
  const n = room?.participants;
  $('#prejoin-count').textContent = Number.isInteger(n) ? tn('prejoin.count', n) : '';
}

// ---- start ----

function boot() {
  applyI18n();
  initLangSwitch($('#lang-switch'));
  meeting = new Meeting({
    grid: $('#grid'),
    list: $('#participant-list'),
    audioSink: $('#audio-sink'),
    onFirstFrame: () => { mark('frame'); if (debug.firstFrameAt == null) debug.firstFrameAt = performance.now(); },
    onAutoplayBlocked: () => ui.banner('banner-audio', true),
    onChange: () => controls.renderPeopleCount(meeting.count),
    selfLevel: () => (media.audioMuted ? 0 : Math.max(meter.level(), selfStatsLevel)),
    stage: features.createStage(() => meeting.layout()),
  });
  controls.init({
    media, meter, meeting,
    getPub: () => conn.pub,
    getState: () => state,
    onSubmit: submitPrejoin,
    onLeave: leave,
    onMediaChanged(kind) {
      if (state === 'joined' || state === 'reconnecting') {
        send('mute', { kind, muted: kind === 'audio' ? media.audioMuted : media.videoMuted });
        const r = session.get(RESUME);
        if (r) saveResume(r.token);
      }
    },
    retryMedia: openMedia,
    mayUnmute: features.mayUnmute,
  });
  features.init({
    send, meeting, media, slug, getPub: () => conn.pub, token: () => session.get(RESUME)?.token || '',
    syncMedia: controls.syncMedia, inMeeting: () => state === 'joined' || state === 'reconnecting',
  });
  more.init(); // phones: the rest of the bar in a menu
  $('#lobby-leave').addEventListener('click', leave);
  $('#btn-network-cam').addEventListener('click', () => {
    $('#btn-camera').click(); // the bar's own toggle: same checks, same messages
    $('#btn-network-cam').hidden = true;
    $('#btn-camera').focus();
  });
  onLangChange(() => { updateTitle(); renderCount(); meeting.relabel(); controls.renderPeopleCount(meeting.count); });
  conn.init({
    meeting, media, send, onPublisher: features.onPublisher, onState: updateBanner,
    canRestart: () => state === 'joined' && !!sig?.open,
  });
  setInterval(pollSelfLevel, 250);
  loadRoom();
}

boot();
