// Text of the sign-in and administration pages, in the same style as the
// meeting client's i18n.js (same language choice, stored under the same
// key) but kept apart so the two can change independently.

const en = {
  'app.name': 'confer', 'lang.label': 'Language', 'skip': 'Skip to content', 'loading': 'Loading…',
  'login.title': 'Sign in', 'login.email': 'Email', 'login.password': 'Password', 'login.submit': 'Sign in',
  'login.sso': 'Sign in with {name}', 'login.or': 'or', 'login.signup': 'No account? Sign up',
  'login.forgot': 'Forgot your password? Ask your administrator for a reset link.',
  'signup.title': 'Create a personal account', 'signup.name': 'Your name', 'signup.submit': 'Create account',
  'signup.sent': 'Done: we sent you an email. Open the link in it to activate your account.',
  'signup.confirming': 'Activating your account…', 'signup.disabled': 'Self-service sign-up is not enabled on this service.',
  'reset.title': 'Choose a new password', 'reset.submit': 'Save password', 'reset.done': 'Password saved. You can sign in now.',
  'password.new': 'New password', 'password.current': 'Current password', 'password.hint': 'At least 10 characters.',
  'nav.label': 'Sections', 'nav.rooms': 'My rooms', 'nav.profile': 'Profile', 'nav.orgs': 'Organisations',
  'nav.accounts': 'Accounts', 'nav.allRooms': 'Rooms', 'nav.import': 'Import', 'nav.usage': 'Usage', 'logout': 'Sign out',
  'search': 'Search', 'search.placeholder': 'Name, email or slug', 'prev': 'Previous', 'next': 'Next',
  'page.count': '{from}–{to} of {total}', 'none': 'Nothing here yet.', 'save': 'Save', 'saved': 'Saved.',
  'create': 'Create', 'created': 'Created.', 'delete': 'Delete', 'deleted': 'Deleted.', 'cancel': 'Cancel',
  'copy': 'Copy', 'copied': 'Copied to the clipboard.', 'confirm.delete': 'Delete {name}? This cannot be undone.',
  'edit': 'Edit', 'yes': 'Yes', 'no': 'No', 'actions': 'Actions',
  'rooms.title': 'My rooms', 'rooms.none': 'You do not host any room yet.', 'room.link': 'Link',
  'room.copyLink': 'Copy link', 'room.pin': 'PIN (4–10 digits, empty for none)', 'room.lobby': 'Guests wait in a lobby until admitted',
  'room.guests': 'Guests without an account may join', 'room.share': 'Who may share their screen',
  'share.everyone': 'Everyone', 'share.moderators': 'Hosts and moderators', 'room.capacity': 'Capacity',
  'room.title': 'Title', 'room.description': 'Description', 'room.slug': 'Room name in the link (slug)',
  'room.org': 'Organisation', 'room.personal': 'personal room', 'room.open': 'Open the room',
  'mods.title': 'Hosts and moderators', 'mods.email': 'Email of a colleague', 'mods.role': 'Role',
  'role.host': 'host', 'role.moderator': 'moderator', 'mods.add': 'Add', 'mods.remove': 'Remove {name}', 'mods.removeShort': 'Remove',
  'invite.title': 'Invitation', 'invite.start': 'Start', 'invite.duration': 'Duration (minutes)',
  'invite.copy': 'Copy invitation text', 'invite.ics': 'Download calendar file (.ics)',
  'profile.title': 'Profile', 'profile.name': 'Display name', 'profile.email': 'Email',
  'profile.valid': 'Valid until {date}', 'password.title': 'Password', 'password.change': 'Change password',
  'password.changed': 'Password changed. Your other sessions were signed out.',
  'sessions.title': 'Signed-in browsers', 'sessions.current': 'this browser', 'sessions.revoke': 'Sign out',
  'sessions.seen': 'Last active {when} from {ip}',
  'tokens.title': 'API tokens', 'tokens.name': 'Token name', 'tokens.scopes': 'Scope', 'tokens.create': 'Create token',
  'tokens.secret': 'Copy this token now; it will not be shown again:', 'tokens.revoke': 'Revoke', 'tokens.revoked': 'revoked',
  'scope.read': 'read', 'scope.write': 'read and write', 'scope.admin': 'administration',
  'orgs.title': 'Organisations', 'orgs.new': 'New organisation', 'org.slug': 'Short name (slug)', 'org.name': 'Name',
  'org.kind': 'Kind', 'org.contactName': 'Contact name', 'org.contactEmail': 'Contact email',
  'org.contractAccounts': 'Contracted accounts', 'org.contractHours': 'Conference hours per year',
  'org.contractRooms': 'Maximum rooms', 'org.status': 'Status', 'org.accountsUsed': 'Accounts',
  'org.roomsUsed': 'Rooms', 'org.unlimited': 'no limit',
  'kind.healthcare': 'Healthcare', 'kind.local-administration': 'Local administration', 'kind.member-entity': 'Member entity',
  'kind.business': 'Business', 'kind.school': 'School', 'kind.other': 'Other',
  'status.active': 'active', 'status.suspended': 'suspended', 'suspend': 'Suspend', 'reactivate': 'Reactivate',
  'accounts.title': 'Accounts', 'accounts.new': 'New account', 'account.email': 'Email', 'account.name': 'Name',
  'account.role': 'Role', 'account.kind': 'Kind', 'account.validUntil': 'Valid until', 'account.org': 'Organisation',
  'role.platform-admin': 'platform admin', 'role.org-admin': 'organisation admin', 'role.member': 'member',
  'kind.contracted': 'contracted', 'kind.personal': 'personal', 'account.reset': 'Reset link',
  'account.resetLink': 'Send this link to {email} (valid 72 hours):', 'account.select': 'Select {email}',
  'account.editTitle': 'Edit {email}', 'reload': 'Reload', 'account.reloaded': 'Reloaded with the latest changes.',
  'account.stale': 'This account was changed by someone else while you were editing it. Reload it to see their change, then edit again.',
  'org.deleteTitle': 'Delete {name}', 'org.deleteAll': 'Delete everything',
  'org.deleteForce': '{name} still has accounts or rooms ({detail}). Delete them too? This cannot be undone.',
  'bulk.title': 'Validity of the selected accounts', 'bulk.allPersonal': 'All personal accounts',
  'bulk.until': 'New end date', 'bulk.extend': 'Set end date', 'bulk.end': 'End now', 'bulk.done': '{n} accounts changed.',
  'allRooms.title': 'Rooms', 'allRooms.new': 'New room',
  'import.title': 'Import accounts from CSV', 'import.help': 'One account per line: email,name,kind,org,role,valid_until (a header line may name and reorder the columns; only email is required). Nothing is imported unless every line is valid.',
  'import.file': 'CSV file', 'import.text': 'or paste the lines', 'import.submit': 'Import', 'import.done': '{n} accounts imported.',
  'import.rows': 'Nothing was imported. Fix these lines:', 'import.line': 'Line', 'import.error': 'Problem',
  'err.generic': 'Something went wrong. Try again.', 'err.network': 'The server cannot be reached. Check the connection.',
  'err.bad-credentials': 'Wrong email or password.', 'err.too-many-attempts': 'Too many attempts. Wait a minute and try again.',
  'err.suspended': 'Your account is suspended. Ask {contact}.', 'err.expired': 'Your account has expired. Ask {contact} to extend it.',
  'err.not-yet-valid': 'Your account is not valid yet. Ask {contact}.', 'err.org-suspended': 'Your organisation’s service is suspended. Ask {contact}.',
  'err.unconfirmed': 'Confirm your email address first: open the link we sent you.',
  'err.stale': 'Someone else changed this meanwhile. It has been reloaded: check and save again.',
  'err.bad-link': 'This link is unknown, used or expired. Ask for a new one.', 'err.forbidden': 'You may not do this.',
  'err.wrong-password': 'The current password is wrong.', 'err.unauthenticated': 'Please sign in again.',
  'err.sso-failed': 'Single sign-on did not succeed. Try again.', 'err.sso-unavailable': 'The single sign-on service cannot be reached right now.',
  'err.sso-no-account': 'There is no account for this identity. Ask your administrator.',
};

const it = {
  'app.name': 'confer', 'lang.label': 'Lingua', 'skip': 'Vai al contenuto', 'loading': 'Caricamento…',
  'login.title': 'Accedi', 'login.email': 'Email', 'login.password': 'Password', 'login.submit': 'Accedi',
  'login.sso': 'Accedi con {name}', 'login.or': 'oppure', 'login.signup': 'Non hai un account? Registrati',
  'login.forgot': 'Password dimenticata? Chiedi un link di reimpostazione al tuo amministratore.',
  'signup.title': 'Crea un account personale', 'signup.name': 'Il tuo nome', 'signup.submit': 'Crea account',
  'signup.sent': 'Fatto: ti abbiamo inviato un’email. Apri il link che contiene per attivare l’account.',
  'signup.confirming': 'Attivazione dell’account…', 'signup.disabled': 'La registrazione autonoma non è attiva su questo servizio.',
  'reset.title': 'Scegli una nuova password', 'reset.submit': 'Salva la password', 'reset.done': 'Password salvata. Ora puoi accedere.',
  'password.new': 'Nuova password', 'password.current': 'Password attuale', 'password.hint': 'Almeno 10 caratteri.',
  'nav.label': 'Sezioni', 'nav.rooms': 'Le mie stanze', 'nav.profile': 'Profilo', 'nav.orgs': 'Organizzazioni',
  'nav.accounts': 'Account', 'nav.allRooms': 'Stanze', 'nav.import': 'Importa', 'nav.usage': 'Utilizzo', 'logout': 'Esci',
  'search': 'Cerca', 'search.placeholder': 'Nome, email o identificativo', 'prev': 'Precedenti', 'next': 'Successivi',
  'page.count': '{from}–{to} di {total}', 'none': 'Ancora niente qui.', 'save': 'Salva', 'saved': 'Salvato.',
  'create': 'Crea', 'created': 'Creato.', 'delete': 'Elimina', 'deleted': 'Eliminato.', 'cancel': 'Annulla',
  'copy': 'Copia', 'copied': 'Copiato negli appunti.', 'confirm.delete': 'Eliminare {name}? Non si può annullare.',
  'edit': 'Modifica', 'yes': 'Sì', 'no': 'No', 'actions': 'Azioni',
  'rooms.title': 'Le mie stanze', 'rooms.none': 'Non gestisci ancora nessuna stanza.', 'room.link': 'Link',
  'room.copyLink': 'Copia il link', 'room.pin': 'PIN (4–10 cifre, vuoto per nessuno)', 'room.lobby': 'Gli ospiti attendono in sala d’attesa finché non vengono ammessi',
  'room.guests': 'Possono entrare ospiti senza account', 'room.share': 'Chi può condividere lo schermo',
  'share.everyone': 'Tutti', 'share.moderators': 'Organizzatori e moderatori', 'room.capacity': 'Capienza',
  'room.title': 'Titolo', 'room.description': 'Descrizione', 'room.slug': 'Nome della stanza nel link',
  'room.org': 'Organizzazione', 'room.personal': 'stanza personale', 'room.open': 'Apri la stanza',
  'mods.title': 'Organizzatori e moderatori', 'mods.email': 'Email di un collega', 'mods.role': 'Ruolo',
  'role.host': 'organizzatore', 'role.moderator': 'moderatore', 'mods.add': 'Aggiungi', 'mods.remove': 'Rimuovi {name}', 'mods.removeShort': 'Rimuovi',
  'invite.title': 'Invito', 'invite.start': 'Inizio', 'invite.duration': 'Durata (minuti)',
  'invite.copy': 'Copia il testo dell’invito', 'invite.ics': 'Scarica il file del calendario (.ics)',
  'profile.title': 'Profilo', 'profile.name': 'Nome visualizzato', 'profile.email': 'Email',
  'profile.valid': 'Valido fino al {date}', 'password.title': 'Password', 'password.change': 'Cambia password',
  'password.changed': 'Password cambiata. Le altre sessioni sono state chiuse.',
  'sessions.title': 'Browser collegati', 'sessions.current': 'questo browser', 'sessions.revoke': 'Disconnetti',
  'sessions.seen': 'Ultima attività {when} da {ip}',
  'tokens.title': 'Token API', 'tokens.name': 'Nome del token', 'tokens.scopes': 'Ambito', 'tokens.create': 'Crea token',
  'tokens.secret': 'Copia ora questo token: non verrà più mostrato:', 'tokens.revoke': 'Revoca', 'tokens.revoked': 'revocato',
  'scope.read': 'lettura', 'scope.write': 'lettura e scrittura', 'scope.admin': 'amministrazione',
  'orgs.title': 'Organizzazioni', 'orgs.new': 'Nuova organizzazione', 'org.slug': 'Nome breve (identificativo)', 'org.name': 'Nome',
  'org.kind': 'Tipo', 'org.contactName': 'Referente', 'org.contactEmail': 'Email del referente',
  'org.contractAccounts': 'Account a contratto', 'org.contractHours': 'Ore di conferenza all’anno',
  'org.contractRooms': 'Numero massimo di stanze', 'org.status': 'Stato', 'org.accountsUsed': 'Account',
  'org.roomsUsed': 'Stanze', 'org.unlimited': 'nessun limite',
  'kind.healthcare': 'Sanità', 'kind.local-administration': 'Amministrazione locale', 'kind.member-entity': 'Ente socio',
  'kind.business': 'Impresa', 'kind.school': 'Scuola', 'kind.other': 'Altro',
  'status.active': 'attivo', 'status.suspended': 'sospeso', 'suspend': 'Sospendi', 'reactivate': 'Riattiva',
  'accounts.title': 'Account', 'accounts.new': 'Nuovo account', 'account.email': 'Email', 'account.name': 'Nome',
  'account.role': 'Ruolo', 'account.kind': 'Tipo', 'account.validUntil': 'Valido fino al', 'account.org': 'Organizzazione',
  'role.platform-admin': 'amministratore della piattaforma', 'role.org-admin': 'amministratore dell’organizzazione', 'role.member': 'membro',
  'kind.contracted': 'a contratto', 'kind.personal': 'personale', 'account.reset': 'Link di reimpostazione',
  'account.resetLink': 'Invia questo link a {email} (valido 72 ore):', 'account.select': 'Seleziona {email}',
  'account.editTitle': 'Modifica {email}', 'reload': 'Ricarica', 'account.reloaded': 'Ricaricato con le ultime modifiche.',
  'account.stale': 'Qualcun altro ha modificato questo account mentre lo stavi modificando. Ricaricalo per vedere la sua modifica, poi modifica di nuovo.',
  'org.deleteTitle': 'Elimina {name}', 'org.deleteAll': 'Elimina tutto',
  'org.deleteForce': '{name} ha ancora account o stanze ({detail}). Eliminare anche quelli? Non si può annullare.',
  'bulk.title': 'Validità degli account selezionati', 'bulk.allPersonal': 'Tutti gli account personali',
  'bulk.until': 'Nuova data di scadenza', 'bulk.extend': 'Imposta la scadenza', 'bulk.end': 'Termina ora', 'bulk.done': '{n} account modificati.',
  'allRooms.title': 'Stanze', 'allRooms.new': 'Nuova stanza',
  'import.title': 'Importa account da CSV', 'import.help': 'Un account per riga: email,name,kind,org,role,valid_until (una riga di intestazione può nominare e riordinare le colonne; è obbligatoria solo l’email). Non viene importato nulla se anche una sola riga non è valida.',
  'import.file': 'File CSV', 'import.text': 'oppure incolla le righe', 'import.submit': 'Importa', 'import.done': '{n} account importati.',
  'import.rows': 'Non è stato importato nulla. Correggi queste righe:', 'import.line': 'Riga', 'import.error': 'Problema',
  'err.generic': 'Qualcosa è andato storto. Riprova.', 'err.network': 'Il server non è raggiungibile. Controlla la connessione.',
  'err.bad-credentials': 'Email o password errate.', 'err.too-many-attempts': 'Troppi tentativi. Attendi un minuto e riprova.',
  'err.suspended': 'Il tuo account è sospeso. Rivolgiti a {contact}.', 'err.expired': 'Il tuo account è scaduto. Chiedi a {contact} di prolungarlo.',
  'err.not-yet-valid': 'Il tuo account non è ancora valido. Rivolgiti a {contact}.', 'err.org-suspended': 'Il servizio della tua organizzazione è sospeso. Rivolgiti a {contact}.',
  'err.unconfirmed': 'Conferma prima il tuo indirizzo email: apri il link che ti abbiamo inviato.',
  'err.stale': 'Qualcun altro ha modificato questi dati nel frattempo. Sono stati ricaricati: controlla e salva di nuovo.',
  'err.bad-link': 'Questo link è sconosciuto, già usato o scaduto. Chiedine uno nuovo.', 'err.forbidden': 'Non puoi fare questa operazione.',
  'err.wrong-password': 'La password attuale è errata.', 'err.unauthenticated': 'Accedi di nuovo.',
  'err.sso-failed': 'L’accesso unificato non è riuscito. Riprova.', 'err.sso-unavailable': 'Il servizio di accesso unificato non è raggiungibile in questo momento.',
  'err.sso-no-account': 'Non esiste un account per questa identità. Rivolgiti al tuo amministratore.',
};

const dicts = { en, it };
export const LANGS = { it: 'Italiano', en: 'English' };
const KEY = 'confer.lang'; // shared with the meeting client
const listeners = [];
let lang = pick();

function pick() {
  let stored = null;
  try { stored = localStorage.getItem(KEY); } catch { /* storage off */ }
  if (stored && dicts[stored]) return stored;
  for (const l of navigator.languages || [navigator.language || '']) {
    if (/^it\b/i.test(l)) return 'it';
    if (/^en\b/i.test(l)) return 'en';
  }
  return 'en';
}

export function getLang() { return lang; }

export function t(key, vars) {
  let s = dicts[lang][key] ?? en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** True when key has a translation (to fall back to server text). */
export function has(key) { return key in en; }

export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['aria-label', 'title', 'placeholder']) {
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
    }
  }
}

export function onLangChange(fn) { listeners.push(fn); }

export function initLangSwitch(select) {
  select.replaceChildren();
  for (const [code, label] of Object.entries(LANGS)) {
    const o = document.createElement('option');
    o.value = code;
    o.textContent = label;
    o.lang = code;
    select.append(o);
  }
  select.value = lang;
  select.addEventListener('change', () => {
    if (!dicts[select.value]) return;
    lang = select.value;
    try { localStorage.setItem(KEY, lang); } catch { /* storage off */ }
    applyI18n();
    for (const fn of listeners) fn(lang);
  });
}
