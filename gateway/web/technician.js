// The technician console: the Tickets navigation (assigned tickets with status, priority, customer and vehicle,
// live on ticket:<id> and user:<id>), the selected ticket's details and work orders, and the live chat of its
// threads; for admins, the Analytics panel (analytics.js) in place of a ticket.
import { el, shortTime } from './render.js';
import { MessageList } from './message_list.js';
import { AnalyticsPanel } from './analytics.js';

const pretty = (s) => (typeof s === 'string' && s ? s.replace(/_/g, ' ') : '—');

function ticketTitle(t) {
  if (t.kind === 'support_ticket') return `${t.ticket_number || 'Ticket'} · ${t.issue_summary || ''}`;
  return t.title || 'Ticket';
}
function ticketHeading(t) {
  if (t.kind === 'support_ticket') return `${t.ticket_number || 'Ticket'} · ${ticketVehicle(t)}`;
  return t.title || 'Ticket';
}
function ticketCustomer(t) {
  return t.customer_name || '—';
}
function ticketVehicle(t) {
  if (t.vehicle_info) return t.vehicle_info;
  const v = [t.vehicle_year, t.vehicle_make, t.vehicle_model].filter((x) => x !== null && x !== undefined && x !== '');
  return v.length ? v.join(' ') : '—';
}
function money(v) {
  const n = Number(v);
  return v === null || v === undefined || Number.isNaN(n) ? '—' : `$${n.toFixed(2)}`;
}

export class TechnicianView {
  constructor(root, ctx) {
    this.ctx = ctx;
    this.tickets = new Map(); // id -> ticket (with work_orders and threads)
    this.unread = new Map(); // ticket id -> unread messages of its threads
    this.subscribedTickets = new Set();
    this.live = new Set(); // tickets whose subscription is confirmed on the current connection
    this.views = new Map(); // thread id -> MessageList
    this.current = null; // ticket id
    this.currentThread = null;
    this.list = el('ul', { class: 'navlist' });
    // The queue (queue:support): tickets nobody has taken yet, each with a Claim button (docs/desk.md).
    this.queue = new Map(); // ticket id -> queue entry
    this.queueList = el('ul', { class: 'navlist queue', 'aria-label': 'Queue' });
    // Admins only: the server refuses analytics.summary to anyone else, and the console does not offer it.
    this.analytics = ctx.role === 'admin' ? new AnalyticsPanel(ctx) : null;
    this.showingAnalytics = false;
    this.analyticsButton = this.analytics ? el('button', { type: 'button', class: 'btn btn--block', 'aria-pressed': 'false',
      onclick: () => this.showAnalytics() }, 'Analytics') : null;
    this.nav = el('nav', { class: 'sidebar', 'aria-label': 'Tickets' },
      this.analyticsButton ? el('div', { class: 'sidebar__head' }, this.analyticsButton) : null,
      el('div', { class: 'sidebar__head' }, el('h2', { class: 'sidebar__title', text: 'Queue' })), this.queueList,
      el('div', { class: 'sidebar__head' }, el('h2', { class: 'sidebar__title', text: 'Assigned to you' })), this.list);
    this.renderQueue();
    this.main = el('main', { class: 'main', id: 'main' },
      el('div', { class: 'main__head' }, el('h2', { class: 'main__title', text: 'Select a ticket' })),
      el('p', { class: 'empty', text: 'Your assigned tickets are listed on the left.' }));
    root.replaceChildren(this.nav, this.main);
  }

  async connected() {
    const conn = this.ctx.conn;
    conn.request({ type: 'subscribe', topic: `user:${this.ctx.me}` }).catch(() => {});
    conn.request({ type: 'subscribe', topic: 'queue:support' }).then((reply) => {
      this.queue.clear();
      for (const t of reply.tickets || []) this.queue.set(t.id, t);
      this.queueList.dataset.live = 'true';
      this.renderQueue();
    }, () => {});
    this.subscribedTickets.clear();
    this.live.clear();
    await this.reload();
    if (this.currentThread && this.views.has(this.currentThread)) this.views.get(this.currentThread).attach();
    if (this.showingAnalytics) this.analytics.load();
  }

  disconnected() {
    delete this.queueList.dataset.live;
    this.subscribedTickets.clear();
    this.live.clear();
    for (const b of this.list.querySelectorAll('[data-live]')) delete b.dataset.live;
    for (const v of this.views.values()) v.disconnected();
  }

  // The snapshot: GET /v1/tickets. Events after our subscriptions keep it current; a reconnect takes it again.
  async reload() {
    let body;
    try {
      const res = await fetch('/v1/tickets', { headers: { Authorization: `Bearer ${this.ctx.conn.token}` }, cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = await res.json();
    } catch (e) {
      this.ctx.toast(`Could not load your tickets: ${e.message}`);
      return;
    }
    const ids = new Set();
    for (const t of body.tickets) {
      ids.add(t.id);
      this.tickets.set(t.id, t);
      this.subscribeTicket(t.id);
    }
    for (const id of [...this.tickets.keys()]) if (!ids.has(id)) this.tickets.delete(id);
    this.renderList();
    if (this.current && this.tickets.has(this.current)) this.renderDetails();
    else if (!this.current && !this.showingAnalytics && body.tickets.length) this.select(body.tickets[0].id);
    else if (this.current && !this.tickets.has(this.current)) this.clearSelection();
  }

  subscribeTicket(id) {
    if (this.subscribedTickets.has(id)) return;
    this.subscribedTickets.add(id);
    this.ctx.conn.request({ type: 'subscribe', topic: `ticket:${id}` }).then((reply) => {
      // Unread messages of the ticket's threads, for this technician (then counted live from ticket messages).
      const unread = (reply.threads || []).reduce((n, th) => n + (th.unread || 0), 0);
      this.unread.set(id, id === this.current ? 0 : unread);
      this.markLive(id);
      this.renderList();
    }, (e) => {
      if (e.code === 'conflict') this.markLive(id);
      else this.subscribedTickets.delete(id);
    });
  }

  renderQueue() {
    const sorted = [...this.queue.values()].sort((a, b) => (a.created_at || '').localeCompare(b.created_at || ''));
    const items = sorted.map((t) => {
      const claim = el('button', { type: 'button', class: 'btn btn--primary btn--small', 'data-action': 'claim',
        onclick: () => this.claim(t.id, claim) }, 'Claim');
      const row = el('div', { class: 'navitem queue__item' },
        el('span', { class: 'navitem__title', text: ticketTitle(t) }),
        el('span', { class: 'navitem__row' },
          el('span', { class: `badge badge--prio-${t.priority}`, 'data-field': 'priority', text: pretty(t.priority) }),
          el('span', { class: 'badge', text: pretty(t.handoff_reason) })),
        el('span', { class: 'navitem__meta', text: `${ticketCustomer(t)} · ${ticketVehicle(t)}` }), claim);
      row.dataset.queueTicketId = t.id;
      return el('li', {}, row);
    });
    if (items.length === 0) items.push(el('li', { class: 'empty', text: 'Nobody is waiting.' }));
    this.queueList.replaceChildren(...items);
  }

  // Claim: the first technician wins; the others are told it is taken (conflict) and it leaves their queue.
  async claim(id, button) {
    button.disabled = true;
    try {
      const reply = await this.ctx.conn.request({ type: 'ticket.claim', ticket_id: id });
      this.queue.delete(id);
      this.renderQueue();
      // The gateway has subscribed this session to the ticket (a `subscribed` with the same ref follows).
      this.subscribedTickets.add(id);
      this.markLive(id);
      this.tickets.set(id, { ...(this.tickets.get(id) || {}), ...reply.ticket });
      await this.reload();
      this.select(id);
    } catch (e) {
      this.ctx.toast(e.code === 'conflict' ? 'Another technician has already claimed this ticket.' : `Could not claim: ${e.message}`);
      button.disabled = false;
    }
  }

  // data-live on a ticket's list entry: its events are being delivered (and tests wait for it).
  markLive(id) {
    this.live.add(id);
    const b = this.list.querySelector(`[data-ticket-id="${id}"]`);
    if (b) b.dataset.live = 'true';
  }

  renderList() {
    const sorted = [...this.tickets.values()].sort((a, b) => (b.updated_at || '').localeCompare(a.updated_at || ''));
    const items = sorted.map((t) => {
      const button = el('button', { type: 'button', class: 'navitem', 'aria-current': t.id === this.current ? 'true' : null,
        onclick: () => this.select(t.id) },
      el('span', { class: 'navitem__title', text: ticketTitle(t) }),
      el('span', { class: 'navitem__row' },
        el('span', { class: `badge badge--${t.status}`, 'data-field': 'status', text: pretty(t.status) }),
        el('span', { class: `badge badge--prio-${t.priority}`, 'data-field': 'priority', text: pretty(t.priority) })),
      el('span', { class: 'navitem__meta', text: `${ticketCustomer(t)} · ${ticketVehicle(t)}` }));
      const unread = this.unread.get(t.id) || 0;
      if (unread > 0) button.append(el('span', { class: 'unread', 'data-field': 'unread', text: String(unread), 'aria-label': `${unread} unread` }));
      button.dataset.ticketId = t.id;
      if (this.live.has(t.id)) button.dataset.live = 'true';
      return el('li', {}, button);
    });
    if (items.length === 0) items.push(el('li', { class: 'empty', text: 'No tickets are assigned to you.' }));
    this.list.replaceChildren(...items);
  }

  clearSelection() {
    if (this.currentThread && this.views.has(this.currentThread)) this.views.get(this.currentThread).detach();
    this.current = null;
    this.currentThread = null;
    this.main.replaceChildren(el('div', { class: 'main__head' }, el('h2', { class: 'main__title', text: 'Select a ticket' })));
  }

  // The Analytics panel takes the main area until a ticket is selected.
  showAnalytics() {
    this.clearSelection();
    this.renderList();
    this.setAnalytics(true);
    this.main.replaceChildren(this.analytics.root);
    this.analytics.load();
  }

  setAnalytics(on) {
    this.showingAnalytics = on;
    this.main.classList.toggle('main--analytics', on);
    if (this.analyticsButton) this.analyticsButton.setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  select(id) {
    if (this.current === id) return;
    this.setAnalytics(false);
    this.current = id;
    this.unread.set(id, 0);  // the open thread sends `read` as it shows messages
    this.renderList();
    this.renderDetails();
    const t = this.tickets.get(id);
    const threads = t.threads || [];
    this.openThread(threads.length ? threads[0].id : null);
  }

  renderDetails() {
    const t = this.tickets.get(this.current);
    if (!t) return;
    const field = (label, value, name) => [el('dt', { text: label }), el('dd', { 'data-field': name, text: value })];
    const details = el('dl', { class: 'details' },
      ...field('Status', pretty(t.status), 'status'),
      ...field('Priority', pretty(t.priority), 'priority'),
      ...field('Customer', ticketCustomer(t), 'customer'),
      ...field('Vehicle', ticketVehicle(t), 'vehicle'),
      ...(t.vin ? field('VIN', t.vin, 'vin') : []),
      ...field('Issue', t.kind === 'support_ticket' ? t.issue_summary || '—' : t.title || '—', 'issue'),
      ...field('Updated', t.updated_at ? shortTime(t.updated_at) : '—', 'updated'));
    const orders = (t.work_orders || []).map((w) => el('li', { class: 'order', 'data-work-order': w.id },
      el('div', { class: 'order__head' },
        el('span', { text: w.work_order_number || 'Work order' }),
        el('span', { class: `badge badge--${w.status}`, 'data-field': 'status', text: pretty(w.status) }),
        el('span', { class: 'order__cost', text: money(w.total_cost) })),
      el('p', { class: 'order__desc', text: w.description || '' })));
    const table = el('section', { 'aria-label': 'Work orders' },
      el('h3', { class: 'orders__title', text: 'Work orders' }),
      orders.length ? el('ul', { class: 'orders' }, ...orders) : el('p', { class: 'empty', text: 'No work orders yet.' }));
    if (!this.detailsBox) {
      // Built once and kept: moving the chat in the DOM would lose its scroll position and the composer's focus.
      this.heading = el('h2', { class: 'main__title' });
      this.detailsBox = el('section', { class: 'ticket', 'aria-label': 'Ticket details' });
      this.chatBox = el('section', { class: 'ticket-chat', 'aria-label': 'Ticket chat' });
    }
    if (this.detailsBox.parentNode !== this.main) {
      this.main.replaceChildren(el('div', { class: 'main__head' }, this.heading), this.detailsBox, this.chatBox);
    }
    this.heading.textContent = ticketHeading(t);
    this.detailsBox.replaceChildren(details, table);
  }

  renderTabs() {
    const t = this.tickets.get(this.current);
    const threads = (t && t.threads) || [];
    const view = this.currentThread ? this.views.get(this.currentThread) : null;
    const parts = [el('h3', { class: 'section-title', text: 'Conversation' })];
    if (threads.length > 1) {
      parts.push(el('div', { class: 'tabs', role: 'group', 'aria-label': 'Threads of this ticket' },
        ...threads.map((th, i) => el('button', { type: 'button', class: 'tab', 'aria-pressed': th.id === this.currentThread ? 'true' : 'false',
          onclick: () => this.openThread(th.id) }, th.title || `Thread ${i + 1}`))));
    }
    if (view) parts.push(view.root);
    else parts.push(el('p', { class: 'empty', text: 'No conversation is linked to this ticket.' }));
    this.chatBox.replaceChildren(...parts);
  }

  async openThread(id) {
    const previous = this.currentThread && this.currentThread !== id ? this.views.get(this.currentThread) : null;
    this.currentThread = id;
    let view = null;
    if (id) {
      view = this.views.get(id);
      if (!view) {
        const t = this.tickets.get(this.current);
        const thread = ((t && t.threads) || []).find((th) => th.id === id) || { id, title: 'Conversation', user_id: null };
        view = new MessageList(thread, this.ctx);
        this.views.set(id, view);
      }
    }
    this.renderTabs();
    if (previous) previous.detach();
    if (view && !view.subscribed) await view.attach();
  }

  view(threadId) {
    return this.views.get(threadId);
  }

  onFrame(frame) {
    switch (frame.type) {
      case 'ticket.updated': {
        const t = this.tickets.get(frame.ticket.id);
        if (!t) return;
        this.tickets.set(t.id, { ...t, ...frame.ticket });
        this.renderList();
        if (t.id === this.current) this.renderDetails();
        return;
      }
      case 'work_order.updated': {
        const w = frame.work_order;
        const t = this.tickets.get(w.ticket_id);
        if (!t) return;
        const orders = [...(t.work_orders || [])];
        const i = orders.findIndex((o) => o.id === w.id);
        if (i >= 0) orders[i] = { ...orders[i], ...w };
        else orders.push(w);
        t.work_orders = orders;
        if (t.id === this.current) this.renderDetails();
        return;
      }
      case 'ticket.assigned':
        this.reload();
        return;
      case 'ticket.queued':
        this.queue.set(frame.ticket.id, frame.ticket);
        this.renderQueue();
        return;
      case 'ticket.claimed':
      case 'ticket.dequeued':
        if (this.queue.delete(frame.ticket.id)) this.renderQueue();
        return;
      case 'ticket.unassigned': {
        const id = frame.ticket.id;
        this.tickets.delete(id);
        this.live.delete(id);
        if (this.subscribedTickets.delete(id)) {
          this.ctx.conn.request({ type: 'unsubscribe', topic: `ticket:${id}` }).catch(() => {});
        }
        this.renderList();
        if (this.current === id) this.clearSelection();
        return;
      }
      case 'unsubscribed':
        if (frame.topic && frame.topic.startsWith('ticket:')) this.subscribedTickets.delete(frame.topic.slice(7));
        return;
      case 'message': {
        // A ticket's message from someone else while that ticket is not open: one more unread.
        if (!frame.topic || !frame.topic.startsWith('ticket:') || frame.replay) return;
        const id = frame.topic.slice(7);
        if (id === this.current || frame.message.sender_id === this.ctx.me) return;
        this.unread.set(id, (this.unread.get(id) || 0) + 1);
        this.renderList();
        return;
      }
      default:
    }
  }
}
