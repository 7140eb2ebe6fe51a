// The customer's view: the Threads navigation (newest first, live on user:<id>), a New thread button, and the
// open thread.
import { el, shortTime, snippetElement } from './render.js';
import { MessageList } from './message_list.js';

const DEFAULT_TITLE = 'New conversation';

export class CustomerView {
  constructor(root, ctx) {
    this.ctx = ctx; // {conn, me, role}
    this.threads = new Map(); // id -> thread
    this.views = new Map(); // id -> MessageList
    this.current = null;
    this.list = el('ul', { class: 'navlist' });
    this.newButton = el('button', { type: 'button', class: 'btn btn--primary btn--block', onclick: () => this.createThread() }, 'New thread');
    this.searchInput = el('input', { type: 'search', class: 'search__input', placeholder: 'Search messages', 'aria-label': 'Search messages' });
    this.results = el('ul', { class: 'navlist search__results', 'aria-label': 'Search results' });
    const searchForm = el('form', { class: 'search', role: 'search', onsubmit: (e) => { e.preventDefault(); this.search(this.searchInput.value); } },
      this.searchInput);
    this.nav = el('nav', { class: 'sidebar', 'aria-label': 'Threads' },
      el('div', { class: 'sidebar__head' }, el('h2', { class: 'sidebar__title', text: 'Your conversations' }), this.newButton),
      searchForm, this.results, this.list);
    this.title = el('h2', { class: 'main__title', text: 'Select a conversation' });
    // Talk to a technician: the handoff frame (docs/desk.md); shown for the open thread.
    this.handoffButton = el('button', { type: 'button', class: 'btn btn--small', 'data-action': 'handoff', hidden: true,
      onclick: () => this.handoff() }, 'Talk to a technician');
    this.subtitle = el('p', { class: 'main__subtitle', text: '' });
    this.slot = el('div', { class: 'main__slot' },
      el('p', { class: 'empty', text: 'Choose a conversation on the left, or start a new thread.' }));
    this.main = el('main', { class: 'main', id: 'main' }, el('div', { class: 'main__head' }, this.title, this.subtitle, this.handoffButton), this.slot);
    root.replaceChildren(this.nav, this.main);
  }

  // After every welcome: the thread list again (what changed while away), the user topic, the open thread.
  async connected() {
    const conn = this.ctx.conn;
    conn.request({ type: 'subscribe', topic: `user:${this.ctx.me}` }).catch(() => {});
    try {
      const page = await conn.request({ type: 'threads.list', limit: 100 });
      for (const t of page.threads) this.threads.set(t.id, t);
      this.renderList();
    } catch { /* reconnect will try again */ }
    if (this.current) this.views.get(this.current).attach();
    else if (this.threads.size) this.open(this.sorted()[0].id);
  }

  disconnected() {
    for (const v of this.views.values()) v.disconnected();
  }

  sorted() {
    return [...this.threads.values()].sort((a, b) => (b.updated_at || '').localeCompare(a.updated_at || ''));
  }

  renderList() {
    const items = this.sorted().map((t) => {
      const button = el('button', { type: 'button', class: 'navitem', 'aria-current': t.id === this.current ? 'true' : null,
        onclick: () => this.open(t.id) },
      el('span', { class: 'navitem__title', text: t.title || DEFAULT_TITLE }),
      el('span', { class: 'navitem__meta', text: t.updated_at ? shortTime(t.updated_at) : '' }));
      if (t.unread > 0 && t.id !== this.current) {
        button.append(el('span', { class: 'unread', 'data-field': 'unread', text: String(t.unread), 'aria-label': `${t.unread} unread` }));
      }
      button.dataset.threadId = t.id;
      return el('li', {}, button);
    });
    if (items.length === 0) items.push(el('li', { class: 'empty', text: 'No conversations yet.' }));
    this.list.replaceChildren(...items);
  }

  async open(id) {
    if (this.current === id) return;
    const previous = this.current ? this.views.get(this.current) : null;
    this.current = id;
    const thread = this.threads.get(id);
    thread.unread = 0;
    let view = this.views.get(id);
    if (!view) {
      view = new MessageList(thread, { ...this.ctx, onSent: (t, content) => this.titleFromFirstMessage(t, content) });
      this.views.set(id, view);
    }
    this.title.textContent = thread.title || DEFAULT_TITLE;
    this.renderHead(thread);
    this.slot.replaceChildren(view.root);
    this.renderList();
    if (previous) previous.detach();
    await view.attach();
    view.composer.focus();
  }

  // The subtitle and the handoff button follow the thread: once it is with a technician (assistant off, on a
  // ticket) the button says so and is disabled.
  renderHead(thread) {
    const withTech = !thread.assistant && thread.ticket_id;
    this.subtitle.textContent = thread.assistant ? 'The assistant answers first; a technician joins when needed.'
      : (withTech ? 'A technician has this conversation.' : '');
    this.handoffButton.hidden = false;
    this.handoffButton.disabled = Boolean(withTech);
    this.handoffButton.textContent = withTech ? 'Technician requested' : 'Talk to a technician';
  }

  async handoff() {
    const id = this.current;
    if (!id) return;
    this.handoffButton.disabled = true;
    try {
      const reply = await this.ctx.conn.request({ type: 'handoff', thread_id: id });
      const t = this.threads.get(id);
      if (t) this.onThread({ ...t, assistant: false, ticket_id: reply.ticket_id });
    } catch (e) {
      this.ctx.toast(`Could not reach a technician: ${e.message}`);
      this.handoffButton.disabled = false;
    }
  }

  async createThread() {
    this.newButton.disabled = true;
    try {
      const reply = await this.ctx.conn.request({ type: 'thread.create', title: DEFAULT_TITLE });
      this.threads.set(reply.thread.id, reply.thread);
      this.renderList();
      await this.open(reply.thread.id);
    } catch (e) {
      this.ctx.toast(`Could not start a thread: ${e.message}`);
    } finally {
      this.newButton.disabled = false;
    }
  }

  // A new thread is named after its first message.
  titleFromFirstMessage(thread, content) {
    if (thread.title && thread.title !== DEFAULT_TITLE) return;
    const title = content.replace(/\s+/g, ' ').trim().slice(0, 60);
    if (!title) return;
    this.ctx.conn.request({ type: 'thread.update', thread_id: thread.id, title }).then((reply) => this.onThread(reply.thread)).catch(() => {});
  }

  onThread(thread) {
    const known = this.threads.get(thread.id);
    this.threads.set(thread.id, { ...known, ...thread });
    const view = this.views.get(thread.id);
    if (view) view.thread = this.threads.get(thread.id);
    if (thread.id === this.current) {
      this.title.textContent = thread.title || DEFAULT_TITLE;
      this.renderHead(this.threads.get(thread.id));
    }
    this.renderList();
  }

  view(threadId) {
    return this.views.get(threadId);
  }

  onFrame(frame) {
    if (frame.type === 'thread.updated' && frame.thread) this.onThread(frame.thread);
    // Read on another device (user:<me>): that thread has nothing unread any more up to the cursor.
    if (frame.type === 'read' && frame.topic === `user:${this.ctx.me}`) {
      const t = this.threads.get(frame.thread_id);
      if (t && (!t.last_message || Number(frame.cursor) >= Number(t.last_message.cursor))) {
        t.unread = 0;
        this.renderList();
      }
    }
  }

  // The search box: full-text search over this customer's conversations; a hit opens its thread.
  async search(query) {
    this.results.replaceChildren();
    if (!query.trim()) return;
    try {
      const reply = await this.ctx.conn.request({ type: 'search', query, limit: 20 });
      const items = reply.results.map((r) => {
        const t = this.threads.get(r.thread_id);
        const b = el('button', { type: 'button', class: 'navitem', onclick: () => this.open(r.thread_id) },
          el('span', { class: 'navitem__title', text: (t && t.title) || DEFAULT_TITLE }),
          snippetElement(r.snippet));
        return el('li', { class: 'hit' }, b);
      });
      if (items.length === 0) items.push(el('li', { class: 'empty', text: 'No messages match.' }));
      this.results.replaceChildren(...items);
    } catch (e) {
      this.results.replaceChildren(el('li', { class: 'empty', text: `Search failed: ${e.message}` }));
    }
  }
}
