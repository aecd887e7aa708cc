// The buttons and fields: microphone/camera toggles (pre-join and meeting),
// device selects, preview, participant panel, dialogs, shortcuts, notices.

import { $, initials, colorFor, deviceType } from './util.js';
import { t, onLangChange } from './i18n.js';
import { classify } from './media.js';
import * as ui from './ui.js';

let o = null; // {media, meter, meeting, getPub, getState, onSubmit, onLeave, onMediaChanged, retryMedia}
let lastErrs = null;
let lastAsBanner = false;
const busy = { audio: false, video: false };

export const device = deviceType;

const inMeeting = () => ['joined', 'reconnecting'].includes(o.getState());

export function init(opts) {
  o = opts;
  const { media } = o;
  $('#prejoin-form').addEventListener('submit', o.onSubmit);
  for (const id of ['#pre-mic', '#btn-mic']) $(id).addEventListener('click', toggleMic);
  for (const id of ['#pre-camera', '#btn-camera']) $(id).addEventListener('click', toggleCamera);
  for (const id of ['#select-camera', '#set-camera']) $(id).addEventListener('change', (e) => switchDevice('video', e.target.value));
  for (const id of ['#select-mic', '#set-mic']) $(id).addEventListener('change', (e) => switchDevice('audio', e.target.value));
  $('#media-retry').addEventListener('click', () => o.retryMedia());
  $('#btn-settings').addEventListener('click', openSettings);
  $('#btn-participants').addEventListener('click', () => togglePanel());
  $('#panel-close').addEventListener('click', () => { togglePanel(false); $('#btn-participants').focus(); });
  $('#btn-help').addEventListener('click', () => ui.openDialog('dlg-help', $('#btn-help')));
  $('#btn-leave').addEventListener('click', o.onLeave);
  $('#notice-close').addEventListener('click', () => ui.notice(null));
  $('#btn-audio').addEventListener('click', () => { o.meeting.resumeAudio(); ui.banner('banner-audio', false); });
  $('#input-name').addEventListener('input', syncAvatar);
  ui.initDialogs();
  $('#set-shortcuts').checked = ui.shortcutsOn();
  $('#set-shortcuts').addEventListener('change', (e) => ui.setShortcutsOn(e.target.checked));
  ui.shortcuts({
    m: toggleMic, v: toggleCamera, p: () => togglePanel(), s: openSettings,
    '?': () => ui.openDialog('dlg-help', $('#btn-help')),
  }, inMeeting);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('#panel-participants').hidden && !document.querySelector('dialog[open]')) {
      togglePanel(false);
      $('#btn-participants').focus();
    }
  });
  media.onTrackEnded = (kind) => {
    o.getPub()?.replace(kind, null);
    mediaNotice({ [kind]: 'not_found' }, inMeeting());
    after(kind);
  };
  navigator.mediaDevices?.addEventListener?.('devicechange', refreshDevices);
  onLangChange(() => { mediaNotice(lastErrs, lastAsBanner); syncAvatar(); });
  setInterval(meterTick, 100);
}

// ---- microphone and camera ----

async function toggleMic() {
  const { media } = o;
  if (busy.audio) return;
  if (media.audioMuted && inMeeting() && o.mayUnmute && !o.mayUnmute('audio')) return; // hard mute
  busy.audio = true;
  try {
    if (!media.audioTrack) {
      const errs = await media.open({ audio: true, video: false });
      if (errs.audio) { mediaNotice(errs, inMeeting()); return; }
      media.setMic(true);
      await o.getPub()?.replace('audio', media.audioTrack);
      o.meter.setTrack(media.audioTrack);
      refreshDevices();
    } else {
      media.setMic(!media.micOn);
    }
    after('audio');
  } finally { busy.audio = false; }
}

async function toggleCamera() {
  const { media } = o;
  if (busy.video) return;
  if (media.videoMuted && inMeeting() && o.mayUnmute && !o.mayUnmute('video')) return;
  busy.video = true;
  try {
    if (media.cameraOn && media.videoTrack) {
      media.stopCamera();
      await o.getPub()?.replace('video', null);
    } else {
      const err = await media.startCamera();
      if (err) mediaNotice({ video: err }, inMeeting());
      else { await o.getPub()?.replace('video', media.videoTrack); refreshDevices(); }
    }
    after('video');
  } finally { busy.video = false; }
}

async function switchDevice(kind, id) {
  const { media } = o;
  if (!id) return;
  try {
    await media.switchDevice(kind, id);
  } catch (err) {
    mediaNotice({ [kind]: classify(err) }, inMeeting());
  }
  const track = kind === 'audio' ? media.audioTrack : (media.cameraOn ? media.videoTrack : null);
  await o.getPub()?.replace(kind, track);
  if (kind === 'audio') o.meter.setTrack(media.audioTrack);
  syncMedia();
  refreshDevices();
}

/** Retry devices that failed while in the meeting. */
async function retryInMeeting() {
  const { media } = o;
  const errs = await media.open({ audio: true, video: media.cameraOn });
  mediaNotice(errs, true);
  o.meter.setTrack(media.audioTrack);
  await o.getPub()?.replace('audio', media.audioTrack);
  await o.getPub()?.replace('video', media.cameraOn ? media.videoTrack : null);
  after('audio');
  after('video');
  refreshDevices();
}

function after(kind) {
  syncMedia();
  if (!inMeeting()) return;
  const { media } = o;
  const key = kind === 'audio' ? (media.audioMuted ? 'live.micOff' : 'live.micOn') : (media.videoMuted ? 'live.camOff' : 'live.camOn');
  ui.announce(t(key));
  o.onMediaChanged(kind);
}

/** Buttons, preview and own tile follow the local media state. */
export function syncMedia() {
  const { media, meeting } = o;
  for (const id of ['#pre-mic', '#btn-mic']) ui.setPressed($(id), media.audioMuted);
  for (const id of ['#pre-camera', '#btn-camera']) ui.setPressed($(id), media.videoMuted);
  const v = media.cameraOn ? media.videoTrack : null;
  const preview = $('#preview');
  if ((preview.srcObject?.getVideoTracks()[0] || null) !== v) {
    preview.srcObject = v ? new MediaStream([v]) : null;
    if (v) preview.play().catch(() => {});
  }
  preview.parentElement.dataset.video = String(!!v);
  syncAvatar();
  if (meeting.selfId) {
    meeting.update({ id: meeting.selfId, audioMuted: media.audioMuted, videoMuted: media.videoMuted });
    meeting.setLocalVideo(v);
  }
}

function syncAvatar() {
  const n = $('#input-name').value.trim();
  const av = $('#preview-avatar');
  av.firstElementChild.textContent = initials(n);
  av.style.backgroundColor = colorFor(n || '?');
}

function meterTick() {
  if (o.getState() !== 'prejoin') return;
  const level = o.media.audioMuted ? 0 : o.meter.level();
  $('#pre-level').style.transform = `scaleX(${Math.min(1, level * 5).toFixed(3)})`;
}

// ---- devices ----

export async function refreshDevices() {
  const { media } = o;
  const list = await media.listDevices().catch(() => ({ audioinput: [], videoinput: [] }));
  const cur = (kind) => o.media[`${kind}Track`]?.getSettings?.().deviceId || media.deviceId[kind];
  for (const id of ['#select-camera', '#set-camera']) ui.fillDevices($(id), list.videoinput, 'videoinput', cur('video'));
  for (const id of ['#select-mic', '#set-mic']) ui.fillDevices($(id), list.audioinput, 'audioinput', cur('audio'));
}

function openSettings() {
  refreshDevices();
  ui.openDialog('dlg-settings', $('#btn-settings'));
}

// ---- participants panel ----

function togglePanel(force) {
  const panel = $('#panel-participants');
  const open = force ?? panel.hidden;
  panel.hidden = !open;
  ui.setPressed($('#btn-participants'), open);
  o.meeting.layout();
}

export function renderPeopleCount(n) {
  $('#participant-count').textContent = String(n);
  // The visible count is part of the name (WCAG 2.5.3 label in name).
  $('#btn-participants').setAttribute('aria-label', t('ctl.participants.count', { n }));
  $('#participants-heading').textContent = t('participants.heading', { n });
}

// ---- messages ----

function mediaText(errs) {
  if (!errs) return '';
  if (errs.audio === 'denied' && errs.video === 'denied') return t('media.denied');
  return ['audio', 'video'].filter((k) => errs[k]).map((k) => t(`media.${k}.${errs[k]}`)).join(' ');
}

/** Device problems: inline on the pre-join screen, a banner in the meeting. */
export function mediaNotice(errs, asBanner = false) {
  lastErrs = errs;
  lastAsBanner = asBanner;
  const text = mediaText(errs);
  if (asBanner) {
    ui.notice(text || null, text ? { key: 'action.retry', run: retryInMeeting } : null);
    return;
  }
  $('#media-notice').hidden = !text;
  $('#media-notice-text').textContent = text;
}

export function fieldError(which, key) {
  const p = $(`#${which}-error`);
  const input = $(`#input-${which}`);
  p.hidden = !key;
  if (key) { p.dataset.i18n = key; p.textContent = t(key); input.setAttribute('aria-invalid', 'true'); } else input.removeAttribute('aria-invalid');
}

export function joinBusy(on) {
  const status = $('#join-status');
  $('#btn-join').disabled = on;
  if (on) { status.dataset.i18n = 'joining'; status.textContent = t('joining'); } else { delete status.dataset.i18n; status.textContent = ''; }
}
