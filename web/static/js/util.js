// Small DOM and storage helpers shared by the pages.

export const $ = (sel, root = document) => root.querySelector(sel);

/** el('div', {class: 'x', dataset: {a: '1'}}, child...) — never parses HTML. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An <svg> using a symbol from the sprite in room.html (#i-<name>). */
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const use = document.createElementNS(SVG, 'use');
  use.setAttribute('href', `#i-${name}`);
  svg.append(use);
  return svg;
}

function wrap(getStorage) {
  return {
    get(k) {
      try { const v = getStorage().getItem(k); return v === null ? null : JSON.parse(v); } catch { return null; }
    },
    set(k, v) { try { getStorage().setItem(k, JSON.stringify(v)); } catch { /* full or disabled */ } },
    del(k) { try { getStorage().removeItem(k); } catch { /* disabled */ } },
  };
}
export const local = wrap(() => localStorage);
export const session = wrap(() => sessionStorage);

export function initials(name) {
  const parts = String(name || '').trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  const first = [...parts[0]][0] || '';
  const last = parts.length > 1 ? [...parts[parts.length - 1]][0] || '' : '';
  return (first + last).toUpperCase();
}

// Dark backgrounds, each with white text above 4.5:1 contrast.
const COLORS = ['#1e4f8a', '#6a2c91', '#8a2a4f', '#2d6a3e', '#7a4a12', '#245f6b', '#5b3f8c', '#8c3b1f'];
export function colorFor(key) {
  let h = 0;
  for (const c of String(key)) h = (h * 31 + c.codePointAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

export function deviceType() {
  const ua = navigator.userAgent || '';
  if (/iPad|Tablet/i.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) return 'tablet';
  if (/Android/i.test(ua) && !/Mobile/i.test(ua)) return 'tablet';
  if (/Mobi|iPhone|Android/i.test(ua)) return 'phone';
  return 'desktop';
}

/** True when the key event should not trigger a shortcut (typing, modifiers). */
export function isTyping(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return true;
  const tgt = e.target;
  return !!(tgt && (tgt.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(tgt.tagName)));
}

/**
 * When the steps of joining first happened, in ms since page open (for
 * the first-frame benchmark: where the time goes). Only the first of
 * each is kept.
 */
export const marks = {};
export function mark(step) { marks[step] ??= Math.round(performance.now()); }
