// The language machinery shared by the meeting client (i18n.js) and the
// administration pages (admin-i18n.js): each passes its own dictionaries.
// The choice is stored under one key, so both parts speak the same language.

export const LANGS = { it: 'Italiano', en: 'English' };
const KEY = 'confer.lang';

function pick(dicts) {
  let stored = null;
  try { stored = localStorage.getItem(KEY); } catch { /* storage off */ }
  if (stored && dicts[stored]) return stored;
  for (const l of navigator.languages || [navigator.language || '']) {
    if (/^it\b/i.test(l)) return 'it';
    if (/^en\b/i.test(l)) return 'en';
  }
  return 'en';
}

/** Returns the translation functions over dicts ({en, it}; en is the fallback). */
export function translator(dicts) {
  const listeners = [];
  let lang = pick(dicts);

  const getLang = () => lang;

  /** t('live.joined', {name}) → text in the current language. */
  function t(key, vars) {
    let s = dicts[lang][key] ?? dicts.en[key] ?? key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  /** True when key has a translation (to fall back to server text). */
  const has = (key) => key in dicts.en;

  /** Plural helper for keys ending in .0 / .1 / .n. */
  const tn = (base, n) => t(`${base}.${n === 0 ? '0' : n === 1 ? '1' : 'n'}`, { n });

  /** Fills every data-i18n* element under root. */
  function applyI18n(root = document) {
    document.documentElement.lang = lang;
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const attr of ['aria-label', 'title', 'placeholder']) {
      for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) {
        el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
      }
    }
  }

  function setLang(l) {
    if (!dicts[l] || l === lang) return;
    lang = l;
    try { localStorage.setItem(KEY, l); } catch { /* storage off */ }
    applyI18n();
    for (const fn of listeners) fn(l);
  }

  const onLangChange = (fn) => { listeners.push(fn); };

  /** Fills a language <select> and wires it. */
  function initLangSwitch(select) {
    select.replaceChildren();
    for (const [code, label] of Object.entries(LANGS)) {
      const o = document.createElement('option');
      o.value = code;
      o.textContent = label;
      o.lang = code;
      select.append(o);
    }
    select.value = lang;
    select.addEventListener('change', () => setLang(select.value));
    onLangChange((l) => { select.value = l; });
  }

  return { getLang, t, has, tn, applyI18n, setLang, onLangChange, initLangSwitch };
}
