// Documents shared in the meeting: upload (button or drag-and-drop, with
// progress and cancel), the list everyone sees, downloads through
// short-lived signed links. Every call proves membership with the
// participant's resume token in a header, never with cookies alone.

import { $, el } from './util.js';
import { t } from './i18n.js';
import * as ui from './ui.js';

const HEADER = 'X-Confer-Participant';

function sizeText(n) {
  if (n < 1024) return t('files.bytes', { n });
  if (n < 1024 * 1024) return t('files.kb', { n: (n / 1024).toFixed(0) });
  return t('files.mb', { n: (n / 1024 / 1024).toFixed(1) });
}

export class Files {
  /** o: {slug, token() → resume token, meeting, canDelete(file) → bool} */
  constructor(o) {
    this.o = o;
    this.files = new Map();
    this.xhr = null;
    $('#file-input').addEventListener('change', (e) => {
      const f = e.target.files?.[0];
      e.target.value = '';
      if (f) this.upload(f);
    });
    $('#upload-cancel').addEventListener('click', () => this.xhr?.abort());
    const zone = $('#panel-files');
    zone.addEventListener('dragover', (e) => { e.preventDefault(); $('#drop-zone').dataset.over = 'true'; });
    zone.addEventListener('dragleave', () => { delete $('#drop-zone').dataset.over; });
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      delete $('#drop-zone').dataset.over;
      const f = e.dataTransfer?.files?.[0];
      if (f) this.upload(f);
    });
  }

  api(path) { return `/api/v1/rooms/${encodeURIComponent(this.o.slug)}/files${path}`; }

  async refresh() {
    try {
      const res = await fetch(this.api(''), { headers: { [HEADER]: this.o.token() }, cache: 'no-store' });
      if (!res.ok) return;
      const body = await res.json();
      this.files.clear();
      for (const f of body.files || []) this.files.set(f.id, f);
      this.render();
    } catch { /* offline: the next welcome refreshes */ }
  }

  added(f) { this.files.set(f.id, f); this.render(); }

  removed(id) { this.files.delete(id); this.render(); }

  error(key, vars) {
    const p = $('#files-error');
    p.hidden = !key;
    p.textContent = key ? t(key, vars) : '';
  }

  /** Uploads one file; resolves with the stored file or null. */
  upload(file) {
    if (this.xhr) return Promise.resolve(null);
    this.error(null);
    $('#upload-box').hidden = false;
    $('#upload-name').textContent = file.name;
    const bar = $('#upload-progress');
    bar.value = 0;
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open('POST', this.api(''));
      xhr.setRequestHeader(HEADER, this.o.token());
      xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100); };
      const done = (f) => { this.xhr = null; $('#upload-box').hidden = true; resolve(f); };
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch { body = null; }
        if (xhr.status === 201 && body) { this.added(body); ui.announce(t('files.uploaded', { name: body.name })); done(body); return; }
        const key = { 413: 'files.err.tooLarge', 415: 'files.err.disguised', 507: 'files.err.orgFull', 403: 'files.err.forbidden' }[xhr.status] || 'files.err.failed';
        this.error(key, { detail: body?.detail || '' });
        done(null);
      };
      xhr.onerror = () => { this.error('files.err.failed', { detail: '' }); done(null); };
      xhr.onabort = () => { this.error('files.err.cancelled'); done(null); };
      xhr.send(file);
    });
  }

  /** A fresh signed link for a document. */
  async link(id) {
    const res = await fetch(this.api(`/${encodeURIComponent(id)}/link`), { method: 'POST', headers: { [HEADER]: this.o.token() } });
    if (!res.ok) throw new Error(`link: ${res.status}`);
    return (await res.json()).url;
  }

  async download(f) {
    try {
      const url = await this.link(f.id);
      const a = el('a', { href: url, download: f.name });
      document.body.append(a);
      a.click();
      a.remove();
    } catch { this.error('files.err.download'); }
  }

  async remove(f) {
    const res = await fetch(this.api(`/${encodeURIComponent(f.id)}`), { method: 'DELETE', headers: { [HEADER]: this.o.token() } });
    if (res.ok || res.status === 404) this.removed(f.id); else this.error('files.err.forbidden');
  }

  render() {
    const items = [...this.files.values()].map((f) => {
      // Every row has the same buttons: the name says which file (2.4.6).
      const dl = el('button', { type: 'button', class: 'btn small', dataset: { download: f.id }, text: t('files.download'), 'aria-label': `${t('files.download')} ${f.name}` });
      dl.addEventListener('click', () => this.download(f));
      const li = el('li', { class: 'file', dataset: { fileId: f.id } },
        el('span', { class: 'file-name', text: f.name }),
        el('span', { class: 'file-meta', text: `${sizeText(f.size)} · ${f.byName || ''}` }), dl);
      if (this.o.canDelete(f)) {
        const del = el('button', { type: 'button', class: 'btn small', text: t('files.delete'), 'aria-label': `${t('files.delete')} ${f.name}` });
        del.addEventListener('click', () => this.remove(f));
        li.append(del);
      }
      return li;
    });
    $('#file-list').replaceChildren(...(items.length ? items : [el('li', { class: 'muted-text', text: t('files.none') })]));
  }

  list() { return [...this.files.values()]; }
}
