// Platform admin: organisations with their contract figures.
import { t } from '../admin-i18n.js';
import { api, h, field, select, say, busy, section, table, pager } from './common.js';
import { confirmDialog } from './dialog.js';

export const KINDS = ['healthcare', 'local-administration', 'member-entity', 'business', 'school', 'other'];

function figure(used, limit) { return limit ? `${used} / ${limit}` : `${used} (${t('org.unlimited')})`; }

export async function orgs(view) {
  const state = { q: '', offset: 0 };
  const results = h('div');
  const load = async () => {
    const pg = await api('GET', `/api/v1/orgs?${new URLSearchParams({ q: state.q, offset: state.offset })}`);
    results.replaceChildren(table(
      [t('org.name'), t('org.kind'), t('org.status'), t('org.accountsUsed'), t('org.roomsUsed'), t('org.contractHours'), t('actions')],
      pg.items.map((o) => [
        h('span', {}, o.name, h('br'), h('span', { class: 'muted-text small' }, o.slug)),
        t(`kind.${o.kind}`), t(`status.${o.status}`),
        figure(o.contractedAccounts, o.contract.accounts), figure(o.rooms, o.contract.maxRooms),
        o.contract.hoursPerYear || t('org.unlimited'),
        h('span', { class: 'row-actions' },
          h('button', { class: 'btn small', type: 'button', onclick: (ev) => busy(ev.target, async () => {
            await api('PATCH', `/api/v1/orgs/${o.slug}`, { version: o.version, status: o.status === 'active' ? 'suspended' : 'active' });
            say(t('saved'));
            await load();
          }) }, o.status === 'active' ? t('suspend') : t('reactivate')),
          h('button', { class: 'btn small', type: 'button', 'aria-label': `${t('edit')} ${o.name}`, onclick: () => edit(o) }, t('edit')),
          o.slug === 'personal' ? null : h('button', { class: 'btn small', type: 'button', 'aria-label': `${t('delete')} ${o.name}`,
            'data-delete': o.slug, onclick: (ev) => remove(ev.target, o) }, t('delete'))),
      ])), pager(pg, (off) => { state.offset = off; load(); }));
  };
  const editor = h('div');
  const remove = (button, o) => busy(button, async () => {
    if (!await confirmDialog({ title: t('org.deleteTitle', { name: o.name }), message: t('confirm.delete', { name: o.name }), confirm: t('delete') })) return;
    try {
      await api('DELETE', `/api/v1/orgs/${o.slug}`);
    } catch (err) {
      // 409: it still has accounts or rooms. Say how many (the server's
      // words) and ask again before deleting them too.
      if (err.status !== 409) throw err;
      if (!await confirmDialog({ title: t('org.deleteTitle', { name: o.name }),
        message: t('org.deleteForce', { name: o.name, detail: err.problem.detail || '' }), confirm: t('org.deleteAll') })) return;
      await api('DELETE', `/api/v1/orgs/${o.slug}?force=true`);
    }
    say(t('deleted'));
    await load();
  });
  const edit = (o) => {
    editor.replaceChildren(orgForm(o, async () => { editor.replaceChildren(); await load(); }));
    editor.querySelector('input')?.focus();
  };
  const search = h('input', { type: 'search', placeholder: t('search.placeholder') });
  const [searchF] = field(t('search'), search);
  search.addEventListener('input', () => { state.q = search.value; state.offset = 0; load(); });
  view.replaceChildren(h('h1', {}, t('orgs.title')), searchF, results, editor,
    section(t('orgs.new'), orgForm(null, load)));
  await load();
}

/** Create (o null) or edit form of an organisation. */
function orgForm(o, done) {
  const v = o || { slug: '', name: '', kind: 'other', contactName: '', contactEmail: '', contract: { accounts: 0, hoursPerYear: 0, maxRooms: 0 } };
  const num = (x) => h('input', { type: 'number', min: 0, value: x, inputmode: 'numeric' });
  const [slugF, slug] = field(t('org.slug'), h('input', { type: 'text', value: v.slug, required: true, autocapitalize: 'none', readonly: !!o, pattern: '[a-z0-9-]{2,63}' }));
  const [nameF, name] = field(t('org.name'), h('input', { type: 'text', value: v.name, required: true }));
  const [kindF, kind] = field(t('org.kind'), select(KINDS.map((k) => [k, t(`kind.${k}`)]), v.kind));
  const [cnF, cn] = field(t('org.contactName'), h('input', { type: 'text', value: v.contactName }));
  const [ceF, ce] = field(t('org.contactEmail'), h('input', { type: 'email', value: v.contactEmail }));
  const [accF, acc] = field(t('org.contractAccounts'), num(v.contract.accounts), t('org.unlimited') + ': 0');
  const [hrsF, hrs] = field(t('org.contractHours'), num(v.contract.hoursPerYear));
  const [rmF, rm] = field(t('org.contractRooms'), num(v.contract.maxRooms));
  const btn = h('button', { class: 'btn primary', type: 'submit' }, o ? t('save') : t('create'));
  const form = h('form', { class: 'grid-form', novalidate: true }, o ? h('h2', {}, o.name) : null,
    slugF, nameF, kindF, cnF, ceF, accF, hrsF, rmF, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      const body = { name: name.value, kind: kind.value, contactName: cn.value, contactEmail: ce.value,
        contract: { accounts: +acc.value || 0, hoursPerYear: +hrs.value || 0, maxRooms: +rm.value || 0 } };
      if (o) await api('PATCH', `/api/v1/orgs/${o.slug}`, { ...body, version: o.version });
      else await api('POST', '/api/v1/orgs', { ...body, slug: slug.value.trim() });
      say(o ? t('saved') : t('created'));
      if (!o) form.reset();
      await done();
    });
  });
  return form;
}
