// All user-visible text. Both dictionaries have the same keys.
// Elements with data-i18n="key" get their textContent from here;
// data-i18n-aria-label, data-i18n-title and data-i18n-placeholder
// fill the matching attributes.

const en = {
  'app.name': 'confer',
  'lang.label': 'Language',
  'loading': 'Loading…',
  'index.tagline': 'Video meetings for public services',
  'index.room.label': 'Room name or link',
  'index.room.placeholder': 'e.g. town-council',
  'index.go': 'Go to the room',
  'index.room.empty': 'Enter a room name or a link.',
  'index.privacy': 'Everything stays on this server: no external services, no tracking.',
  'title.room': '{title} – confer',
  'prejoin.heading': 'Ready to join?',
  'prejoin.count.0': 'No one is in the room yet.',
  'prejoin.count.1': 'One person is in the room.',
  'prejoin.count.n': '{n} people are in the room.',
  'prejoin.camOffPreview': 'Camera off',
  'name.label': 'Your name',
  'name.required': 'Enter your name (up to 64 characters).',
  'pin.label': 'Room PIN',
  'pin.wrong': 'Wrong PIN. Check it and try again.',
  'pin.required': 'This room needs a PIN. Enter the PIN from your invitation.',
  'camera.label': 'Camera',
  'mic.label': 'Microphone',
  'device.default': 'Default',
  'device.none': 'None available',
  'device.unnamed.videoinput': 'Camera {n}',
  'device.unnamed.audioinput': 'Microphone {n}',
  'join': 'Join',
  'joining': 'Joining…',
  'ctl.bar': 'Meeting controls',
  'ctl.mic': 'Mute microphone',
  'ctl.mic.title': 'Mute or unmute microphone (M)',
  'ctl.camera': 'Turn camera off',
  'ctl.camera.title': 'Turn camera on or off (V)',
  'ctl.settings': 'Camera and microphone settings',
  'ctl.settings.title': 'Camera and microphone settings (S)',
  'ctl.participants': 'Participants',
  'ctl.participants.title': 'Show or hide participants (P)',
  'ctl.help': 'Keyboard shortcuts',
  'ctl.help.title': 'Keyboard shortcuts (?)',
  'ctl.leave': 'Leave meeting',
  'state.micOff': 'microphone off',
  'state.camOff': 'camera off',
  'state.speaking': 'speaking',
  'you': '{name} (you)',
  'live.joined': 'New participant: {name}',
  'live.left': 'Left the meeting: {name}',
  'live.youJoined': 'You are in the meeting {title}',
  'live.micOn': 'Microphone on',
  'live.micOff': 'Microphone off',
  'live.camOn': 'Camera on',
  'live.camOff': 'Camera off',
  'reconnecting': 'Connection lost. Reconnecting…',
  'reconnected': 'Connection restored',
  'audio.blocked': 'The browser is holding back the sound of the meeting.',
  'audio.enable': 'Turn on sound',
  'participants.heading': 'Participants ({n})',
  'close': 'Close',
  'settings.heading': 'Camera and microphone',
  'help.heading': 'Keyboard shortcuts',
  'help.mic': 'Mute or unmute the microphone',
  'help.camera': 'Turn the camera on or off',
  'help.participants': 'Show or hide the participant list',
  'help.settings': 'Camera and microphone settings',
  'help.help': 'Show this help',
  'help.escape': 'Close a dialog or panel',
  'media.denied': 'Camera and microphone are blocked. To allow them, select the camera or padlock icon in the address bar, choose "Allow" for camera and microphone, then press "Try again". You can also join without them: you will still see and hear the others.',
  'media.audio.denied': 'The microphone is blocked. Allow it from the padlock icon in the address bar, then press "Try again".',
  'media.video.denied': 'The camera is blocked. Allow it from the padlock icon in the address bar, then press "Try again".',
  'media.audio.in_use': 'The microphone is in use by another application. Close it and press "Try again".',
  'media.video.in_use': 'The camera is in use by another application. Close it and press "Try again".',
  'media.audio.not_found': 'No microphone was found. Connect one and press "Try again".',
  'media.video.not_found': 'No camera was found. Connect one and press "Try again".',
  'media.audio.insecure': 'The microphone can only be used on a secure (https) connection.',
  'media.video.insecure': 'The camera can only be used on a secure (https) connection.',
  'media.audio.unknown': 'The microphone could not be started.',
  'media.video.unknown': 'The camera could not be started.',
  'action.retry': 'Try again',
  'action.back': 'Back',
  'action.pin': 'Enter the PIN',
  'action.reload': 'Reload the page',
  'action.home': 'Home page',
  'action.rejoin': 'Join again',
  'action.receiveOnly': 'Join without camera and microphone',
  'err.room_not_found.title': 'Room not found',
  'err.room_not_found.text': 'Check the link you received, or ask the organiser for a new one.',
  'err.unavailable.title': 'Meeting not available',
  'err.unavailable.text': 'The meeting is not available right now. Try again in a few minutes.',
  'err.room_full.title': 'The room is full',
  'err.room_full.text': 'The room has reached its maximum number of participants. Try again later or contact the organiser.',
  'err.pin_required.title': 'PIN required',
  'err.pin_required.text': 'This room is protected by a PIN. Enter the PIN you received with the invitation.',
  'err.wrong_pin.title': 'Wrong PIN',
  'err.wrong_pin.text': 'The PIN is not correct. Check it and enter it again.',
  'err.too_many_attempts.title': 'Too many attempts',
  'err.too_many_attempts.text': 'Too many wrong PINs were entered. Wait a minute, then try again.',
  'err.version_mismatch.title': 'Please reload the page',
  'err.version_mismatch.text': 'A new version of confer is available. Reload the page to continue.',
  'err.name_required.title': 'Name required',
  'err.name_required.text': 'Enter a name of 1 to 64 characters.',
  'err.internal.title': 'Something went wrong',
  'err.internal.text': 'The server could not complete the request. Try again.',
  'err.connection_failed.title': 'Cannot connect',
  'err.connection_failed.text': 'confer cannot reach the server. Check your internet connection and try again.',
  'err.media_denied.title': 'Camera and microphone are blocked',
  'err.media_denied.text': 'To allow them, select the camera or padlock icon in the address bar, choose "Allow" for camera and microphone, then press "Try again". You can also join without them: you will still see and hear the others.',
  'err.media_unavailable.title': 'Camera and microphone not available',
  'err.media_unavailable.text': 'They may be in use by another application or not connected. Close other applications using them and try again, or join without them.',
  'left.title': 'You left the meeting',
  'left.text': 'You can join again whenever you want.',
  'bye.replaced.title': 'Meeting opened elsewhere',
  'bye.replaced.text': 'You joined this meeting from another window or device, so this window was disconnected.',
  'bye.shutdown.title': 'The meeting was interrupted',
  'bye.shutdown.text': 'The server is restarting. You can join again in a moment.',
};

const it = {
  'app.name': 'confer',
  'lang.label': 'Lingua',
  'loading': 'Caricamento…',
  'index.tagline': 'Videoincontri per la pubblica amministrazione',
  'index.room.label': 'Nome della stanza o link',
  'index.room.placeholder': 'es. consiglio-comunale',
  'index.go': 'Vai alla stanza',
  'index.room.empty': 'Inserisci il nome di una stanza o un link.',
  'index.privacy': 'Tutto resta su questo server: nessun servizio esterno, nessun tracciamento.',
  'title.room': '{title} – confer',
  'prejoin.heading': 'Tutto pronto per entrare?',
  'prejoin.count.0': 'Nella stanza non c’è ancora nessuno.',
  'prejoin.count.1': 'Nella stanza c’è una persona.',
  'prejoin.count.n': 'Nella stanza ci sono {n} persone.',
  'prejoin.camOffPreview': 'Videocamera disattivata',
  'name.label': 'Il tuo nome',
  'name.required': 'Inserisci il tuo nome (massimo 64 caratteri).',
  'pin.label': 'PIN della stanza',
  'pin.wrong': 'PIN errato. Controllalo e riprova.',
  'pin.required': 'Questa stanza richiede un PIN. Inserisci il PIN ricevuto con l’invito.',
  'camera.label': 'Videocamera',
  'mic.label': 'Microfono',
  'device.default': 'Predefinito',
  'device.none': 'Nessuno disponibile',
  'device.unnamed.videoinput': 'Videocamera {n}',
  'device.unnamed.audioinput': 'Microfono {n}',
  'join': 'Entra',
  'joining': 'Ingresso in corso…',
  'ctl.bar': 'Controlli della riunione',
  'ctl.mic': 'Disattiva microfono',
  'ctl.mic.title': 'Disattiva o attiva il microfono (M)',
  'ctl.camera': 'Disattiva videocamera',
  'ctl.camera.title': 'Disattiva o attiva la videocamera (V)',
  'ctl.settings': 'Impostazioni di videocamera e microfono',
  'ctl.settings.title': 'Impostazioni di videocamera e microfono (S)',
  'ctl.participants': 'Partecipanti',
  'ctl.participants.title': 'Mostra o nascondi i partecipanti (P)',
  'ctl.help': 'Scorciatoie da tastiera',
  'ctl.help.title': 'Scorciatoie da tastiera (?)',
  'ctl.leave': 'Esci dalla riunione',
  'state.micOff': 'microfono disattivato',
  'state.camOff': 'videocamera disattivata',
  'state.speaking': 'sta parlando',
  'you': '{name} (tu)',
  'live.joined': 'Nuovo partecipante: {name}',
  'live.left': 'Ha lasciato la riunione: {name}',
  'live.youJoined': 'Sei nella riunione {title}',
  'live.micOn': 'Microfono attivo',
  'live.micOff': 'Microfono disattivato',
  'live.camOn': 'Videocamera attiva',
  'live.camOff': 'Videocamera disattivata',
  'reconnecting': 'Connessione persa. Riconnessione in corso…',
  'reconnected': 'Connessione ripristinata',
  'audio.blocked': 'Il browser sta bloccando l’audio della riunione.',
  'audio.enable': 'Attiva l’audio',
  'participants.heading': 'Partecipanti ({n})',
  'close': 'Chiudi',
  'settings.heading': 'Videocamera e microfono',
  'help.heading': 'Scorciatoie da tastiera',
  'help.mic': 'Disattiva o attiva il microfono',
  'help.camera': 'Disattiva o attiva la videocamera',
  'help.participants': 'Mostra o nascondi l’elenco dei partecipanti',
  'help.settings': 'Impostazioni di videocamera e microfono',
  'help.help': 'Mostra questo aiuto',
  'help.escape': 'Chiudi una finestra o un pannello',
  'media.denied': 'Videocamera e microfono sono bloccati. Per consentirli, seleziona l’icona della videocamera o del lucchetto nella barra degli indirizzi, scegli "Consenti" per videocamera e microfono, poi premi "Riprova". Puoi anche entrare senza: vedrai e sentirai comunque gli altri.',
  'media.audio.denied': 'Il microfono è bloccato. Consentilo dall’icona del lucchetto nella barra degli indirizzi, poi premi "Riprova".',
  'media.video.denied': 'La videocamera è bloccata. Consentila dall’icona del lucchetto nella barra degli indirizzi, poi premi "Riprova".',
  'media.audio.in_use': 'Il microfono è usato da un’altra applicazione. Chiudila e premi "Riprova".',
  'media.video.in_use': 'La videocamera è usata da un’altra applicazione. Chiudila e premi "Riprova".',
  'media.audio.not_found': 'Nessun microfono trovato. Collegane uno e premi "Riprova".',
  'media.video.not_found': 'Nessuna videocamera trovata. Collegane una e premi "Riprova".',
  'media.audio.insecure': 'Il microfono si può usare solo con una connessione sicura (https).',
  'media.video.insecure': 'La videocamera si può usare solo con una connessione sicura (https).',
  'media.audio.unknown': 'Non è stato possibile avviare il microfono.',
  'media.video.unknown': 'Non è stato possibile avviare la videocamera.',
  'action.retry': 'Riprova',
  'action.back': 'Indietro',
  'action.pin': 'Inserisci il PIN',
  'action.reload': 'Ricarica la pagina',
  'action.home': 'Pagina iniziale',
  'action.rejoin': 'Rientra',
  'action.receiveOnly': 'Entra senza videocamera e microfono',
  'err.room_not_found.title': 'Stanza non trovata',
  'err.room_not_found.text': 'Controlla il link che hai ricevuto o chiedine uno nuovo a chi organizza la riunione.',
  'err.unavailable.title': 'Riunione non disponibile',
  'err.unavailable.text': 'La riunione non è disponibile in questo momento. Riprova tra qualche minuto.',
  'err.room_full.title': 'La stanza è piena',
  'err.room_full.text': 'La stanza ha raggiunto il numero massimo di partecipanti. Riprova più tardi o contatta chi organizza.',
  'err.pin_required.title': 'PIN richiesto',
  'err.pin_required.text': 'Questa stanza è protetta da un PIN. Inserisci il PIN ricevuto con l’invito.',
  'err.wrong_pin.title': 'PIN errato',
  'err.wrong_pin.text': 'Il PIN non è corretto. Controllalo e inseriscilo di nuovo.',
  'err.too_many_attempts.title': 'Troppi tentativi',
  'err.too_many_attempts.text': 'Sono stati inseriti troppi PIN errati. Attendi un minuto e riprova.',
  'err.version_mismatch.title': 'Ricarica la pagina',
  'err.version_mismatch.text': 'È disponibile una nuova versione di confer. Ricarica la pagina per continuare.',
  'err.name_required.title': 'Nome richiesto',
  'err.name_required.text': 'Inserisci un nome da 1 a 64 caratteri.',
  'err.internal.title': 'Si è verificato un problema',
  'err.internal.text': 'Il server non è riuscito a completare la richiesta. Riprova.',
  'err.connection_failed.title': 'Impossibile connettersi',
  'err.connection_failed.text': 'confer non riesce a raggiungere il server. Controlla la connessione a Internet e riprova.',
  'err.media_denied.title': 'Videocamera e microfono bloccati',
  'err.media_denied.text': 'Per consentirli, seleziona l’icona della videocamera o del lucchetto nella barra degli indirizzi, scegli "Consenti" per videocamera e microfono, poi premi "Riprova". Puoi anche entrare senza: vedrai e sentirai comunque gli altri.',
  'err.media_unavailable.title': 'Videocamera e microfono non disponibili',
  'err.media_unavailable.text': 'Potrebbero essere usati da un’altra applicazione o non essere collegati. Chiudi le altre applicazioni che li usano e riprova, oppure entra senza.',
  'left.title': 'Hai lasciato la riunione',
  'left.text': 'Puoi rientrare quando vuoi.',
  'bye.replaced.title': 'Riunione aperta altrove',
  'bye.replaced.text': 'La tua partecipazione è stata aperta da un’altra finestra o da un altro dispositivo, quindi questa finestra è stata scollegata.',
  'bye.shutdown.title': 'La riunione è stata interrotta',
  'bye.shutdown.text': 'Il server si sta riavviando. Potrai rientrare tra un momento.',
};

const dicts = { en, it };
export const LANGS = { it: 'Italiano', en: 'English' };
const KEY = 'confer.lang';
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

/** t('live.joined', {name}) → text in the current language. */
export function t(key, vars) {
  let s = dicts[lang][key] ?? en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** Plural helper for keys ending in .0 / .1 / .n. */
export function tn(base, n) {
  return t(`${base}.${n === 0 ? '0' : n === 1 ? '1' : 'n'}`, { n });
}

/** Fills every data-i18n* element under root. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['aria-label', 'title', 'placeholder']) {
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
    }
  }
}

export function setLang(l) {
  if (!dicts[l] || l === lang) return;
  lang = l;
  try { localStorage.setItem(KEY, l); } catch { /* storage off */ }
  applyI18n();
  for (const fn of listeners) fn(l);
}

export function onLangChange(fn) { listeners.push(fn); }

/** Fills the <select id="lang-switch"> and wires it. */
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
  select.addEventListener('change', () => setLang(select.value));
  onLangChange((l) => { select.value = l; });
}
