// Shared helpers of the administration pages: API calls with the CSRF
// header, problem documents turned into translated messages, and a tiny
// element builder (no inline HTML, so nothing from the server is ever
// parsed as markup).
import { t, has } from '../admin-i18n.js';

let csrf = '';
export function setCSRF(token) { csrf = token || ''; }

/** Error from an API call; .problem is the RFC 9457 document. */
export class APIError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.problem = problem;
  }
}

/** api('POST', '/api/v1/orgs', {…}) → parsed JSON (null for 204). */
export async function api(method, path, body, headers = {}) {
  const opts = { method, headers: { ...headers }, credentials: 'same-origin' };
  if (method !== 'GET' && csrf) opts.headers['X-CSRF-Token'] = csrf;
  if (typeof body === 'string') {
    opts.body = body;
    opts.headers['Content-Type'] = 'text/csv';
  } else if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers['Content-Type'] = 'application/json';
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch {
    throw new APIError(0, { code: 'network' });
  }
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new APIError(resp.status, data);
  return data;
}

/** The message to show for an error, translated when we know its code. */
export function errorText(err) {
  const p = (err && err.problem) || {};
  const key = `err.${p.code}`;
  if (p.code && has(key)) return t(key, { contact: p.contact || '' });
  if (p.detail) return p.detail;
  return t('err.generic');
}

/** h('button', {class: 'btn', onclick: fn}, 'text', child…) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let uid = 0;
/** A labelled form field; returns [wrapper, control]. */
export function field(label, control, hint) {
  const id = control.id || `f${++uid}`;
  control.id = id;
  const kids = [h('label', { for: id }, label), control];
  if (hint) {
    const hid = `${id}-hint`;
    control.setAttribute('aria-describedby', hid);
    kids.push(h('p', { id: hid, class: 'muted-text small hint' }, hint));
  }
  return [h('div', { class: 'field' }, kids), control];
}

/** A checkbox with its label after it. */
export function check(label, checked, attrs = {}) {
  const box = h('input', { type: 'checkbox', id: `f${++uid}`, checked: !!checked, ...attrs });
  return [h('div', { class: 'field check' }, box, h('label', { for: box.id }, label)), box];
}

export function select(options, value, attrs = {}) {
  const s = h('select', attrs);
  for (const [v, label] of options) s.append(h('option', { value: v, selected: v === value }, label));
  return s;
}

/** Shows a message in the page's live region (announced to screen readers). */
export function say(text, kind = 'ok') {
  const el = document.getElementById('status');
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = !text;
}

export function sayError(err) { say(errorText(err), 'error'); }

/** Runs fn with the button disabled; reports errors. Disabling the
 * button drops the keyboard focus: it comes back to the button, or to the
 * main content when the list was redrawn (never the top of the page). */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (err) {
    sayError(err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (button && lost) (button.isConnected ? button : document.getElementById('main'))?.focus();
  }
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    say(t('copied'));
  } catch {
    say(text); // no clipboard (http on a LAN): show it to copy by hand
  }
}

/** Previous/next buttons for a page {total, limit, offset}. */
export function pager(pg, go) {
  if (pg.total <= pg.limit) return document.createComment('one page');
  const from = pg.total ? pg.offset + 1 : 0;
  const to = Math.min(pg.offset + pg.limit, pg.total);
  return h('div', { class: 'pager' },
    h('button', { class: 'btn small', type: 'button', disabled: pg.offset === 0, onclick: () => go(Math.max(0, pg.offset - pg.limit)) }, t('prev')),
    h('span', { class: 'muted-text' }, t('page.count', { from, to, total: pg.total })),
    h('button', { class: 'btn small', type: 'button', disabled: to >= pg.total, onclick: () => go(pg.offset + pg.limit) }, t('next')));
}

/** A table that becomes a list of cards on narrow screens. */
export function table(headers, rows) {
  if (!rows.length) return h('p', { class: 'muted-text' }, t('none'));
  return h('table', { class: 'list' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', { 'data-label': headers[i] }, c))))));
}

export function section(title, ...kids) {
  const id = `s${++uid}`;
  return h('section', { class: 'box', 'aria-labelledby': id }, h('h2', { id }, title), ...kids);
}
