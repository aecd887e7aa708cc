// The phone control bar: below 600 px only mic, camera, chat,
// participants, "More" and leave stay in the bar (one row at 360 px); the
// rest is reached through the More menu. Menu items stand for the real
// buttons, which keep their handlers and state: an item clicks its button
// and mirrors its aria-pressed and hidden. WAI-ARIA menu button pattern:
// arrows, Home/End, Escape and focus back on More.

import { $, el } from './util.js';
import { onLangChange } from './i18n.js';

// The buttons that move into the menu on phones, in menu order.
const MOVED = ['btn-share', 'btn-media', 'btn-hand', 'btn-files', 'btn-layout', 'btn-settings', 'btn-help'];

let btn = null;
let menu = null;

export function init() {
  btn = $('#btn-more');
  menu = $('#more-menu');
  if (!btn || !menu) return;
  btn.addEventListener('click', () => (menu.hidden ? open(0) : close(true)));
  btn.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); open(e.key === 'ArrowUp' ? -1 : 0); }
  });
  menu.addEventListener('keydown', onKey);
  menu.addEventListener('focusout', (e) => { if (!menu.contains(e.relatedTarget) && e.relatedTarget !== btn) close(false); });
  document.addEventListener('pointerdown', (e) => { if (!menu.hidden && !menu.contains(e.target) && !btn.contains(e.target)) close(false); });
  onLangChange(() => { if (!menu.hidden) build(); });
}

/** The visible items: one per moved button that is not hidden. */
function build() {
  const items = [];
  for (const id of MOVED) {
    const b = document.getElementById(id);
    if (!b || b.hidden) continue; // e.g. no screen sharing on this browser
    const pressed = b.getAttribute('aria-pressed');
    const item = el('button', { type: 'button', class: 'menu-item', role: pressed == null ? 'menuitem' : 'menuitemcheckbox', tabindex: '-1' });
    if (pressed != null) item.setAttribute('aria-checked', pressed);
    const icon = b.querySelector('svg.icon:not(.off)')?.cloneNode(true);
    if (icon) item.append(icon);
    item.append(el('span', { text: b.getAttribute('aria-label') || '' }));
    item.addEventListener('click', () => {
      close(true);
      b.click(); // a dialog it opens takes the focus from More
    });
    items.push(item);
  }
  menu.replaceChildren(...items);
  return items;
}

function open(index) {
  const items = build();
  if (!items.length) return;
  menu.hidden = false;
  btn.setAttribute('aria-expanded', 'true');
  items.at(index).focus();
}

function close(focusButton) {
  if (menu.hidden) return;
  menu.hidden = true;
  btn.setAttribute('aria-expanded', 'false');
  if (focusButton) btn.focus();
}

function onKey(e) {
  const items = [...menu.querySelectorAll('.menu-item')];
  const i = items.indexOf(document.activeElement);
  const go = (n) => { e.preventDefault(); items[(n + items.length) % items.length]?.focus(); };
  switch (e.key) {
    case 'ArrowDown': return go(i + 1);
    case 'ArrowUp': return go(i - 1);
    case 'Home': return go(0);
    case 'End': return go(items.length - 1);
    case 'Escape': e.preventDefault(); e.stopPropagation(); return close(true);
    case 'Tab': return close(false);
    default:
  }
}
