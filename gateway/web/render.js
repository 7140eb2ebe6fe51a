// Turning protocol objects into DOM. Everything a user or the database wrote goes in through textContent or a
// checked URL attribute, never as HTML.
import { attachmentsBlock } from './attachments.js';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

// Only http(s) URLs, absolute or relative to this page, may become a src or href.
export function safeUrl(value) {
  if (typeof value !== 'string' || value === '') return null;
  try {
    const u = new URL(value, location.href);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function shortTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const today = new Date();
  return d.toDateString() === today.toDateString() ? timeFormat.format(d) : `${dayFormat.format(d)} ${timeFormat.format(d)}`;
}

export function authorLabel(message, me, ownerId) {
  if (message.sender_id && message.sender_id === me) return 'You';
  switch (message.role) {
    case 'assistant': return 'Assistant';
    case 'technician': return 'Technician';
    case 'system': return 'System';
    case 'user': return message.sender_id === ownerId || !ownerId ? 'Customer' : 'Customer';
    default: return message.role || 'Unknown';
  }
}

function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// The attachment of an image, file or voice message, from its metadata (url, name, size, mime_type).
export function attachment(message) {
  const md = message.metadata && typeof message.metadata === 'object' ? message.metadata : {};
  const url = safeUrl(md.url);
  const name = typeof md.name === 'string' && md.name ? md.name : typeof md.filename === 'string' ? md.filename : '';
  if (!url) return null;
  switch (message.message_type) {
    case 'image':
      return el('figure', { class: 'attach attach--image' },
        el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' },
          el('img', { src: url, alt: name || 'Image attachment', loading: 'lazy' })));
    case 'voice':
      return el('div', { class: 'attach attach--voice' },
        el('audio', { controls: true, preload: 'none', src: url, 'aria-label': name ? `Voice message ${name}` : 'Voice message' }));
    case 'file': {
      const size = formatBytes(md.size);
      return el('div', { class: 'attach attach--file' },
        el('a', { href: url, download: name || true, rel: 'noopener noreferrer' }, `📎 ${name || 'Download file'}`),
        size ? el('span', { class: 'attach__size', text: ` (${size})` }) : null);
    }
    default:
      return null;
  }
}

// Sources (titles) and confidence of an assistant answer.
export function sourcesBlock(sources, confidence) {
  const items = Array.isArray(sources) ? sources.filter((s) => s && typeof s.title === 'string') : [];
  if (items.length === 0 && typeof confidence !== 'number') return null;
  const block = el('div', { class: 'sources' });
  if (items.length) {
    block.append(el('span', { class: 'sources__label', text: 'Sources' }));
    const list = el('ul', { class: 'sources__list' });
    for (const s of items) list.append(el('li', { text: s.title }));
    block.append(list);
  }
  if (typeof confidence === 'number') {
    block.append(el('span', { class: 'confidence', text: `Confidence ${Math.round(confidence * 100)}%` }));
  }
  return block;
}

// A message element. The caller sets data-state and data-cursor; `fill` (re)writes what it shows.
export function messageElement() {
  const node = el('article', { class: 'msg' });
  node.append(el('header', { class: 'msg__meta' }, el('span', { class: 'msg__author' }), el('time', { class: 'msg__time' }),
    el('span', { class: 'msg__edited' }), el('span', { class: 'msg__actions' })));
  node.append(el('p', { class: 'msg__body' }));
  node.append(el('div', { class: 'msg__extra' }));
  node.append(el('div', { class: 'msg__status' }));
  return node;
}

export function fillMessage(node, message, me, ownerId) {
  const mine = !!message.sender_id && message.sender_id === me;
  node.classList.toggle('msg--mine', mine);
  node.classList.toggle('msg--assistant', message.role === 'assistant');
  node.classList.toggle('msg--staff', message.role === 'technician' || message.role === 'system');
  node.dataset.role = message.role || '';
  if (message.id) node.dataset.id = message.id;
  node.querySelector('.msg__author').textContent = authorLabel(message, me, ownerId);
  const time = node.querySelector('.msg__time');
  time.textContent = message.created_at ? shortTime(message.created_at) : '';
  if (message.created_at) time.dateTime = message.created_at;
  const deleted = !!message.deleted_at;
  node.classList.toggle('msg--deleted', deleted);
  node.querySelector('.msg__body').textContent = deleted ? 'This message was deleted.' : message.content ?? '';
  node.querySelector('.msg__edited').textContent = message.edited_at && !deleted ? '(edited)' : '';
  // Edit and delete on one's own stored messages (the gateway decides; these only offer).
  const actions = node.querySelector('.msg__actions');
  actions.replaceChildren();
  if (mine && !deleted && message.id) {
    actions.append(el('button', { type: 'button', class: 'link', 'data-action': 'edit' }, 'Edit'), ' ',
      el('button', { type: 'button', class: 'link', 'data-action': 'delete' }, 'Delete'));
  }
  const extra = node.querySelector('.msg__extra');
  extra.replaceChildren();
  if (deleted) return;
  const att = attachmentsBlock(message) || attachment(message);
  if (att) extra.append(att);
  const md = message.metadata || {};
  if (message.role === 'assistant') {
    const src = sourcesBlock(md.sources, md.confidence);
    if (src) extra.append(src);
  }
}

export function setStatusNote(node, text, retry) {
  const s = node.querySelector('.msg__status');
  s.replaceChildren();
  if (text) s.append(el('span', { text }));
  if (retry) s.append(' ', el('button', { type: 'button', class: 'link', onclick: retry }, 'Retry'));
}

// A search snippet: the gateway sends it HTML-escaped with the matches in <mark>...</mark>. It is rebuilt here as
// text nodes and <mark> elements (decoding the five entities), so nothing of it is ever parsed as HTML.
export function snippetElement(snippet) {
  const node = el('span', { class: 'snippet' });
  const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const parts = String(snippet || '').split(/(<mark>|<\/mark>)/);
  let marked = false;
  for (const p of parts) {
    if (p === '<mark>') marked = true;
    else if (p === '</mark>') marked = false;
    else if (p) node.append(marked ? el('mark', { text: decode(p) }) : decode(p));
  }
  return node;
}
