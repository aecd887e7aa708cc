// An accessible confirmation dialog: a native modal <dialog> (focus kept
// inside, Escape cancels, the page behind is inert), titled and described
// for screen readers, with the safe answer focused first so a stray Enter
// does not destroy anything.
import { t } from '../admin-i18n.js';
import { h } from './common.js';

let n = 0;

/** confirmDialog({title, message, confirm}) → Promise<boolean>. */
export function confirmDialog({ title, message, confirm }) {
  const id = `dlg${++n}`;
  return new Promise((resolve) => {
    const cancel = h('button', { class: 'btn', type: 'button', 'data-answer': 'no' }, t('cancel'));
    const ok = h('button', { class: 'btn primary', type: 'button', 'data-answer': 'yes' }, confirm);
    const dlg = h('dialog', { class: 'confirm', role: 'alertdialog', 'aria-modal': 'true',
      'aria-labelledby': `${id}-t`, 'aria-describedby': `${id}-m` },
      h('h2', { id: `${id}-t` }, title), h('p', { id: `${id}-m` }, message),
      h('div', { class: 'actions' }, cancel, ok));
    let answer = false;
    cancel.addEventListener('click', () => dlg.close());
    ok.addEventListener('click', () => { answer = true; dlg.close(); });
    dlg.addEventListener('close', () => { dlg.remove(); resolve(answer); });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}
