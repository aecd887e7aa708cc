// Editing an account's email and role. The form sends the version it
// was opened with; if someone else saved the account meanwhile the server
// answers 409 "stale", and the form says so and offers to reload it
// rather than overwrite their change.
import { t } from '../admin-i18n.js';
import { api, h, field, select, say, busy } from './common.js';

const ROLES = ['member', 'host', 'org-admin', 'platform-admin'];

/** accountForm(a, me, done): done() after a save or when closed. */
export function accountForm(a, me, done) {
  const platform = me.role === 'platform-admin';
  const roles = a.kind === 'personal' ? ['member', 'host'] : platform ? ROLES : ROLES.slice(0, 3);
  const [emailF, email] = field(t('account.email'), h('input', { type: 'email', value: a.email, required: true, autocapitalize: 'none' }));
  const [roleF, role] = field(t('account.role'), select(roles.map((r) => [r, t(`role.${r}`)]), a.role));
  const alert = h('div', { class: 'notice', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn primary', type: 'submit' }, t('save'));
  const close = h('button', { class: 'btn', type: 'button', onclick: () => done() }, t('cancel'));
  const title = h('h2', { tabindex: '-1' }, t('account.editTitle', { email: a.email }));
  const form = h('form', { class: 'grid-form account-edit', novalidate: true, 'data-account': a.id },
    title, emailF, roleF, alert, h('div', { class: 'actions' }, save, close));
  const reload = async (ev) => busy(ev.target, async () => {
    const fresh = await api('GET', `/api/v1/accounts/${a.id}`);
    const again = accountForm(fresh, me, done);
    form.replaceWith(again);
    say(t('account.reloaded'));
    again.querySelector('input')?.focus();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    alert.hidden = true;
    const body = { version: a.version };
    if (email.value.trim() !== a.email) body.email = email.value.trim();
    if (role.value !== a.role) body.role = role.value;
    busy(save, async () => {
      try {
        await api('PATCH', `/api/v1/accounts/${a.id}`, body, { 'If-Match': `"${a.version}"` });
      } catch (err) {
        if (err.status !== 409 || err.problem?.code !== 'stale') throw err;
        alert.replaceChildren(h('p', {}, t('account.stale')),
          h('button', { class: 'btn', type: 'button', onclick: reload }, t('reload')));
        alert.hidden = false; // role=alert: announced once, here
        return;
      }
      say(t('saved'));
      await done();
    });
  });
  return form;
}
