// The signed-in pages: a hash router over the sections the person's role
// allows. Every section draws itself from the API; the server checks
// every request again, so hiding a section is convenience, not security.
import { t, applyI18n, initLangSwitch, onLangChange } from '../admin-i18n.js';
import { api, h, setCSRF, say, sayError } from './common.js';
import { myRooms } from './rooms.js';
import { profile } from './profile.js';
import { orgs } from './orgs.js';
import { accounts } from './accounts.js';
import { allRooms } from './allrooms.js';
import { live } from './live.js';
import { importCSV } from './import.js';

const sections = [
  { id: 'rooms', label: 'nav.rooms', view: myRooms, roles: null },
  { id: 'orgs', label: 'nav.orgs', view: orgs, roles: ['platform-admin'] },
  { id: 'accounts', label: 'nav.accounts', view: accounts, roles: ['platform-admin', 'org-admin'] },
  { id: 'all-rooms', label: 'nav.allRooms', view: allRooms, roles: ['platform-admin', 'org-admin'] },
  { id: 'import', label: 'nav.import', view: importCSV, roles: ['platform-admin', 'org-admin'] },
  { id: 'live', label: 'nav.live', view: live, roles: ['platform-admin'] },
  { id: 'profile', label: 'nav.profile', view: profile, roles: null },
];

let me = null;

function allowed() { return sections.filter((s) => !s.roles || s.roles.includes(me.role)); }

function current() {
  const id = location.hash.replace(/^#\/?/, '');
  const list = allowed();
  return list.find((s) => s.id === id) || (me.role === 'platform-admin' ? list[1] : me.role === 'org-admin' ? list[1] : list[0]);
}

function drawNav() {
  const nav = document.getElementById('nav');
  const cur = current();
  const items = allowed().map((s) => h('li', {},
    h('a', { href: `#/${s.id}`, 'aria-current': s === cur ? 'page' : undefined }, t(s.label))));
  // Usage reports live on their own page.
  if (me.role === 'platform-admin' || me.role === 'org-admin') items.push(h('li', {}, h('a', { href: '/admin/usage' }, t('nav.usage'))));
  nav.replaceChildren(h('ul', {}, items));
  document.getElementById('who').textContent = me.displayName;
}

async function render() {
  drawNav();
  const s = current();
  const view = document.getElementById('view');
  say('');
  document.title = `${t(s.label)} – confer`;
  try {
    await s.view(view, me);
  } catch (err) {
    sayError(err);
  }
}

async function start() {
  applyI18n();
  initLangSwitch(document.getElementById('lang-switch'));
  try {
    me = await api('GET', '/api/v1/me');
  } catch {
    location.replace('/login');
    return;
  }
  setCSRF(me.csrfToken);
  document.getElementById('btn-logout').addEventListener('click', async () => {
    try { await api('POST', '/api/v1/auth/logout'); } catch { /* signed out anyway */ }
    location.assign('/login');
  });
  window.addEventListener('hashchange', () => {
    render();
    document.getElementById('main').focus();
  });
  onLangChange(render);
  window.conferAdmin = { me };
  render();
}

start();
