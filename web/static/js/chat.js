// Room chat and private messages: the panel, the unread badge, history for
// late joiners (from meeting_state). Messages are text: links become <a>
// elements built with textContent, never parsed HTML, and only http(s).

import { $, el } from './util.js';
import { t, onLangChange } from './i18n.js';
import * as ui from './ui.js';

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

/** Text with clickable http(s) links, as DOM nodes. */
export function linkify(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let href = m[0].replace(/[.,;:!?)\]]+$/, ''); // trailing punctuation is not part of the link
    let ok = false;
    try { ok = ['http:', 'https:'].includes(new URL(href).protocol); } catch { ok = false; }
    if (!ok) continue;
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    out.push(el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: href }));
    last = m.index + href.length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

export class Chat {
  /** o: {send, meeting, isOpen() → bool} */
  constructor(o) {
    this.o = o;
    this.unread = 0;
    this.seen = new Set();
    $('#chat-form').addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    $('#chat-input').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); this.submit(); }
    });
    // A language change resets the button's name; keep the unread count in it.
    onLangChange(() => this.badge());
  }

  submit() {
    const input = $('#chat-input');
    const text = input.value.trim();
    if (!text) return;
    this.o.send('chat', { text, to: $('#chat-to').value || undefined });
    input.value = '';
    input.focus();
  }

  /** The history from meeting_state replaces the list (after a reconnect too). */
  history(list) {
    $('#chat-list').replaceChildren();
    this.seen.clear();
    for (const m of list || []) this.add(m, true);
  }

  add(m, old = false) {
    if (!m || this.seen.has(m.id)) return;
    this.seen.add(m.id);
    const self = this.o.meeting.selfId;
    const mine = m.from === self;
    const when = new Date(m.at);
    const time = Number.isNaN(when.getTime()) ? '' : when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    let who = mine ? t('chat.me') : m.fromName;
    if (m.to) {
      const to = this.o.meeting.get(m.to);
      who = mine ? t('chat.privateTo', { name: to?.name || '?' }) : t('chat.privateFrom', { name: m.fromName });
    }
    const li = el('li', { class: 'chat-msg', dataset: { mine: String(mine), private: String(!!m.to), from: m.from } },
      el('div', { class: 'chat-meta' }, el('span', { class: 'chat-from', text: who }), el('time', { dateTime: m.at, text: time })),
      el('p', { class: 'chat-text' }, ...linkify(String(m.text || ''))));
    const list = $('#chat-list');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(li);
    if (atBottom || mine) list.scrollTop = list.scrollHeight;
    // An open panel's list is itself a live region: announce through #live
    // only when it is closed, or screen readers say each message twice.
    if (!old && !mine && !this.o.isOpen()) {
      this.unread++;
      this.badge();
      ui.announce(t('chat.live', { name: m.fromName, text: String(m.text).slice(0, 140) }));
    }
  }

  opened() { this.unread = 0; this.badge(); }

  badge() {
    const b = $('#chat-unread');
    b.hidden = this.unread === 0;
    b.textContent = this.unread > 99 ? '99+' : String(this.unread);
    $('#btn-chat').setAttribute('aria-label', this.unread ? t('ctl.chat.unread', { n: this.unread }) : t('ctl.chat'));
  }

  /** The recipient select: everyone, or one person (private). */
  people() {
    const sel = $('#chat-to');
    const cur = sel.value;
    const opts = [el('option', { value: '', text: t('chat.everyone') })];
    for (const p of this.o.meeting.list()) {
      if (!p.local) opts.push(el('option', { value: p.id, text: t('chat.privateOption', { name: p.name }) }));
    }
    sel.replaceChildren(...opts);
    sel.value = [...sel.options].some((o) => o.value === cur) ? cur : '';
  }
}
