// Rooms of the platform or of one's organisation: search, create, delete,
// and the same settings card hosts see.
import { t } from '../admin-i18n.js';
import { api, h, field, check, say, busy, section, table, pager } from './common.js';
import { roomCard } from './rooms.js';

export async function allRooms(view, me) {
  const platform = me.role === 'platform-admin';
  const state = { q: '', offset: 0 };
  const results = h('div');
  const detail = h('div');
  const load = async () => {
    const pg = await api('GET', `/api/v1/rooms?${new URLSearchParams({ q: state.q, offset: state.offset })}`);
    results.replaceChildren(table([t('room.title'), t('room.org'), t('room.capacity'), t('room.link'), t('actions')],
      pg.items.map((r) => [
        h('span', {}, r.title, h('br'), h('span', { class: 'muted-text small' }, r.slug)), r.org, r.capacity,
        h('a', { href: r.link }, r.link),
        h('span', { class: 'row-actions' },
          h('button', { class: 'btn small', type: 'button', 'aria-label': `${t('edit')} ${r.title}`, onclick: () => {
            detail.replaceChildren(roomCard(r));
            detail.querySelector('h2')?.scrollIntoView({ block: 'nearest' });
          } }, t('edit')),
          r.personal ? null : h('button', { class: 'btn small', type: 'button', onclick: (ev) => {
            if (!window.confirm(t('confirm.delete', { name: r.slug }))) return;
            busy(ev.target, async () => { await api('DELETE', `/api/v1/rooms/${r.slug}`); say(t('deleted')); await load(); });
          } }, t('delete'))),
      ])), pager(pg, (off) => { state.offset = off; load(); }));
  };
  const search = h('input', { type: 'search', placeholder: t('search.placeholder') });
  const [searchF] = field(t('search'), search);
  search.addEventListener('input', () => { state.q = search.value; state.offset = 0; load(); });

  const [orgF, org] = field(t('room.org'), h('input', { type: 'text', value: platform ? '' : me.org, readonly: !platform, required: true, autocapitalize: 'none' }));
  const [slugF, slug] = field(t('room.slug'), h('input', { type: 'text', required: true, autocapitalize: 'none', pattern: '[a-z0-9-]{2,63}' }));
  const [titleF, title] = field(t('room.title'), h('input', { type: 'text' }));
  const [capF, cap] = field(t('room.capacity'), h('input', { type: 'number', min: 1, inputmode: 'numeric' }));
  const [pinF, pin] = field(t('room.pin'), h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off' }));
  const [guestsF, guests] = check(t('room.guests'), true);
  const [lobbyF, lobby] = check(t('room.lobby'), true); // on by default: hosts open it on purpose
  const btn = h('button', { class: 'btn primary', type: 'submit' }, t('create'));
  const form = h('form', { class: 'grid-form', novalidate: true }, orgF, slugF, titleF, capF, pinF, guestsF, lobbyF, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      await api('POST', '/api/v1/rooms', { org: org.value.trim(), slug: slug.value.trim(), title: title.value, capacity: +cap.value || 0,
        pin: pin.value.trim(), guestsAllowed: guests.checked, lobby: lobby.checked });
      say(t('created'));
      slug.value = title.value = pin.value = '';
      await load();
    });
  });
  view.replaceChildren(h('h1', {}, t('allRooms.title')), searchF, results, detail, section(t('allRooms.new'), form));
  await load();
}
