// One conversation thread on screen, its message list: the subscription (again with `since` after a reconnect),
// history paged in at the top, live messages in cursor order, edits and deletes, read and Seen, who else is here,
// "… is typing", and the assistant's streamed answers. The composer under it (composer.js) owns what we send.
// Customers and technicians share it.
import { el, messageElement, fillMessage, setStatusNote, sourcesBlock } from './render.js';
import { Composer } from './composer.js';

const TYPING_SHOW_MS = 4000;
const HISTORY_PAGE = 30;

export class MessageList {
  // thread: the protocol thread object; ctx: {conn, me, role, onActivity(thread)}
  constructor(thread, ctx) {
    this.thread = thread;
    this.ctx = ctx;
    this.byId = new Map(); // message id -> element
    this.turns = new Map(); // turn_id -> {el, chunks}
    this.lastCursor = null; // the newest cursor delivered on the subscription: `since` of the next subscribe
    this.subscribed = false;
    this.historyLoaded = false;
    this.hasMore = true;
    this.nextBefore = null;
    this.loadingHistory = false;
    this.typingTimer = null;
    this.seenCursor = 0; // the highest read cursor of anyone else in the thread: our messages up to it are seen
    this.readSent = 0; // the read cursor we last sent
    this.present = new Map(); // user id -> {role, since}: who else has this thread open
    this.build();
  }

  get id() { return this.thread.id; }

  build() {
    this.log = el('div', { class: 'log', role: 'log', 'aria-label': 'Messages', 'aria-live': 'polite', tabindex: '0' });
    this.topNote = el('p', { class: 'log__note', text: '' });
    this.log.append(this.topNote);
    this.log.addEventListener('scroll', () => {
      if (this.log.scrollTop < 40) this.loadOlder();
    });
    this.log.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-action]');
      const node = button && button.closest('.msg');
      if (!node || !node.dataset.id) return;
      if (button.dataset.action === 'edit') this.startEdit(node);
      else if (button.dataset.action === 'delete') this.remove(node);
    });
    this.presenceLine = el('p', { class: 'presence', 'aria-live': 'polite', text: '' });
    this.typing = el('p', { class: 'typing', 'aria-live': 'polite' });
    this.composer = new Composer(this);
    this.root = el('section', { class: 'thread', 'aria-label': this.thread.title || 'Conversation' },
      this.presenceLine, this.log, this.typing, this.composer.form);
  }

  // (Re)subscribes: the first time without `since`, then with the last cursor seen, so nothing is missed or
  // doubled; then loads the first history page and resends what was never acked.
  attach() {
    // One at a time: a second call while subscribing (a view opened during the welcome) shares the first.
    if (!this.attaching) {
      this.attaching = this.subscribeAndLoad().finally(() => { this.attaching = null; });
    }
    return this.attaching;
  }

  async subscribeAndLoad() {
    const conn = this.ctx.conn;
    const frame = { type: 'subscribe', topic: `thread:${this.id}` };
    if (this.lastCursor !== null) frame.since = this.lastCursor;
    try {
      const reply = await conn.request(frame);
      this.subscribed = true;
      if (this.lastCursor === null || Number(reply.cursor) > Number(this.lastCursor)) this.lastCursor = reply.cursor;
    } catch (e) {
      if (e.code === 'conflict') this.subscribed = true;
      else if (e.code !== 'disconnected') this.note(`Could not open this conversation: ${e.message}`);
      if (e.code !== 'conflict') return;
    }
    if (!this.historyLoaded) {
      this.historyLoaded = true;
      await this.loadOlder(true);
    }
    this.composer.resendPending();
    this.markRead();
    // Subscribed and the first page shown: what the tests (and the styles) wait for.
    if (this.subscribed) this.log.dataset.live = 'true';
  }

  async detach() {
    delete this.log.dataset.live;
    if (!this.subscribed) return;
    this.subscribed = false;
    try {
      await this.ctx.conn.request({ type: 'unsubscribe', topic: `thread:${this.id}` });
    } catch { /* gone with the connection */ }
  }

  disconnected() {
    delete this.log.dataset.live;
    this.subscribed = false;
    this.composer.disconnected();
    this.loadingHistory = false;
  }

  note(text) {
    this.topNote.textContent = text;
  }

  async loadOlder(first = false) {
    if (this.loadingHistory || !this.hasMore || (!first && !this.historyLoaded)) return;
    this.loadingHistory = true;
    const frame = { type: 'history', thread_id: this.id, limit: HISTORY_PAGE };
    if (this.nextBefore) frame.before = this.nextBefore;
    try {
      const page = await this.ctx.conn.request(frame);
      this.hasMore = !!page.has_more;
      this.nextBefore = page.next_before;
      const oldHeight = this.log.scrollHeight;
      const oldTop = this.log.scrollTop;
      const anchor = this.topNote.nextSibling;
      for (const m of page.messages) {
        if (this.byId.has(m.id)) continue;
        const node = this.render(m);
        this.log.insertBefore(node, anchor);
      }
      this.note(this.hasMore ? '' : this.byId.size ? 'Beginning of the conversation' : 'No messages yet');
      if (first) this.scrollToEnd();
      else this.log.scrollTop = oldTop + (this.log.scrollHeight - oldHeight);
    } catch (e) {
      if (e.code !== 'disconnected') this.note(`Could not load older messages: ${e.message}`);
      if (first) this.historyLoaded = false;
    } finally {
      this.loadingHistory = false;
    }
  }

  render(m, cursor) {
    const node = messageElement();
    fillMessage(node, m, this.ctx.me, this.thread.user_id);
    node.dataset.state = 'sent';
    if (cursor !== undefined) node.dataset.cursor = String(cursor);
    this.byId.set(m.id, node);
    return node;
  }

  nearBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // Live (or replayed) message on thread:<id>, in cursor order.
  onMessage(frame) {
    const m = frame.message;
    if (frame.cursor !== undefined && (this.lastCursor === null || Number(frame.cursor) > Number(this.lastCursor))) {
      this.lastCursor = frame.cursor;
    }
    const stick = this.nearBottom();
    const known = this.byId.get(m.id);
    if (known) {
      fillMessage(known, m, this.ctx.me, this.thread.user_id);
      if (frame.cursor !== undefined) known.dataset.cursor = String(frame.cursor);
      return;
    }
    // Our own send, echoed before its ack: the element exists already as pending.
    const mine = this.composer.echoOf(m);
    // The assistant's stored answer: the streamed element becomes it.
    const turnId = m.role === 'assistant' && m.metadata ? m.metadata.turn_id : null;
    const turn = turnId ? this.turns.get(turnId) : null;
    let node;
    if (mine) {
      node = mine;
      fillMessage(node, m, this.ctx.me, this.thread.user_id);
      this.byId.set(m.id, node);
    } else if (turn) {
      node = turn.el;
      fillMessage(node, m, this.ctx.me, this.thread.user_id);
      node.dataset.state = 'sent';
      node.classList.remove('msg--streaming');
      this.byId.set(m.id, node);
      this.turns.delete(turnId);
      this.updateStop();
    } else {
      node = this.render(m, frame.cursor);
      this.insertByCursor(node, frame.cursor);
    }
    if (frame.cursor !== undefined) node.dataset.cursor = String(frame.cursor);
    if (this.byId.size === 1 && !this.hasMore) this.note('Beginning of the conversation');
    if (stick || m.sender_id === this.ctx.me) this.scrollToEnd();
    this.clearTyping();
    this.markSeen();
    this.markRead();
    if (this.ctx.onActivity) this.ctx.onActivity(this.thread, m);
  }

  // message.updated / message.deleted: the message as it is now, at the change's cursor (not its place).
  onChange(frame) {
    if (frame.cursor !== undefined && (this.lastCursor === null || Number(frame.cursor) > Number(this.lastCursor))) {
      this.lastCursor = frame.cursor;
    }
    const node = this.byId.get(frame.message.id);
    if (node) fillMessage(node, frame.message, this.ctx.me, this.thread.user_id);
  }

  startEdit(node) {
    if (node.querySelector('.msg__editor')) return;
    const body = node.querySelector('.msg__body');
    const input = el('textarea', { class: 'msg__editor', rows: '2', 'aria-label': 'Edit message' });
    input.value = body.textContent;
    const save = el('button', { type: 'submit', class: 'btn btn--primary' }, 'Save');
    const cancel = el('button', { type: 'button', class: 'btn btn--ghost', onclick: () => form.remove() }, 'Cancel');
    const form = el('form', { class: 'msg__editform', onsubmit: async (e) => {
      e.preventDefault();
      const content = input.value;
      if (content.trim() === '') return;
      try {
        await this.ctx.conn.request({ type: 'message.edit', message_id: node.dataset.id, content });
        form.remove();
      } catch (err) {
        setStatusNote(node, `Not edited: ${err.message}`);
      }
    } }, input, el('div', { class: 'composer__actions' }, cancel, save));
    body.after(form);
    input.focus();
  }

  async remove(node) {
    try {
      await this.ctx.conn.request({ type: 'message.delete', message_id: node.dataset.id });
    } catch (err) {
      setStatusNote(node, `Not deleted: ${err.message}`);
    }
  }

  // Tells the gateway we have read up to the newest cursor shown (only forward; while the page is visible).
  markRead() {
    if (!this.subscribed || this.lastCursor === null || document.visibilityState === 'hidden') return;
    const c = Number(this.lastCursor);
    if (c <= this.readSent) return;
    this.readSent = c;
    this.ctx.conn.request({ type: 'read', thread_id: this.id, cursor: String(c) }).catch(() => { this.readSent = 0; });
  }

  // `read` of someone else: our messages up to their cursor are seen.
  onRead(frame) {
    if (frame.user_id === this.ctx.me) return;
    this.seenCursor = Math.max(this.seenCursor, Number(frame.cursor));
    this.markSeen();
  }

  markSeen() {
    for (const node of this.log.querySelectorAll('.msg--mine[data-cursor]')) {
      const seen = Number(node.dataset.cursor) <= this.seenCursor;
      node.classList.toggle('msg--seen', seen);
      if (seen && node.dataset.state === 'sent') setStatusNote(node, 'Seen');
    }
  }

  // presence.state / presence.join / presence.leave on thread:<id>: who else has this conversation open.
  onPresence(frame) {
    if (frame.type === 'presence.state') {
      this.present.clear();
      for (const u of frame.users || []) if (u.user_id !== this.ctx.me) this.present.set(u.user_id, u);
    } else if (frame.user && frame.user.user_id !== this.ctx.me) {
      if (frame.type === 'presence.join') this.present.set(frame.user.user_id, frame.user);
      else this.present.delete(frame.user.user_id);
    }
    const names = [...this.present.values()].map((u) =>
      u.user_id === this.thread.user_id ? 'the customer' : u.role === 'customer' ? 'a customer' : `a ${u.role}`);
    this.presenceLine.textContent = names.length ? `Online now: ${[...new Set(names)].join(', ')}` : '';
    this.presenceLine.dataset.count = String(this.present.size);
  }

  // Before the first pending element and after every message with a smaller (or unknown, i.e. older) cursor.
  insertByCursor(node, cursor) {
    const c = Number(cursor);
    let before = null;
    for (let cur = this.log.lastElementChild; cur && cur !== this.topNote; cur = cur.previousElementSibling) {
      const unsent = cur.dataset.state !== 'sent' && cur.dataset.cursor === undefined;
      const newer = cur.dataset.cursor !== undefined && Number(cur.dataset.cursor) > c;
      if (unsent || newer) before = cur;
      else break;
    }
    this.log.insertBefore(node, before);
  }

  // A message the composer just sent, at the bottom while pending.
  appendOwn(node) {
    if (this.topNote.textContent === 'No messages yet') this.note('');
    this.log.append(node);
    this.scrollToEnd();
  }

  // The ack of our own send: the element is that message (an echo shown meanwhile under its id goes).
  acked(node, ack) {
    const other = this.byId.get(ack.message_id);
    if (other && other !== node) other.remove();
    this.byId.set(ack.message_id, node);
    node.dataset.id = ack.message_id;
    if (node.dataset.cursor === undefined) node.dataset.cursor = String(ack.cursor);
  }

  onTyping(frame) {
    if (frame.user_id === this.ctx.me) return;
    const who = frame.user_id === this.thread.user_id ? 'The customer' : this.ctx.role === 'customer' ? 'A technician' : 'Someone';
    this.typing.textContent = `${who} is typing…`;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.clearTyping(), TYPING_SHOW_MS);
  }

  clearTyping() {
    clearTimeout(this.typingTimer);
    this.typing.textContent = '';
  }

  onAssistant(frame) {
    let turn = this.turns.get(frame.turn_id);
    if (frame.type === 'assistant.start') {
      if (turn) {
        turn.chunks = []; // taken over by another worker: it starts again
      } else {
        const node = messageElement();
        fillMessage(node, { role: 'assistant', content: '', created_at: new Date().toISOString(), metadata: {} },
          this.ctx.me, this.thread.user_id);
        node.dataset.state = 'pending';
        node.dataset.turnId = frame.turn_id;
        node.classList.add('msg--streaming');
        node.setAttribute('aria-busy', 'true');
        turn = { el: node, chunks: [] };
        this.turns.set(frame.turn_id, turn);
        const stick = this.nearBottom();
        this.log.append(node);
        if (stick) this.scrollToEnd();
      }
      this.updateStop();
      return;
    }
    if (!turn) return; // a turn that began before we subscribed: its stored message will arrive
    const body = turn.el.querySelector('.msg__body');
    if (frame.type === 'assistant.delta') {
      turn.chunks[frame.index] = frame.text;
      const stick = this.nearBottom();
      body.textContent = turn.chunks.join('');
      if (stick) this.scrollToEnd();
    } else if (frame.type === 'assistant.done') {
      turn.el.removeAttribute('aria-busy');
      turn.el.classList.remove('msg--streaming');
      if (frame.message_id) {
        turn.el.dataset.id = frame.message_id;
        const known = this.byId.get(frame.message_id);
        if (known && known !== turn.el) known.remove();
        this.byId.set(frame.message_id, turn.el);
      }
      turn.el.dataset.state = 'sent';
      const extra = turn.el.querySelector('.msg__extra');
      extra.replaceChildren();
      const src = sourcesBlock(frame.sources, frame.confidence);
      if (src) extra.append(src);
      this.turns.delete(frame.turn_id);
      this.updateStop();
    } else if (frame.type === 'assistant.error') {
      turn.el.removeAttribute('aria-busy');
      turn.el.classList.remove('msg--streaming');
      if (frame.code === 'cancelled') {
        turn.el.dataset.state = 'failed';
        setStatusNote(turn.el, 'Stopped');
      } else {
        turn.el.dataset.state = 'failed';
        setStatusNote(turn.el, `The assistant could not answer (${frame.code}).`);
      }
      this.turns.delete(frame.turn_id);
      this.updateStop();
    }
  }

  updateStop() {
    this.composer.showStop(this.turns.size > 0);
  }

  onUnsubscribed(frame) {
    delete this.log.dataset.live;
    this.subscribed = false;
    if (frame.reason === 'forbidden') this.note('You no longer have access to this conversation.');
  }
}
