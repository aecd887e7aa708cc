// The lobby: the waiting screen for guests, and for hosts and moderators a
// visible and audible notice (a short WebAudio beep, no files) with the
// names of who waits, and admit/refuse buttons.

import { $, el } from './util.js';
import { t } from './i18n.js';
import * as ui from './ui.js';

let audioCtx = null;

/** Two short tones; silently nothing when audio is not allowed yet. */
export function beep() {
  try {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    audioCtx ||= new AC();
    audioCtx.resume?.().catch(() => {});
    const now = audioCtx.currentTime;
    [[880, 0], [660, 0.18]].forEach(([f, at]) => {
      const o = audioCtx.createOscillator();
      const g = audioCtx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, now + at);
      g.gain.exponentialRampToValueAtTime(0.2, now + at + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.15);
      o.connect(g).connect(audioCtx.destination);
      o.start(now + at);
      o.stop(now + at + 0.16);
    });
  } catch { /* no audio: the banner still shows */ }
}

export function showWaiting(title) {
  ui.show('screen-lobby');
  if (title) document.title = t('lobby.waiting.docTitle', { title });
  $('#lobby-leave').focus();
}

export class LobbyPanel {
  /** o: {send(type, data), openPanel()} */
  constructor(o) {
    this.o = o;
    this.waiting = [];
    $('#lobby-admit-all').addEventListener('click', () => this.o.send('moderate', { action: 'admit_all' }));
  }

  /** lobby_update (and meeting_state's lobby) for moderators. */
  update(list, added) {
    this.waiting = list || [];
    this.render();
    if (added) {
      beep();
      const names = this.waiting.map((w) => w.name).join(', ');
      ui.notice(t('lobby.notice', { names }), { key: 'lobby.show', run: () => this.o.openPanel() });
      ui.announce(t('lobby.live', { name: added.name }));
    } else if (!this.waiting.length) {
      const n = $('#banner-notice');
      if (n.dataset.kind === 'lobby') ui.notice(null);
    }
    $('#banner-notice').dataset.kind = this.waiting.length ? 'lobby' : '';
  }

  render() {
    $('#lobby-box').hidden = this.waiting.length === 0;
    $('#lobby-list').replaceChildren(...this.waiting.map((w) => {
      const admit = el('button', { type: 'button', class: 'btn small primary', dataset: { admit: w.id }, text: t('lobby.admit') });
      const refuse = el('button', { type: 'button', class: 'btn small', dataset: { refuse: w.id }, text: t('lobby.refuse') });
      admit.addEventListener('click', () => this.o.send('moderate', { action: 'admit', target: w.id }));
      refuse.addEventListener('click', () => this.o.send('moderate', { action: 'refuse', target: w.id }));
      return el('li', { class: 'person' }, el('span', { class: 'person-name', text: w.name }), admit, refuse);
    }));
  }
}
