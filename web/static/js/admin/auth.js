// The sign-in, sign-up and password reset pages.
import { t, applyI18n, initLangSwitch, onLangChange } from '../admin-i18n.js';
import { api, say, sayError, errorText } from './common.js';

const page = document.body.dataset.page;
applyI18n();
initLangSwitch(document.getElementById('lang-switch'));
// The tab's title names the page (2.4.2): "Sign in – confer".
const retitle = () => { document.title = `${document.querySelector('main h1')?.textContent || ''} – confer`; };
retitle();
onLangChange(retitle);

// Secrets arrive in the fragment (#token=…), which never reaches a server.
const frag = new URLSearchParams(location.hash.slice(1));

// After signing in, go back where the person came from (a room link),
// but only to a path on this site.
const next = new URLSearchParams(location.search).get('next') || '';

function home(me) {
  if (/^\/(?!\/)/.test(next) && !next.includes('\\')) {
    location.assign(next);
    return;
  }
  const admin = me.role === 'platform-admin' || me.role === 'org-admin';
  location.assign(admin ? '/admin' : '/account');
}

async function submit(form, button, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const el of form.querySelectorAll('input[required]')) {
      if (!el.value.trim()) {
        el.setAttribute('aria-invalid', 'true');
        el.focus();
        return;
      }
      el.removeAttribute('aria-invalid');
    }
    button.disabled = true;
    try {
      await fn();
    } catch (err) {
      sayError(err);
      // The button was disabled, which dropped the focus: it goes to the
      // message, which is read out (2.4.3, 3.3.1).
      const status = document.getElementById('status');
      status.tabIndex = -1;
      status.focus();
    } finally {
      button.disabled = false;
    }
  });
}

if (page === 'login') {
  const form = document.getElementById('login-form');
  submit(form, document.getElementById('btn-login'), async () => {
    const me = await api('POST', '/api/v1/auth/login', { email: form.email.value, password: form.password.value });
    home(me);
  });
  api('GET', '/api/v1/auth/config').then((cfg) => {
    if (cfg.sso) {
      const b = document.getElementById('btn-sso');
      const label = () => { b.textContent = t('login.sso', { name: cfg.ssoName }); };
      label();
      onLangChange(label);
      document.getElementById('sso').hidden = false;
    }
    document.getElementById('signup-link').hidden = !cfg.signup;
  }).catch(() => {});
  // Already signed in: go on.
  api('GET', '/api/v1/me').then(home).catch(() => {});
  if (frag.get('sso-error')) {
    const show = () => say(errorText({ problem: { code: frag.get('sso-error'), contact: frag.get('contact') } }), 'error');
    show();
    onLangChange(show);
  }
}

if (page === 'signup') {
  const form = document.getElementById('signup-form');
  const token = frag.get('token');
  if (token) {
    form.hidden = true;
    say(t('signup.confirming'));
    history.replaceState(null, '', location.pathname);
    api('POST', '/api/v1/auth/signup/confirm', { token }).then(home).catch(sayError);
  }
  submit(form, document.getElementById('btn-signup'), async () => {
    await api('POST', '/api/v1/auth/signup', { email: form.email.value, displayName: form.name.value, password: form.password.value });
    form.hidden = true;
    say(t('signup.sent'));
  });
  api('GET', '/api/v1/auth/config').then((cfg) => {
    if (!cfg.signup && !token) {
      form.hidden = true;
      say(t('signup.disabled'), 'error');
    }
  }).catch(() => {});
}

if (page === 'reset') {
  const form = document.getElementById('reset-form');
  const token = frag.get('token') || '';
  history.replaceState(null, '', location.pathname);
  submit(form, document.getElementById('btn-reset'), async () => {
    await api('POST', '/api/v1/auth/reset', { token, password: form.password.value });
    form.hidden = true;
    say(t('reset.done'));
    setTimeout(() => location.assign('/login'), 1500);
  });
}
