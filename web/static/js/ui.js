// Screens, error and "left" pages, banners, the live region, toggle buttons,
// device selects and keyboard shortcuts. No protocol logic here.

import { $, el, isTyping, local } from './util.js';
import { t, applyI18n } from './i18n.js';

const SCREENS = ['screen-loading', 'screen-prejoin', 'screen-lobby', 'screen-meeting', 'error', 'screen-left'];

export function show(id) {
  for (const s of SCREENS) {
    const node = document.getElementById(s);
    if (node) node.hidden = s !== id;
  }
  if (id !== 'error') $('#error').removeAttribute('data-code');
  document.body.dataset.screen = id;
}

function setKey(node, key) {
  node.dataset.i18n = key;
  node.textContent = t(key);
}

function actionButtons(box, actions) {
  box.replaceChildren();
  actions.forEach((a, i) => {
    const b = el('button', { type: 'button', class: i === 0 ? 'btn primary' : 'btn', id: a.id });
    setKey(b, a.key);
    b.addEventListener('click', a.run);
    box.append(b);
  });
  return box.firstElementChild;
}

/**
 * Full-screen error. code: protocol error code or a client one
 * (connection_failed, media_denied, media_unavailable).
 * actions: [{key, run, id?}], the first is the main one.
 */
export function showError(code, actions) {
  const box = $('#error');
  const known = t(`err.${code}.title`) !== `err.${code}.title`;
  const base = known ? code : 'internal';
  setKey($('#error-title'), `err.${base}.title`);
  setKey($('#error-text'), `err.${base}.text`);
  show('error');
  // The tab's title says what happened too (2.4.2).
  document.title = t('title.room', { title: $('#error-title').textContent });
  box.dataset.code = code;
  const first = actionButtons($('#error-actions'), actions);
  (first || $('#error-title')).focus();
}

/** The "you left" page; reason: left | replaced | shutdown | moved | removed | ended. */
export function showLeft(reason, onRejoin) {
  const base = ['replaced', 'shutdown', 'moved', 'removed', 'ended'].includes(reason) ? `bye.${reason}` : 'left';
  setKey($('#left-title'), `${base}.title`);
  setKey($('#left-text'), `${base}.text`);
  show('screen-left');
  const b = actionButtons($('#left-actions'), [
    { key: 'action.rejoin', run: onRejoin, id: 'btn-rejoin' },
    { key: 'action.home', run: () => { location.href = '/'; } },
  ]);
  b.focus();
}

let liveTimer = 0;
/** Screen-reader announcement through the polite live region. */
export function announce(text) {
  const live = $('#live');
  const item = el('p', { text });
  live.append(item);
  clearTimeout(liveTimer);
  liveTimer = setTimeout(() => live.replaceChildren(), 10000);
}

export function banner(id, visible) {
  const b = document.getElementById(id);
  if (b) b.hidden = !visible;
}

/** Notice banner with an optional action button. text is already translated. */
export function notice(text, action) {
  const box = $('#banner-notice');
  if (!text) { box.hidden = true; return; }
  $('#notice-text').textContent = text;
  const btn = $('#notice-action');
  btn.hidden = !action;
  btn.onclick = null;
  if (action) {
    setKey(btn, action.key);
    btn.onclick = () => { box.hidden = true; action.run(); };
  }
  box.hidden = false;
}

/** Toggle buttons: aria-pressed="true" means muted / off / open. */
export function setPressed(btn, pressed) {
  btn.setAttribute('aria-pressed', String(pressed));
}

/** Fills a device <select>; devices from enumerateDevices. */
export function fillDevices(select, devices, kind, currentId) {
  select.replaceChildren();
  if (!devices.length) {
    select.append(el('option', { value: '', text: t('device.none') }));
    select.disabled = true;
    return;
  }
  select.disabled = false;
  devices.forEach((d, i) => {
    const label = d.label || t(`device.unnamed.${kind}`, { n: i + 1 });
    select.append(el('option', { value: d.deviceId, text: label }));
  });
  if (currentId && devices.some((d) => d.deviceId === currentId)) select.value = currentId;
}

/** Single-key shortcuts; map: {m: fn, v: fn, ...}. Ignored while typing. */
const SHORTCUTS = 'confer.shortcuts';

/** Single-key shortcuts can be turned off (WCAG 2.1.4): speech input and
 * stray key presses must not mute, share or open panels. */
export function shortcutsOn() { return local.get(SHORTCUTS) !== false; }
export function setShortcutsOn(on) { local.set(SHORTCUTS, !!on); }

export function shortcuts(map, enabled) {
  document.addEventListener('keydown', (e) => {
    if (!enabled() || !shortcutsOn() || isTyping(e) || e.repeat) return;
    if (document.querySelector('dialog[open]')) return;
    const fn = map[e.key.toLowerCase()] || map[e.key];
    if (fn) { e.preventDefault(); fn(); }
  });
}

/** <dialog> helpers: open modally, close buttons marked data-close. */
export function initDialogs() {
  for (const d of document.querySelectorAll('dialog')) {
    for (const b of d.querySelectorAll('[data-close]')) b.addEventListener('click', () => d.close());
    d.addEventListener('click', (e) => { if (e.target === d) d.close(); });
  }
}

export function openDialog(id, opener) {
  const d = document.getElementById(id);
  if (d.open) return;
  // On close the focus goes back to the control that opens the dialog (or
  // whatever had it), never stays in the closed dialog, where it would
  // swallow the keyboard shortcuts (2.4.3).
  const active = document.activeElement;
  const back = opener?.getClientRects().length ? opener : (active && active !== document.body ? active : null);
  d.addEventListener('close', () => {
    if (back?.isConnected && back.getClientRects().length) back.focus();
    else if (d.contains(document.activeElement)) document.activeElement.blur();
  }, { once: true });
  d.showModal();
}

export { applyI18n };
