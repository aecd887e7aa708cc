// Landing page: a room name or link → /r/<slug>.

import { $ } from './util.js';
import { applyI18n, initLangSwitch, t } from './i18n.js';

/** Accepts "https://host/r/slug?x", "/r/slug" or a plain name. */
export function toSlug(input) {
  const s = String(input || '').trim();
  if (!s) return '';
  const m = s.match(/\/r\/([^/?#\s]+)/);
  if (m) { try { return decodeURIComponent(m[1]); } catch { return m[1]; } }
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

applyI18n();
document.title = t('app.name');
initLangSwitch($('#lang-switch'));
$('#go-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const slug = toSlug($('#input-room').value);
  const err = $('#room-error');
  err.hidden = !!slug;
  if (!slug) { $('#input-room').setAttribute('aria-invalid', 'true'); $('#input-room').focus(); return; }
  location.href = `/r/${encodeURIComponent(slug)}`;
});
