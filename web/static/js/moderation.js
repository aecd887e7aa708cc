// Roles, raised hands and moderation as the client shows them. The server
// decides everything; this only offers the commands to hosts and
// moderators and follows what the server says (a hard mute keeps the
// microphone button locked until a moderator allows it).

import { $, el, icon } from './util.js';
import { t } from './i18n.js';
import * as ui from './ui.js';

export class Moderation {
  /** o: {send, meeting, slug, token(), muteSelf(group), stopShares(), onRole()} */
  constructor(o) {
    this.o = o;
    this.role = 'participant';
    this.locked = false;
    this.hard = new Set();
    this.hand = 0;
    $('#btn-hand').addEventListener('click', () => this.toggleHand());
    $('#mod-mute-all').addEventListener('click', () => this.cmd({ action: 'mute_all', group: 'audio' }));
    $('#mod-lock').addEventListener('click', () => this.cmd({ action: 'lock', locked: !this.locked }));
    $('#mod-end').addEventListener('click', () => { if (window.confirm(t('mod.endConfirm'))) this.cmd({ action: 'end' }); });
    $('#mod-encoder').addEventListener('click', () => this.encoderToken());
  }

  get moderates() { return this.role === 'host' || this.role === 'moderator'; }

  cmd(d) { this.o.send('moderate', d); }

  toggleHand() {
    this.hand = this.hand ? 0 : 1;
    this.o.send('hand', { raised: !!this.hand });
    ui.setPressed($('#btn-hand'), !!this.hand);
    ui.announce(t(this.hand ? 'hand.raised' : 'hand.lowered'));
  }

  /** meeting_state: role, lock, hard mutes, log. */
  state(d) {
    this.role = d.role || 'participant';
    this.locked = !!d.locked;
    this.hard = new Set(d.hardMuted || []);
    $('#mod-log').replaceChildren();
    for (const e of d.log || []) this.logEntry(e);
    this.render();
  }

  /** participant_updated about oneself: role and hand from the server. */
  self(d) {
    if (d.role && d.role !== this.role) { this.role = d.role; this.render(); }
    this.hand = d.hand || 0;
    ui.setPressed($('#btn-hand'), !!this.hand);
  }

  render() {
    $('#mod-tools').hidden = !this.moderates;
    $('#mod-log-box').hidden = !this.moderates;
    const lock = $('#mod-lock');
    lock.setAttribute('aria-pressed', String(this.locked));
    lock.textContent = t(this.locked ? 'mod.unlock' : 'mod.lock');
    const mic = $('#btn-mic');
    mic.dataset.hardMuted = String(this.hard.has('audio'));
    if (this.hard.has('audio')) mic.setAttribute('title', t('mod.hardMutedTitle'));
    else mic.setAttribute('title', t('ctl.mic.title'));
    document.body.dataset.role = this.role;
    this.o.meeting.relabel();
    this.o.onRole?.();
  }

  /** A mute or unmute the client itself wants; false when a hard mute holds. */
  mayUnmute(kind) {
    if (!this.hard.has(kind)) return true;
    ui.notice(t('mod.hardMuted'));
    return false;
  }

  /** moderated: what a moderator did to us. */
  moderated(d) {
    if (d.action === 'share_refused') {
      this.o.stopShares();
      ui.notice(t('mod.shareRefused'));
      return;
    }
    if (d.action === 'allow') {
      this.hard.delete(d.group);
      ui.notice(t(`mod.allowed.${d.group}`));
      this.render();
      return;
    }
    if (d.action !== 'mute') return;
    if (d.hard) this.hard.add(d.group);
    if (d.group === 'screen') this.o.stopShares(); else this.o.muteSelf(d.group);
    ui.notice(t(`mod.muted.${d.group}${d.hard ? '.hard' : ''}`, { name: d.by || '' }));
    this.render();
  }

  roomUpdated(d) {
    this.locked = !!d.locked;
    ui.announce(t(this.locked ? 'mod.lockedLive' : 'mod.unlockedLive'));
    this.render();
  }

  logEntry(e) {
    const when = new Date(e.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const text = t('mod.logLine', { time: when, by: e.byName, action: t(`mod.action.${e.action}`), target: e.targetName || '', detail: e.detail || '' });
    $('#mod-log').append(el('li', { text }));
  }

  /** Raised-hand order, role and, for moderators, actions on one person. */
  decorate(p, item) {
    if (p.hand) {
      const raised = this.o.meeting.list().filter((x) => x.hand).sort((a, b) => a.hand - b.hand);
      const pos = raised.findIndex((x) => x.id === p.id) + 1;
      const badge = el('span', { class: 'hand-badge', title: t('hand.order', { n: pos }) }, icon('hand', 'icon'));
      if (this.moderates) badge.append(el('span', { text: String(pos) }));
      item.append(badge);
    }
    if (p.role === 'host' || p.role === 'moderator') item.append(el('span', { class: 'role-tag', text: t(`role.${p.role}`) }));
    if (!this.moderates || p.local || (p.role === 'host' && this.role !== 'host')) return;
    const acts = [
      ['mute', { action: 'mute', group: 'audio' }],
      ['hardMute', { action: 'mute', group: 'audio', hard: true }],
      ['allow', { action: 'allow', group: 'audio' }],
      ['cameraOff', { action: 'mute', group: 'video' }],
      ['stopShare', { action: 'mute', group: 'screen' }],
      p.role === 'moderator' ? ['revoke', { action: 'set_role', role: 'participant' }] : ['promote', { action: 'set_role', role: 'moderator' }],
      ['remove', { action: 'remove' }],
      ['ban', { action: 'remove', ban: true }],
    ];
    if (p.hand) acts.unshift(['lowerHand', { action: 'lower_hand' }]);
    const menu = el('div', { class: 'mod-menu' });
    for (const [key, d] of acts) {
      const b = el('button', { type: 'button', class: 'btn small', dataset: { mod: key, target: p.id }, text: t(`mod.do.${key}`) });
      b.addEventListener('click', () => this.cmd({ ...d, target: p.id }));
      menu.append(b);
    }
    item.append(el('details', { class: 'mod-actions' }, el('summary', { text: t('mod.actions', { name: p.name }) }), menu));
  }

  async encoderToken() {
    const out = $('#mod-encoder-out');
    try {
      const res = await fetch(`/api/v1/rooms/${encodeURIComponent(this.o.slug)}/whip-tokens`, {
        method: 'POST', headers: { 'X-Confer-Participant': this.o.token(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ label: t('mod.encoderLabel') }),
      });
      if (!res.ok) throw new Error(String(res.status));
      const d = await res.json();
      out.textContent = t('mod.encoderOut', { url: `${location.origin}${d.url}`, token: d.token });
    } catch {
      out.textContent = t('mod.encoderFailed');
    }
    out.hidden = false;
  }
}
