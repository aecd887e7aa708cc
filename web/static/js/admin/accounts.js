// Accounts of the platform (platform admin) or of one's organisation (org
// admin): search, create, suspend/reactivate, reset links, bulk validity.
import { t } from '../admin-i18n.js';
import { api, h, field, check, select, say, busy, section, table, pager } from './common.js';
import { accountForm } from './accountedit.js';

const ROLES = ['member', 'host', 'org-admin', 'platform-admin'];

export async function accounts(view, me) {
  const platform = me.role === 'platform-admin';
  const state = { q: '', offset: 0 };
  const selected = new Set();
  const results = h('div');
  const notice = h('div', { class: 'notice', hidden: true });
  const editor = h('div');
  const edit = (a) => {
    editor.replaceChildren(accountForm(a, me, async () => { editor.replaceChildren(); await load(); }));
    editor.querySelector('h2')?.focus();
  };
  const load = async () => {
    const pg = await api('GET', `/api/v1/accounts?${new URLSearchParams({ q: state.q, offset: state.offset })}`);
    results.replaceChildren(table(
      ['', t('account.email'), t('account.org'), t('account.role'), t('org.status'), t('account.validUntil'), t('actions')],
      pg.items.map((a) => {
        const box = h('input', { type: 'checkbox', checked: selected.has(a.id), 'aria-label': t('account.select', { email: a.email }),
          onchange: (ev) => (ev.target.checked ? selected.add(a.id) : selected.delete(a.id)) });
        return [box,
          h('span', {}, a.displayName, h('br'), h('span', { class: 'muted-text small' }, a.email)),
          a.org ? `${a.org} (${t(`kind.${a.kind}`)})` : '—', t(`role.${a.role}`), t(`status.${a.status}`), a.validUntil || '—',
          h('span', { class: 'row-actions' },
            a.id === me.id ? null : h('button', { class: 'btn small', type: 'button', onclick: (ev) => busy(ev.target, async () => {
              await api('PATCH', `/api/v1/accounts/${a.id}`, { version: a.version, status: a.status === 'active' ? 'suspended' : 'active' });
              say(t('saved'));
              await load();
            }) }, a.status === 'active' ? t('suspend') : t('reactivate')),
            a.id === me.id ? null : h('button', { class: 'btn small', type: 'button', 'aria-label': `${t('edit')} ${a.email}`,
              'data-edit': a.id, onclick: () => edit(a) }, t('edit')),
            h('button', { class: 'btn small', type: 'button', onclick: (ev) => busy(ev.target, async () => {
              const r = await api('POST', `/api/v1/accounts/${a.id}/reset-link`);
              notice.replaceChildren(h('p', {}, t('account.resetLink', { email: a.email })), h('code', { class: 'secret' }, r.link));
              notice.hidden = false;
              notice.scrollIntoView({ block: 'nearest' });
            }) }, t('account.reset')))];
      })), pager(pg, (off) => { state.offset = off; load(); }));
  };
  const search = h('input', { type: 'search', placeholder: t('search.placeholder') });
  const [searchF] = field(t('search'), search);
  search.addEventListener('input', () => { state.q = search.value; state.offset = 0; load(); });
  view.replaceChildren(h('h1', {}, t('accounts.title')), searchF, notice, results, editor,
    bulkForm(platform, selected, load), section(t('accounts.new'), createForm(me, load)));
  await load();
}

function bulkForm(platform, selected, load) {
  const [untilF, until] = field(t('bulk.until'), h('input', { type: 'date' }));
  const [allF, all] = platform ? check(t('bulk.allPersonal'), false) : [null, { checked: false }];
  const run = (end) => (ev) => busy(ev.target, async () => {
    const r = await api('POST', '/api/v1/accounts/validity', { accounts: [...selected], allPersonal: all.checked, until: until.value, end });
    say(t('bulk.done', { n: r.count }));
    await load();
  });
  return section(t('bulk.title'), h('div', { class: 'inline-form' }, untilF, allF),
    h('div', { class: 'actions' },
      h('button', { class: 'btn', type: 'button', onclick: run(false) }, t('bulk.extend')),
      h('button', { class: 'btn', type: 'button', onclick: run(true) }, t('bulk.end'))));
}

function createForm(me, load) {
  const platform = me.role === 'platform-admin';
  const roles = platform ? ROLES : ROLES.slice(0, 3);
  const [emailF, email] = field(t('account.email'), h('input', { type: 'email', required: true, autocapitalize: 'none' }));
  const [nameF, name] = field(t('account.name'), h('input', { type: 'text' }));
  const [orgF, org] = field(t('account.org'), h('input', { type: 'text', value: platform ? '' : me.org, readonly: !platform, autocapitalize: 'none' }));
  const [roleF, role] = field(t('account.role'), select(roles.map((r) => [r, t(`role.${r}`)]), 'member'));
  const [kindF, kind] = field(t('account.kind'), select([['contracted', t('kind.contracted')], ['personal', t('kind.personal')]], 'contracted'));
  const [untilF, until] = field(t('account.validUntil'), h('input', { type: 'date' }));
  const btn = h('button', { class: 'btn primary', type: 'submit' }, t('create'));
  const form = h('form', { class: 'grid-form', novalidate: true }, emailF, nameF, orgF, roleF, platform ? kindF : null, untilF,
    h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      const body = { email: email.value, displayName: name.value, role: role.value, validUntil: until.value };
      if (platform) {
        body.kind = kind.value;
        if (kind.value !== 'personal' && org.value) body.org = org.value.trim();
      }
      await api('POST', '/api/v1/accounts', body);
      say(t('created'));
      email.value = name.value = until.value = '';
      await load();
    });
  });
  return form;
}
