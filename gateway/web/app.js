// The TechPulse web app: sign-in, the connection, and the view the profile's role chooses (customer chat or
// technician console). No framework and no build step; see docs/web.md.
import { Connection, tokenClaims } from './connection.js';
import { setAttachmentToken } from './attachments.js';
import { CustomerView } from './customer.js';
import { TechnicianView } from './technician.js';

const TOKEN_KEY = 'techpulse.access_token';
const $ = (id) => document.getElementById(id);

let conn = null;
let view = null;
let toastTimer = null;

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
}

function setStatus(text) {
  const s = $('conn-status');
  s.textContent = text;
  s.dataset.status = text === 'Connected' ? 'connected' : text === 'Offline' ? 'offline' : 'reconnecting';
}

// A token in the fragment (#token=...) never reaches the server's logs; it is taken and removed from the address bar.
function tokenFromFragment() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(m[1]);
}

function showSignIn(message, kind = 'error') {
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('conn-status').hidden = true;
  $('signin').hidden = false;
  $('signin-message').textContent = message || '';
  $('signin-message').dataset.kind = kind;
  $('role-label').textContent = '';
  setStatus('Offline');
  $('token-input').focus();
}

function signOut(message, kind) {
  if (conn) conn.stop();
  conn = null;
  view = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(toastTimer);
  $('toast').hidden = true;
  $('app').replaceChildren();
  showSignIn(message, kind);
}

function start(token) {
  const claims = tokenClaims(token);
  if (!claims || typeof claims.sub !== 'string') {
    signOut('That does not look like an access token (a JWT has three parts separated by dots).');
    return;
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) {
    signOut('This access token has expired. Sign in with a new one.');
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  setAttachmentToken(token);
  $('signin').hidden = true;
  $('sign-out').hidden = false;
  $('conn-status').hidden = false;
  $('app').hidden = false;
  conn = new Connection(token, {
    onStatus: setStatus,
    onWelcome: (welcome, reconnected) => onWelcome(welcome, reconnected),
    onFrame: (frame) => onFrame(frame),
    onDisconnected: () => view?.disconnected(),
    onFatal: (kind, message) => signOut(message),
  });
  conn.start();
}

function onWelcome(welcome, reconnected) {
  if (!view) {
    const ctx = { conn, me: welcome.user_id, role: welcome.role, toast };
    const root = $('app');
    view = welcome.role === 'customer' ? new CustomerView(root, ctx) : new TechnicianView(root, ctx);
    document.body.dataset.role = welcome.role;
    $('role-label').textContent = welcome.role === 'customer' ? 'Support chat' : 'Technician console';
  }
  view.connected(reconnected);
}

function onFrame(frame) {
  if (!view) return;
  const threadId = frame.thread_id || (frame.message && frame.message.thread_id);
  switch (frame.type) {
    case 'message':
      // Ticket topics repeat the messages of their threads; the open thread's own subscription shows them.
      if (frame.topic && frame.topic.startsWith('thread:')) view.view(threadId)?.onMessage(frame);
      else view.onFrame(frame);
      return;
    case 'typing':
      view.view(threadId)?.onTyping(frame);
      return;
    case 'message.updated':
    case 'message.deleted':
      if (frame.topic && frame.topic.startsWith('thread:')) view.view(threadId)?.onChange(frame);
      return;
    case 'read':
      if (frame.topic && frame.topic.startsWith('thread:')) view.view(threadId)?.onRead(frame);
      view.onFrame(frame);
      return;
    case 'presence.state':
    case 'presence.join':
    case 'presence.leave':
      if (frame.topic && frame.topic.startsWith('thread:')) view.view(frame.topic.slice(7))?.onPresence(frame);
      view.onFrame(frame);
      return;
    case 'assistant.start':
    case 'assistant.delta':
    case 'assistant.done':
    case 'assistant.error':
      view.view(threadId)?.onAssistant(frame);
      return;
    case 'unsubscribed':
      if (frame.topic && frame.topic.startsWith('thread:')) view.view(frame.topic.slice(7))?.onUnsubscribed(frame);
      view.onFrame(frame);
      return;
    case 'authenticated':
      return;
    case 'error':
      if (frame.code === 'unauthorized') toast(frame.message);
      else if (frame.code !== 'not_found') toast(`${frame.code}: ${frame.message}`);
      return;
    default:
      view.onFrame(frame);
  }
}

// A new token while signed in (another #token= link) renews the session with `auth`, without reconnecting.
window.addEventListener('hashchange', () => {
  const token = tokenFromFragment();
  if (!token) return;
  const claims = tokenClaims(token);
  if (conn && claims && conn.token && tokenClaims(conn.token)?.sub === claims.sub) {
    conn.renew(token).then(() => {
      sessionStorage.setItem(TOKEN_KEY, token);
      setAttachmentToken(token);
      toast('Your session was renewed.');
    }).catch((e) => toast(`The new token was refused: ${e.message}`));
  } else {
    if (conn) conn.stop();
    conn = null;
    view = null;
    start(token);
  }
});

$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('token-input').value.trim();
  $('token-input').value = '';
  if (token) start(token);
});
$('sign-out').addEventListener('click', () => signOut('You signed out.', 'info'));

const initial = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
if (initial) start(initial);
else showSignIn('');
