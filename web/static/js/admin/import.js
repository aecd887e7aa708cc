// Bulk import of accounts from CSV, all or nothing, with the refused
// lines listed.
import { t } from '../admin-i18n.js';
import { api, h, field, say, busy, table } from './common.js';

export async function importCSV(view, me) {
  const platform = me.role === 'platform-admin';
  const [fileF, file] = field(t('import.file'), h('input', { type: 'file', accept: '.csv,text/csv' }));
  const [textF, text] = field(t('import.text'), h('textarea', { rows: 8, spellcheck: 'false', placeholder: 'email,name,role\nanna@example.org,Anna Rossi,host' }));
  const [orgF, org] = field(t('account.org'), h('input', { type: 'text', value: platform ? '' : me.org, readonly: !platform, autocapitalize: 'none' }));
  const report = h('div', { id: 'import-report' });
  file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const btn = h('button', { class: 'btn primary', type: 'submit' }, t('import.submit'));
  const form = h('form', { novalidate: true }, h('p', { class: 'muted-text' }, t('import.help')), orgF, fileF, textF, btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    report.replaceChildren();
    busy(btn, async () => {
      try {
        const q = org.value.trim() ? `?org=${encodeURIComponent(org.value.trim())}` : '';
        const res = await api('POST', `/api/v1/accounts/import${q}`, text.value);
        say(t('import.done', { n: res.total }));
        text.value = '';
      } catch (err) {
        const rows = err.problem && err.problem.rows;
        if (!rows) throw err;
        say(t('import.rows'), 'error');
        report.replaceChildren(table([t('import.line'), t('import.error')], rows.map((r) => [String(r.row), r.error])));
      }
    });
  });
  view.replaceChildren(h('h1', {}, t('import.title')), form, report);
}
