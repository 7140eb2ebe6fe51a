// The composer under one thread's message list (message_list.js): the Message textbox (Enter sends, Shift+Enter is
// a new line), Send, Attach and Record (attachments.js), Stop for a running assistant turn, and every send: pending
// → sent on its ack, failed with Retry, resent with the same client_msg_id after a reconnect; typing sent at most
// every 2 s.
import { el, messageElement, fillMessage, setStatusNote } from './render.js';
import { Attacher } from './attachments.js';

const TYPING_SEND_MS = 2000;

function newClientMsgId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `c-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

export class Composer {
  // list: the MessageList above it (its thread, ctx, subscription state and log).
  constructor(list) {
    this.list = list;
    this.pending = new Map(); // client_msg_id -> {el, frame, state}
    this.lastTypingSent = 0;
    const textarea = el('textarea', { id: `composer-${list.id}`, rows: '2', placeholder: 'Write a message…', 'aria-label': 'Message' });
    this.textarea = textarea;
    textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    textarea.addEventListener('input', () => this.maybeSendTyping());
    this.stopButton = el('button', { type: 'button', class: 'btn btn--ghost', hidden: true, onclick: () => this.cancelTurn() }, 'Stop');
    const sendButton = el('button', { type: 'submit', class: 'btn btn--primary' }, 'Send');
    this.attacher = new Attacher(this);
    this.form = el('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      textarea, el('div', { class: 'composer__actions' }, ...this.attacher.controls, this.stopButton, sendButton));
  }

  get id() { return this.list.id; }

  focus() {
    this.textarea.focus({ preventScroll: true });
  }

  submit() {
    const content = this.textarea.value;
    if (content.trim() === '') return;
    this.textarea.value = '';
    this.send(content);
  }

  send(content, messageType = 'text', metadata = {}) {
    const { ctx, thread } = this.list;
    const cid = newClientMsgId();
    // The client_msg_id also rides in metadata, so the echo of our own message can be matched before its ack.
    const frame = { type: 'send', thread_id: this.id, content, message_type: messageType,
      metadata: { ...metadata, client_msg_id: cid }, client_msg_id: cid };
    const node = messageElement();
    fillMessage(node, { sender_id: ctx.me, role: ctx.role === 'customer' ? 'user' : 'technician', content,
      message_type: messageType, metadata: frame.metadata, created_at: new Date().toISOString() },
    ctx.me, thread.user_id);
    node.dataset.state = 'pending';
    node.dataset.clientMsgId = cid;
    setStatusNote(node, this.list.subscribed ? 'Sending…' : 'Waiting for the connection…');
    this.list.appendOwn(node);
    this.pending.set(cid, { el: node, frame, state: 'pending' });
    this.transmit(cid);
    if (ctx.onSent) ctx.onSent(thread, content);
  }

  // The pending element of our own message `m`, echoed on the subscription before its ack (matched by the
  // client_msg_id in its metadata); null for anything else.
  echoOf(m) {
    const cid = m.metadata && typeof m.metadata.client_msg_id === 'string' ? m.metadata.client_msg_id : null;
    const p = cid && m.sender_id === this.list.ctx.me ? this.pending.get(cid) : null;
    return p ? p.el : null;
  }

  // After a (re)subscribe: what was never acked goes again, with the same client_msg_id.
  resendPending() {
    for (const [cid, p] of this.pending) if (p.state === 'pending') this.transmit(cid);
  }

  disconnected() {
    for (const p of this.pending.values()) if (p.state === 'pending') setStatusNote(p.el, 'Waiting for the connection…');
    this.showStop(false);
  }

  // Sends (or resends, with the same client_msg_id) one pending message; a lost connection leaves it pending
  // for resendPending() after the reconnect.
  async transmit(cid) {
    const p = this.pending.get(cid);
    if (!p || !this.list.subscribed) return;
    if (p.inFlight) return;
    p.inFlight = true;
    setStatusNote(p.el, 'Sending…');
    try {
      const ack = await this.list.ctx.conn.request(p.frame);
      p.inFlight = false;
      this.list.acked(p.el, ack);
      p.el.dataset.state = 'sent';
      setStatusNote(p.el, '');
      this.pending.delete(cid);
    } catch (e) {
      p.inFlight = false;
      if (e.code === 'disconnected' || e.code === 'unavailable') {
        if (e.code === 'unavailable' && this.list.subscribed) {
          setTimeout(() => this.transmit(cid), 1000 + Math.random() * 1000);
        }
        return;
      }
      p.state = 'failed';
      p.el.dataset.state = 'failed';
      setStatusNote(p.el, `Not sent: ${e.message}`, () => {
        p.state = 'pending';
        p.el.dataset.state = 'pending';
        setStatusNote(p.el, 'Sending…');
        this.transmit(cid);
      });
    }
  }

  maybeSendTyping() {
    const now = Date.now();
    if (now - this.lastTypingSent < TYPING_SEND_MS || !this.list.subscribed) return;
    this.lastTypingSent = now;
    this.list.ctx.conn.sendRaw({ type: 'typing', thread_id: this.id });
  }

  // Stop is shown while an assistant turn runs in this thread.
  showStop(running) {
    this.stopButton.hidden = !running;
  }

  cancelTurn() {
    // No direct reply on success: the turn ends with assistant.error `cancelled`.
    this.list.ctx.conn.sendRaw({ type: 'assistant.cancel', thread_id: this.id });
  }
}
