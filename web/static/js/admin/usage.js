// Usage page: conference-hours per month, concurrency over a day, top
// rooms, devices, budgets and webhooks (docs/usage.md). Charts are inline
// SVG built with DOM calls (CSP-safe); each has its data table.

const STR = {
  it: {
    skip: 'Vai al contenuto', back: '← Amministrazione', lang: 'Lingua', title: 'Utilizzo (ore di conferenza)',
    budgets: 'Budget annuali delle organizzazioni', org: 'Organizzazione (vuoto: tutte)', from: 'Da (mese)', to: 'A (mese)',
    show: 'Mostra', totals: 'Totali', csv: 'Scarica CSV:', months: 'Ore di conferenza per mese',
    monthsCaption: 'Ore di conferenza (stanze con almeno due persone) per mese, fuso Europe/Rome.',
    dataTable: 'Tabella dei dati', day: 'Contemporaneità in un giorno', date: 'Giorno',
    dayCaption: 'Massimo di partecipanti contemporanei ogni 15 minuti.', topRooms: 'Stanze più usate', devices: 'Dispositivi',
    webhooks: 'Webhook', url: 'URL', description: 'Descrizione', orgOptional: 'Organizzazione (vuoto: piattaforma)',
    add: 'Aggiungi', log: 'Consegne recenti', month: 'Mese', meetings: 'Riunioni', meetingHours: 'Ore di conferenza',
    participantHours: 'Ore-partecipante', sessions: 'Sessioni', room: 'Stanza', device: 'Dispositivo', time: 'Ora',
    participants: 'Partecipanti', activeMeetings: 'Riunioni', used: 'Usate', budget: 'Budget', percent: '%', level: 'Stato',
    peak: 'Picco partecipanti', peakMeetings: 'Picco riunioni', remove: 'Elimina', status: 'Esito', attempts: 'Tentativi',
    event: 'Evento', last: 'Ultimo tentativo', error: 'Errore', none: 'Nessun dato',
    secret: 'Segreto di firma (mostrato solo ora): ', failed: 'Operazione non riuscita: ', retry: 'Riprova ora',
    lv_ok: 'ok', lv_none: '—', lv_warning: 'oltre l’80 %', lv_exceeded: 'esaurito', refusing: ' (nuove riunioni rifiutate)',
    bannerWarning: 'La tua organizzazione ha usato {p} % delle ore di conferenza dell’anno ({u} di {b}).',
    bannerExceeded: 'La tua organizzazione ha esaurito le ore di conferenza dell’anno ({u} di {b}).',
    desktop: 'computer', phone: 'telefono', tablet: 'tablet',
  },
  en: {
    skip: 'Skip to content', back: '← Administration', lang: 'Language', title: 'Usage (conference-hours)',
    budgets: 'Organisations’ yearly budgets', org: 'Organisation (empty: all)', from: 'From (month)', to: 'To (month)',
    show: 'Show', totals: 'Totals', csv: 'Download CSV:', months: 'Conference-hours per month',
    monthsCaption: 'Conference-hours (rooms with at least two people) per month, Europe/Rome time.',
    dataTable: 'Data table', day: 'Concurrency over a day', date: 'Day',
    dayCaption: 'Most participants at once in each 15 minutes.', topRooms: 'Top rooms', devices: 'Devices',
    webhooks: 'Webhooks', url: 'URL', description: 'Description', orgOptional: 'Organisation (empty: platform)',
    add: 'Add', log: 'Recent deliveries', month: 'Month', meetings: 'Meetings', meetingHours: 'Conference-hours',
    participantHours: 'Participant-hours', sessions: 'Sessions', room: 'Room', device: 'Device', time: 'Time',
    participants: 'Participants', activeMeetings: 'Meetings', used: 'Used', budget: 'Budget', percent: '%', level: 'Status',
    peak: 'Peak participants', peakMeetings: 'Peak meetings', remove: 'Delete', status: 'Result', attempts: 'Attempts',
    event: 'Event', last: 'Last attempt', error: 'Error', none: 'No data',
    secret: 'Signing secret (shown only now): ', failed: 'Failed: ', retry: 'Retry now',
    lv_ok: 'ok', lv_none: '—', lv_warning: 'over 80 %', lv_exceeded: 'used up', refusing: ' (new meetings refused)',
    bannerWarning: 'Your organisation has used {p} % of this year’s conference-hours ({u} of {b}).',
    bannerExceeded: 'Your organisation has used up this year’s conference-hours ({u} of {b}).',
    desktop: 'desktop', phone: 'phone', tablet: 'tablet',
  },
};

let lang = localStorage.getItem('confer.lang') === 'en' ? 'en' : 'it';
const t = (k, vars = {}) => (STR[lang][k] ?? k).replace(/\{(\w+)\}/g, (_, v) => vars[v] ?? '');
const $ = (id) => document.getElementById(id);
const nf = () => new Intl.NumberFormat(lang === 'it' ? 'it-IT' : 'en-GB', { maximumFractionDigits: 2 });
const SVG = 'http://www.w3.org/2000/svg';
let csrf = '';
let platform = false;
let last = null; // last report, re-rendered on language change
let lastDay = null;

function el(tag, attrs = {}, ...kids) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}

function applyStrings() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
}

function status(msg) {
  const s = $('status');
  s.hidden = !msg;
  s.dataset.kind = 'error';
  s.textContent = msg || '';
}

async function api(path, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (opts.body) headers['Content-Type'] = 'application/json';
  if (opts.method && opts.method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { ...opts, headers, credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); throw new Error('401'); }
  if (!res.ok) {
    const p = await res.json().catch(() => ({}));
    throw new Error(p.detail || res.statusText);
  }
  return res.status === 204 ? null : res.json();
}

/** Fills table with a header row and rows of cells; cols: [label, numeric]. */
function table(id, cols, rows, caption) {
  const tb = $(id);
  tb.replaceChildren();
  if (caption) tb.append(el('caption', {}, caption));
  tb.append(el('thead', {}, el('tr', {}, ...cols.map(([c, num]) => el('th', { scope: 'col', class: num ? 'num' : '' }, c)))));
  const body = el('tbody');
  if (!rows.length) body.append(el('tr', {}, el('td', { colspan: String(cols.length) }, t('none'))));
  for (const r of rows) body.append(el('tr', {}, ...r.map((c, i) => el('td', { class: cols[i][1] ? 'num' : '' }, c))));
  tb.append(body);
}

/** Vertical bar chart of values with labels, in an SVG with a title. */
function bars(id, labels, values, title, cls = 'bar', every = 1) {
  const W = 720, H = 220, pad = 28, n = Math.max(values.length, 1);
  const maxV = Math.max(...values, 0) || 1;
  const bw = (W - pad * 2) / n;
  const svg = el('svg:svg', { viewBox: `0 0 ${W} ${H + 24}`, role: 'img', 'aria-label': title });
  svg.append(el('svg:title', {}, title));
  svg.append(el('svg:line', { class: 'axis', x1: pad, y1: H, x2: W - pad, y2: H }));
  svg.append(el('svg:text', { x: 2, y: 12 }, nf().format(maxV)));
  values.forEach((v, i) => {
    const h = Math.round((v / maxV) * (H - 20));
    const r = el('svg:rect', { class: cls, x: pad + i * bw + 1, y: H - h, width: Math.max(bw - 2, 1), height: h });
    r.append(el('svg:title', {}, `${labels[i]}: ${nf().format(v)}`));
    svg.append(r);
    if (i % every === 0) svg.append(el('svg:text', { x: pad + i * bw + 1, y: H + 16 }, labels[i]));
  });
  $(id).replaceChildren(svg);
}

function monthName(m) {
  const [y, mo] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, 15)).toLocaleDateString(lang === 'it' ? 'it-IT' : 'en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' });
}

function renderReport(r) {
  const f = nf();
  const tot = $('totals');
  tot.replaceChildren();
  for (const [k, v] of [['meetingHours', r.total.meetingHours], ['participantHours', r.total.participantHours],
    ['meetings', r.total.meetings], ['sessions', r.total.sessions], ['peak', r.peak.participants], ['peakMeetings', r.peak.meetings]]) {
    tot.append(el('dt', {}, t(k)), el('dd', {}, f.format(v)));
  }
  bars('months-chart', r.months.map((m) => monthName(m.month)), r.months.map((m) => m.meetingHours), t('months'));
  table('months', [[t('month')], [t('meetings'), 1], [t('meetingHours'), 1], [t('participantHours'), 1], [t('sessions'), 1]],
    r.months.map((m) => [m.month, f.format(m.meetings), f.format(m.meetingHours), f.format(m.participantHours), f.format(m.sessions)]));
  table('rooms', [[t('room')], [t('org')], [t('meetings'), 1], [t('meetingHours'), 1], [t('participantHours'), 1]],
    r.rooms.slice(0, 10).map((x) => [x.room, x.org, f.format(x.meetings), f.format(x.meetingHours), f.format(x.participantHours)]));
  table('devices', [[t('device')], [t('sessions'), 1], [t('participantHours'), 1]],
    r.devices.map((d) => [t(d.device), f.format(d.sessions), f.format(d.participantHours)]));
  const q = new URLSearchParams({ from: r.from, to: r.to, format: 'csv' });
  if ($('f-org').value.trim()) q.set('org', $('f-org').value.trim());
  const links = $('csv-links');
  links.replaceChildren();
  for (const by of ['detail', 'org', 'room', 'month']) {
    q.set('by', by);
    links.append(el('a', { href: '/api/v1/usage/report?' + q, download: '' }, by), ' ');
  }
  q.set('by', 'detail'); q.set('locale', 'it');
  links.append(el('a', { href: '/api/v1/usage/report?' + q, download: '' }, 'Excel (it)'));
}

function renderDay(d) {
  const hhmm = (s) => new Date(s).toLocaleTimeString(lang === 'it' ? 'it-IT' : 'en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Rome' });
  bars('day-chart', d.buckets.map((b) => hhmm(b.start)), d.buckets.map((b) => b.participants), t('day'), 'bar2', 8);
  table('day', [[t('time')], [t('participants'), 1], [t('activeMeetings'), 1]],
    d.buckets.filter((b) => b.participants > 0).map((b) => [hhmm(b.start), String(b.participants), String(b.meetings)]));
}

function renderBudgets(list) {
  const f = nf();
  const banner = $('banner');
  banner.hidden = true;
  if (!platform && list.length === 1 && (list[0].level === 'warning' || list[0].level === 'exceeded')) {
    const b = list[0];
    banner.hidden = false;
    banner.dataset.level = b.level;
    banner.textContent = t(b.level === 'exceeded' ? 'bannerExceeded' : 'bannerWarning', { p: f.format(b.percent), u: f.format(b.usedHours), b: b.budgetHours })
      + (b.refusing ? t('refusing') : '');
  }
  $('budgets-box').hidden = !platform;
  if (!platform) return;
  table('budgets', [[t('org')], [t('used'), 1], [t('budget'), 1], [t('percent'), 1], [t('level')]],
    list.map((b) => [b.orgName || b.org, f.format(b.usedHours), f.format(b.budgetHours), f.format(b.percent),
      el('span', { class: 'lvl-' + b.level }, t('lv_' + b.level) + (b.refusing ? t('refusing') : ''))]));
}

async function renderHooks() {
  const [{ endpoints }, { deliveries }] = await Promise.all([api('/api/v1/usage/webhooks'), api('/api/v1/usage/webhooks/deliveries?limit=50')]);
  table('hooks', [[t('url')], [t('org')], [t('description')], ['']], endpoints.map((e) => {
    const del = el('button', { type: 'button', class: 'btn small' }, t('remove'));
    del.addEventListener('click', () => api(`/api/v1/usage/webhooks/${e.id}`, { method: 'DELETE' }).then(renderHooks, (x) => status(t('failed') + x.message)));
    return [e.url, e.org || '—', e.description, del];
  }));
  const when = (s) => (s ? new Date(s).toLocaleString(lang === 'it' ? 'it-IT' : 'en-GB') : '—');
  // A failed delivery (given up after its retries) can be sent again by hand.
  const retry = (d) => {
    if (d.status !== 'failed') return '';
    const b = el('button', { type: 'button', class: 'btn small' }, t('retry'));
    b.addEventListener('click', () => api(`/api/v1/usage/webhooks/deliveries/${d.id}/retry`, { method: 'POST' })
      .then(renderHooks, (x) => status(t('failed') + x.message)));
    return b;
  };
  table('log', [[t('event')], [t('url')], [t('status')], [t('attempts'), 1], [t('last')], [t('error')], ['']],
    deliveries.map((d) => [d.type, d.endpointUrl, d.status, String(d.attempts), when(d.lastAt) + (d.lastStatus ? ` (${d.lastStatus})` : ''), d.lastError || '', retry(d)]));
}

async function loadReport() {
  status('');
  const q = new URLSearchParams({ from: $('f-from').value, to: $('f-to').value });
  if ($('f-org').value.trim()) q.set('org', $('f-org').value.trim());
  try {
    last = await api('/api/v1/usage/report?' + q);
    renderReport(last);
    const { budgets } = await api('/api/v1/usage/budgets');
    renderBudgets(budgets);
  } catch (e) { status(t('failed') + e.message); }
}

async function loadDay() {
  const q = new URLSearchParams({ date: $('f-day').value });
  if ($('f-org').value.trim()) q.set('org', $('f-org').value.trim());
  try { lastDay = await api('/api/v1/usage/concurrency?' + q); renderDay(lastDay); } catch (e) { status(t('failed') + e.message); }
}

async function main() {
  applyStrings();
  $('lang').value = lang;
  $('lang').addEventListener('change', () => {
    lang = $('lang').value;
    localStorage.setItem('confer.lang', lang);
    applyStrings();
    if (last) renderReport(last);
    if (lastDay) renderDay(lastDay);
    loadReport();
    renderHooks().catch(() => {});
  });
  try {
    const me = await api('/api/v1/me');
    csrf = me.csrfToken || me.CSRFToken || '';
    platform = (me.role || me.account?.role) === 'platform-admin';
  } catch (e) { status(t('failed') + e.message); return; }
  $('f-org').closest('.field').hidden = !platform;
  $('h-org-field').hidden = !platform;
  const now = new Date();
  const y = now.getFullYear();
  $('f-from').value = `${y}-01`;
  $('f-to').value = `${y}-12`;
  $('f-day').value = now.toISOString().slice(0, 10);
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); loadReport(); loadDay(); });
  $('day-form').addEventListener('submit', (e) => { e.preventDefault(); loadDay(); });
  $('hook-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const ep = await api('/api/v1/usage/webhooks', { method: 'POST', body: JSON.stringify({ url: $('h-url').value, description: $('h-desc').value, org: $('h-org').value.trim() }) });
      const s = $('hook-secret');
      s.hidden = false;
      s.textContent = t('secret') + ep.secret;
      e.target.reset();
      await renderHooks();
    } catch (x) { status(t('failed') + x.message); }
  });
  await Promise.all([loadReport(), loadDay(), renderHooks().catch((x) => status(t('failed') + x.message))]);
}

main();
