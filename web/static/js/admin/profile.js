// Everyone's own page: profile, password, signed-in browsers, API tokens.
import { t } from '../admin-i18n.js';
import { api, h, field, select, say, busy, section, table } from './common.js';

export async function profile(view, me) {
  view.replaceChildren(h('h1', {}, t('profile.title')), nameForm(me), passwordForm(me), await sessions(), await tokens());
}

function nameForm(me) {
  const [nameF, name] = field(t('profile.name'), h('input', { type: 'text', value: me.displayName, maxlength: 200, autocomplete: 'name', required: true }));
  const btn = h('button', { class: 'btn primary', type: 'submit' }, t('save'));
  const form = h('form', { novalidate: true },
    h('p', {}, `${t('profile.email')}: ${me.email}`),
    me.validUntil ? h('p', { class: 'muted-text' }, t('profile.valid', { date: me.validUntil })) : null,
    nameF, btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      const next = await api('PATCH', '/api/v1/me', { displayName: name.value });
      me.displayName = next.displayName;
      document.getElementById('who').textContent = next.displayName;
      say(t('saved'));
    });
  });
  return section(t('profile.title'), form);
}

function passwordForm(me) {
  const [curF, cur] = field(t('password.current'), h('input', { type: 'password', autocomplete: 'current-password' }));
  const [nextF, next] = field(t('password.new'), h('input', { type: 'password', autocomplete: 'new-password', minlength: 10 }), t('password.hint'));
  const btn = h('button', { class: 'btn primary', type: 'submit' }, t('password.change'));
  const form = h('form', { novalidate: true }, me.hasPassword ? curF : null, nextF, btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      await api('POST', '/api/v1/me/password', { current: cur.value, new: next.value });
      cur.value = next.value = '';
      say(t('password.changed'));
    });
  });
  return section(t('password.title'), form);
}

async function sessions() {
  const wrap = section(t('sessions.title'));
  const list = await api('GET', '/api/v1/me/sessions');
  wrap.append(table([t('sessions.title'), t('actions')], list.items.map((s) => [
    h('span', {}, s.userAgent || '?', h('br'), h('span', { class: 'muted-text small' },
      t('sessions.seen', { when: new Date(s.lastSeen).toLocaleString(), ip: s.ip }))),
    s.current ? h('span', { class: 'tag' }, t('sessions.current'))
      : h('button', { class: 'btn small', type: 'button', onclick: (ev) => busy(ev.target, async () => {
        await api('DELETE', `/api/v1/me/sessions/${s.id}`);
        ev.target.closest('tr').remove();
      }) }, t('sessions.revoke')),
  ])));
  return wrap;
}

async function tokens() {
  const wrap = section(t('tokens.title'));
  const list = h('div');
  const secret = h('div', { class: 'notice', hidden: true });
  const load = async () => {
    const ts = await api('GET', '/api/v1/tokens');
    list.replaceChildren(table([t('tokens.name'), t('tokens.scopes'), t('actions')], ts.items.map((x) => [
      x.name, x.scopes,
      x.revoked ? t('tokens.revoked') : h('button', { class: 'btn small', type: 'button', onclick: (ev) => busy(ev.target, async () => {
        await api('DELETE', `/api/v1/tokens/${x.id}`);
        await load();
      }) }, t('tokens.revoke')),
    ])));
  };
  const [nameF, name] = field(t('tokens.name'), h('input', { type: 'text', maxlength: 100 }));
  const [scopeF, scope] = field(t('tokens.scopes'), select([['read', t('scope.read')], ['write', t('scope.write')], ['admin', t('scope.admin')]], 'read'));
  const btn = h('button', { class: 'btn', type: 'submit' }, t('tokens.create'));
  const form = h('form', { class: 'inline-form' }, nameF, scopeF, btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      const tok = await api('POST', '/api/v1/tokens', { name: name.value, scopes: scope.value });
      secret.replaceChildren(h('p', {}, t('tokens.secret')), h('code', { class: 'secret' }, tok.secret));
      secret.hidden = false;
      name.value = '';
      await load();
    });
  });
  await load();
  wrap.append(secret, list, form);
  return wrap;
}
