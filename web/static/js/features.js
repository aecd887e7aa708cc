// Meeting control in the page: wires screen sharing and played media,
// chat, documents, the lobby and moderation to the signalling messages of
// docs/protocol.md ("Meeting control"). room.js calls init, onMessage,
// onWelcome, onPublisher and reset.

import { $ } from './util.js';
import { t, onLangChange } from './i18n.js';
import * as ui from './ui.js';
import { Stage, Shares, canShareScreen, sourcesFromSDP } from './share.js';
import { Chat } from './chat.js';
import { Files } from './files.js';
import { LobbyPanel } from './lobby.js';
import { Moderation } from './moderation.js';

let o = null; // {send, meeting, media, getPub, token(), slug, syncMedia(), inMeeting()}
export let stage = null;
let shares = null;
let chat = null;
let files = null;
let lobby = null;
let mod = null;

const panels = { chat: ['#panel-chat', '#btn-chat'], files: ['#panel-files', '#btn-files'] };

function togglePanel(name, force) {
  const [pid, bid] = panels[name];
  const open = force ?? $(pid).hidden;
  for (const [n, [p, b]] of Object.entries(panels)) {
    const on = n === name ? open : false;
    $(p).hidden = !on;
    ui.setPressed($(b), on);
  }
  if (open && !$('#panel-participants').hidden) $('#btn-participants').click();
  if (name === 'chat' && open) { chat.opened(); chat.people(); $('#chat-input').focus(); }
  if (name === 'files' && open) files.refresh();
  o.meeting.layout();
}

/** Stage is created before the Meeting, which needs it. */
export function createStage(onChange) {
  stage = new Stage(onChange);
  return stage;
}

export function init(opts) {
  o = opts;
  shares = new Shares(o.getPub, (kind, on) => {
    ui.setPressed($(kind === 'screen' ? '#btn-share' : '#btn-media'), on);
    ui.announce(t(`share.${kind}.${on ? 'on' : 'off'}`));
    stage.render();
  });
  chat = new Chat({ send: o.send, meeting: o.meeting, isOpen: () => !$('#panel-chat').hidden });
  files = new Files({ slug: o.slug, token: o.token, meeting: o.meeting, canDelete: (f) => mod.moderates || f.by === o.meeting.selfId });
  lobby = new LobbyPanel({ send: o.send, openPanel: () => { if ($('#panel-participants').hidden) $('#btn-participants').click(); } });
  mod = new Moderation({
    send: o.send, meeting: o.meeting, slug: o.slug, token: o.token, muteSelf, stopShares,
    onRole: () => files.render(),
  });
  o.meeting.o.decorate = (p, item) => mod.decorate(p, item);

  const share = $('#btn-share');
  share.hidden = !canShareScreen(); // phones: no button, they still watch
  share.addEventListener('click', () => {
    if (shares.screen) shares.stopScreen();
    else shares.startScreen().catch((err) => { if (err?.name !== 'NotAllowedError') ui.notice(t('share.failed')); });
  });
  $('#btn-media').hidden = !canShareScreen() || !HTMLMediaElement.prototype.captureStream;
  $('#btn-media').addEventListener('click', () => { if (shares.media) shares.stopMedia(); else $('#media-input').click(); });
  $('#media-input').addEventListener('change', (e) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (f) shares.startMedia(f).catch(() => ui.notice(t('media.failed')));
  });
  $('#media-toggle').addEventListener('click', () => shares.toggleMedia());
  $('#media-stop').addEventListener('click', () => shares.stopMedia());
  $('#btn-chat').addEventListener('click', () => togglePanel('chat'));
  $('#chat-close').addEventListener('click', () => { togglePanel('chat', false); $('#btn-chat').focus(); });
  $('#btn-files').addEventListener('click', () => togglePanel('files'));
  $('#files-close').addEventListener('click', () => { togglePanel('files', false); $('#btn-files').focus(); });
  $('#btn-participants').addEventListener('click', () => {
    if (!$('#panel-participants').hidden) { togglePanel('chat', false); }
  });
  ui.shortcuts({ h: () => mod.toggleHand(), c: () => togglePanel('chat') }, o.inMeeting);
  onLangChange(() => { stage.relabel(); chat.badge(); files.render(); mod.render(); lobby.render(); });
}

function muteSelf(group) {
  const { media } = o;
  if (group === 'audio' && media.micOn) media.setMic(false);
  if (group === 'video' && media.cameraOn) { media.stopCamera(); o.getPub()?.replace('video', null); }
  o.syncMedia();
  o.send('mute', { kind: group, muted: true });
}

function stopShares() {
  shares.stopScreen();
  shares.stopMedia();
}

/** Whether the client may unmute kind itself (no hard mute). */
export function mayUnmute(kind) { return !mod || mod.mayUnmute(kind); }

export function onMessage(type, d) {
  switch (type) {
    case 'meeting_state':
      mod.state(d);
      chat.history(d.chat);
      lobby.update(d.lobby || [], null);
      return true;
    case 'chat': chat.add(d); return true;
    case 'lobby_update': lobby.update(d.waiting, d.added); return true;
    case 'moderated': mod.moderated(d); return true;
    case 'room_updated': mod.roomUpdated(d); return true;
    case 'moderation_log': for (const e of d.entries || []) mod.logEntry(e); return true;
    case 'file_added': files.added(d); return true;
    case 'file_removed': files.removed(d.id); return true;
    case 'moderate_result': return true;
    default: return false;
  }
}

/** participant_updated and joins/leaves: keep the lists current. */
export function onPeople(d) {
  if (d && d.id === o.meeting.selfId) mod.self(d);
  chat.people();
  o.meeting.relabel();
}

export function onWelcome() {
  files.refresh();
  chat.people();
}

/**
 * A new publish PeerConnection (first join, or a reconnect whose media
 * was not kept): tell it our sources and carry live shares over to it.
 */
export function onPublisher(pub) {
  pub.sources = (sdp) => sourcesFromSDP(sdp, shares.sourcesByMid(pub));
  shares.republish(pub, () => {
    ui.notice(t('share.lost'), { key: 'share.again', run: () => $('#btn-share').click() });
  }).catch(() => ui.notice(t('share.failed')));
}

export function reset() {
  shares?.dropAll();
  stage?.clear();
}

/** Test hooks (conferDebug). */
export const debug = {
  stage: () => stage.debug(),
  files: () => files.list(),
  upload: (name, text, type = 'text/plain') => files.upload(new File([text], name, { type })),
  /** Downloads a document through a fresh signed link; bytes as base64. */
  download: async (id) => {
    const r = await fetch(await files.link(id));
    const b = new Uint8Array(await r.arrayBuffer());
    let bin = '';
    for (const x of b) bin += String.fromCharCode(x);
    return { status: r.status, base64: btoa(bin), disposition: r.headers.get('Content-Disposition') || '' };
  },
  /** Audio packets received from one participant's microphone. */
  audioPackets: async (pid) => {
    let n = 0;
    for (const [r, id] of o.meeting.receivers) {
      if (id !== pid) continue;
      (await r.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') n += s.packetsReceived || 0; });
    }
    return n;
  },
  chat: () => [...document.querySelectorAll('#chat-list .chat-text')].map((p) => p.textContent),
  role: () => mod.role,
  lobby: () => lobby.waiting,
  hardMuted: () => [...mod.hard],
};
