// Attachments in the app (docs/http-api.md, "Attachments"): the composer's "Attach" (a photo or a file) and "Record"
// (a voice note with MediaRecorder) buttons, the upload with its progress (XMLHttpRequest: fetch cannot report
// upload progress), and received attachments rendered inline: images and voice notes play in the page, files
// download. Uploads and file downloads send the token in the Authorization header; <img> and <audio> cannot, so
// their URLs carry ?access_token= (the trade-off is in docs/http-api.md).
import { el } from './render.js';

let token = '';
// The token the app signed in with (and each renewal).
export function setAttachmentToken(t) { token = t; }

function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// Only the gateway's own attachment URLs are used (a message's metadata is filled in by the gateway, but stay safe).
function ownUrl(a) {
  return a && typeof a.id === 'string' && /^[0-9a-f-]{36}$/i.test(a.id) ? `/v1/attachments/${a.id}` : null;
}

function mediaUrl(a) {
  const u = ownUrl(a);
  return u ? `${u}?access_token=${encodeURIComponent(token)}` : null;
}

async function download(a) {
  const res = await fetch(ownUrl(a), { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`download failed (${res.status})`);
  const url = URL.createObjectURL(await res.blob());
  const link = el('a', { href: url, download: a.name || 'attachment' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The attachments of an image, file or voice message (metadata.attachments), or null.
export function attachmentsBlock(message) {
  const md = message.metadata && typeof message.metadata === 'object' ? message.metadata : {};
  const list = Array.isArray(md.attachments) ? md.attachments.filter((a) => ownUrl(a)) : [];
  if (list.length === 0) return null;
  const block = el('div', { class: 'attachments' });
  for (const a of list) {
    const name = typeof a.name === 'string' ? a.name : '';
    const type = typeof a.content_type === 'string' ? a.content_type : '';
    if (type.startsWith('image/')) {
      block.append(el('figure', { class: 'attach attach--image' },
        el('img', { src: mediaUrl(a), alt: name || 'Image attachment', loading: 'lazy' })));
    } else if (type.startsWith('audio/')) {
      const secs = typeof a.duration_ms === 'number' ? ` (${Math.round(a.duration_ms / 1000)} s)` : '';
      block.append(el('div', { class: 'attach attach--voice' },
        el('audio', { controls: true, preload: 'metadata', src: mediaUrl(a), 'aria-label': `Voice message${secs}` }),
        secs ? el('span', { class: 'attach__size', text: secs }) : null));
    } else {
      const size = formatBytes(a.size);
      const button = el('button', { type: 'button', class: 'link attach__download' }, `📎 ${name || 'Download file'}`);
      button.addEventListener('click', () => download(a).catch((e) => { button.title = e.message; }));
      block.append(el('div', { class: 'attach attach--file' }, button,
        size ? el('span', { class: 'attach__size', text: ` (${size})` }) : null));
    }
  }
  return block;
}

// Uploads one file to the thread; onProgress(fraction). Resolves with the reply's attachment.
export function uploadFile(threadId, file, name, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/attachments?thread_id=${encodeURIComponent(threadId)}&name=${encodeURIComponent(name)}`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 201 && body && body.attachment) resolve(body.attachment);
      else reject(new Error(body && body.message ? body.message : `upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error('the upload was interrupted'));
    xhr.send(file);
  });
}

// The composer's attach and record controls for one thread (composer.js: view.id, view.send(content, type, metadata)).
export class Attacher {
  constructor(view) {
    this.view = view;
    this.input = el('input', { type: 'file', class: 'visually-hidden', 'aria-label': 'Attach a photo or file',
      accept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,audio/*' });
    this.input.addEventListener('change', () => {
      const file = this.input.files && this.input.files[0];
      this.input.value = '';
      if (file) this.send(file, file.name, file.type.startsWith('image/') ? 'image' : 'file');
    });
    this.attachButton = el('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.input.click() }, 'Attach');
    this.recordButton = el('button', { type: 'button', class: 'btn btn--ghost', 'aria-pressed': 'false',
      onclick: () => this.toggleRecording() }, 'Record');
    this.progress = el('progress', { class: 'upload-progress', max: '1', value: '0', hidden: true, 'aria-label': 'Upload progress' });
    this.status = el('span', { class: 'upload-status', role: 'status', text: '' });
    this.controls = [this.input, this.attachButton, this.recordButton, this.progress, this.status];
  }

  async send(file, name, messageType, extra = {}) {
    this.progress.hidden = false;
    this.progress.value = 0;
    this.status.textContent = `Uploading ${name}…`;
    try {
      const a = await uploadFile(this.view.id, file, name, (f) => { this.progress.value = f; });
      this.progress.value = 1;
      this.status.textContent = '';
      this.view.send(messageType === 'voice' ? 'Voice note' : name, messageType, { attachments: [{ id: a.id, ...extra }] });
    } catch (e) {
      this.status.textContent = `Not uploaded: ${e.message}`;
    } finally {
      this.progress.hidden = true;
    }
  }

  async toggleRecording() {
    if (this.recorder) {
      this.recorder.stop();
      return;
    }
    if (!navigator.mediaDevices || typeof MediaRecorder === 'undefined') {
      this.status.textContent = 'Recording is not supported by this browser.';
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      this.status.textContent = `No microphone: ${e.message}`;
      return;
    }
    const type = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'].find((t) => MediaRecorder.isTypeSupported(t)) || '';
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    const chunks = [];
    const started = Date.now();
    recorder.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      this.recorder = null;
      this.recordButton.textContent = 'Record';
      this.recordButton.setAttribute('aria-pressed', 'false');
      const blob = new Blob(chunks, { type: (recorder.mimeType || type || 'audio/webm').split(';')[0] });
      const ext = blob.type === 'audio/ogg' ? 'ogg' : 'webm';
      if (blob.size) this.send(blob, `voice-note.${ext}`, 'voice', { duration_ms: Date.now() - started });
    };
    this.recorder = recorder;
    recorder.start();
    this.recordButton.textContent = 'Stop recording';
    this.recordButton.setAttribute('aria-pressed', 'true');
    this.status.textContent = 'Recording…';
  }
}
