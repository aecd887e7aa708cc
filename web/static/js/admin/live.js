// Live meetings, for platform operators: every meeting now (on every node
// of a multi-node deployment), who is in it, how their connections are,
// and each node's load. From the media snapshot (/api/v1/media).
import { t } from '../admin-i18n.js';
import { api, h, check, busy, table, sayError } from './common.js';

const EVERY_MS = 10000;

export async function live(view) {
  const nodes = h('div');
  const meetings = h('div');
  const updated = h('p', { class: 'muted-text small', id: 'live-updated' });
  const refresh = h('button', { class: 'btn', type: 'button', id: 'btn-live-refresh' }, t('live.refresh'));
  // Updating by itself can be turned off (WCAG 2.2.2).
  const [autoF, auto] = check(t('live.auto'), true);
  const root = h('div', {}, h('div', { class: 'actions' }, refresh), autoF, updated,
    nodes, h('h2', {}, t('live.meetings')), meetings);
  view.replaceChildren(h('h1', {}, t('live.title')), root);

  const load = async () => {
    const snap = await api('GET', '/api/v1/media');
    const rooms = (snap.rooms || []).slice().sort((a, b) => a.room.localeCompare(b.room));
    const multi = Array.isArray(snap.nodes);
    nodes.replaceChildren(multi ? nodeTable(snap.nodes) : document.createComment('one node'));
    const headers = [t('live.room'), ...(multi ? [t('live.node')] : []), t('live.people'), t('live.cameras'), t('live.screens'), t('live.connections'), t('live.incoming')];
    meetings.replaceChildren(table(headers, rooms.map((r) => [
      h('a', { href: `/r/${encodeURIComponent(r.room)}` }, r.room),
      ...(multi ? [r.node] : []),
      (r.peers || []).length,
      tracks(r, (tr) => tr.kind === 'video' && tr.source !== 'screen'),
      tracks(r, (tr) => tr.source === 'screen'),
      connections(r.peers || []),
      mbps(r),
    ])));
    updated.textContent = t('live.updated', { time: new Date().toLocaleTimeString() });
  };
  refresh.addEventListener('click', () => busy(refresh, load));
  const timer = setInterval(() => {
    if (!root.isConnected) { clearInterval(timer); return; }
    if (auto.checked && !document.hidden) load().catch(sayError);
  }, EVERY_MS);
  await load();
}

function nodeTable(list) {
  return h('div', {}, h('h2', {}, t('live.nodes')), table(
    [t('live.node'), t('live.state'), t('live.meetingsCol'), t('live.people')],
    list.map((n) => [
      h('span', {}, n.id, h('br'), h('span', { class: 'muted-text small' }, n.url)),
      n.error ? t('live.unreachable') : n.draining ? t('live.draining') : t('live.active'),
      n.meetings, n.load,
    ])));
}

function tracks(r, pick) {
  return (r.tracks || []).filter((tr) => pick(tr) && !tr.muted).length;
}

/** "3 good" or "2 good, 1 poor": what the participants' bars show. */
function connections(peers) {
  const n = { good: 0, fair: 0, poor: 0 };
  for (const p of peers) n[p.quality in n ? p.quality : 'good']++;
  return ['good', 'fair', 'poor'].filter((q) => n[q]).map((q) => t(`live.q.${q}`, { n: n[q] })).join(', ') || '–';
}

function mbps(r) {
  let bps = 0;
  for (const tr of r.tracks || []) for (const l of tr.layers || []) bps += l.bitrate || 0;
  return `${(bps / 1e6).toFixed(1)} Mbit/s`;
}
