// "My rooms": the rooms a person hosts, with link, PIN, lobby, guests,
// who may share, moderators and an invitation to send.
import { t } from '../admin-i18n.js';
import { api, h, field, check, select, say, busy, copyText, section, table } from './common.js';

export async function myRooms(view) {
  const list = await api('GET', '/api/v1/me/rooms');
  view.replaceChildren(h('h1', {}, t('rooms.title')));
  if (!list.items.length) view.append(h('p', { class: 'muted-text' }, t('rooms.none')));
  for (const r of list.items) view.append(roomCard(r));
}

/** Settings of one room, for hosts and admins alike. */
export function roomCard(room) {
  const box = h('section', { class: 'box room-card', 'aria-label': room.title });
  draw(box, room);
  return box;
}

function draw(box, room) {
  const link = h('a', { href: room.link, class: 'room-link' }, room.link);
  const [pinF, pin] = field(t('room.pin'), h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', value: room.pin, pattern: '[0-9]{4,10}', maxlength: 10 }));
  const [lobbyF, lobby] = check(t('room.lobby'), room.lobby);
  const [guestsF, guests] = check(t('room.guests'), room.guestsAllowed);
  const [shareF, share] = field(t('room.share'), select([['everyone', t('share.everyone')], ['moderators', t('share.moderators')]], room.whoMayShare));
  const saveBtn = h('button', { class: 'btn primary', type: 'submit' }, t('save'));
  const form = h('form', { class: 'room-form', novalidate: true }, pinF, lobbyF, guestsF, shareF, h('div', { class: 'actions' }, saveBtn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(saveBtn, async () => {
      try {
        const next = await api('PATCH', `/api/v1/rooms/${room.slug}`, {
          version: room.version, pin: pin.value.trim(), lobby: lobby.checked, guestsAllowed: guests.checked, whoMayShare: share.value,
        });
        draw(box, next);
        box.querySelector('.room-form [type=submit]').focus(); // the old button is gone
        say(t('saved'));
      } catch (err) {
        if (err.status === 409) draw(box, await api('GET', `/api/v1/rooms/${room.slug}`));
        throw err;
      }
    });
  });
  box.replaceChildren(
    h('h2', {}, room.title, room.personal ? h('span', { class: 'tag' }, t('room.personal')) : null),
    h('p', { class: 'link-row' }, link,
      h('button', { class: 'btn small', type: 'button', onclick: () => copyText(room.link) }, t('room.copyLink'))),
    form, moderators(room), invitation(room));
}

function moderators(room) {
  const wrap = section(t('mods.title'));
  const list = h('div');
  const load = async () => {
    const hs = await api('GET', `/api/v1/rooms/${room.slug}/hosts`);
    list.replaceChildren(table([t('account.email'), t('mods.role'), t('actions')], hs.items.map((x) => [
      `${x.displayName} <${x.email}>`, t(`role.${x.role}`),
      h('button', { class: 'btn small', type: 'button', 'aria-label': t('mods.remove', { name: x.email }),
        onclick: (ev) => busy(ev.target, async () => { await api('DELETE', `/api/v1/rooms/${room.slug}/hosts/${x.accountId}`); await load(); }) }, t('mods.removeShort')),
    ])));
  };
  const [emailF, email] = field(t('mods.email'), h('input', { type: 'email', autocomplete: 'off', autocapitalize: 'none' }));
  const [roleF, role] = field(t('mods.role'), select([['moderator', t('role.moderator')], ['host', t('role.host')]], 'moderator'));
  const add = h('button', { class: 'btn', type: 'submit' }, t('mods.add'));
  const form = h('form', { class: 'inline-form' }, emailF, roleF, add);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(add, async () => {
      await api('POST', `/api/v1/rooms/${room.slug}/hosts`, { email: email.value.trim(), role: role.value });
      email.value = '';
      await load();
      say(t('saved'));
    });
  });
  load().catch(() => {});
  wrap.append(list, form);
  return wrap;
}

function invitation(room) {
  const wrap = section(t('invite.title'));
  const next = new Date(Date.now() + 3600e3);
  next.setMinutes(0, 0, 0);
  const pad = (n) => String(n).padStart(2, '0');
  const local = `${next.getFullYear()}-${pad(next.getMonth() + 1)}-${pad(next.getDate())}T${pad(next.getHours())}:00`;
  const [startF, start] = field(t('invite.start'), h('input', { type: 'datetime-local', value: local }));
  const [durF, dur] = field(t('invite.duration'), h('input', { type: 'number', min: 5, max: 1440, step: 5, value: 60 }));
  const query = () => {
    const d = new Date(start.value);
    const q = new URLSearchParams({ duration: dur.value, lang: document.documentElement.lang });
    if (!Number.isNaN(d.getTime())) q.set('start', toRFC3339(d));
    return q.toString();
  };
  const ics = h('a', { class: 'btn', href: '#', download: `${room.slug}.ics` }, t('invite.ics'));
  const refresh = () => { ics.href = `/api/v1/rooms/${room.slug}/invitation.ics?${query()}`; };
  start.addEventListener('change', refresh);
  dur.addEventListener('change', refresh);
  refresh();
  const copy = h('button', { class: 'btn', type: 'button', onclick: (ev) => busy(ev.target, async () => {
    const inv = await api('GET', `/api/v1/rooms/${room.slug}/invitation?${query()}`);
    await copyText(`${inv.subject}\n\n${inv.text}`);
  }) }, t('invite.copy'));
  wrap.append(h('div', { class: 'inline-form' }, startF, durF), h('div', { class: 'actions' }, copy, ics));
  return wrap;
}

/** 2026-09-01T10:00:00+02:00 in the browser's time zone. */
function toRFC3339(d) {
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}
