// The admins' analytics panel in the console (docs/desk.md "Analytics", docs/web.md): a From/To range of UTC days
// (default the last 7, today included), the analytics.summary frame over the console's connection, and every
// figure as text tables with plain CSS bars. Shown only to admins (technician.js); the gateway refuses anyone else.
import { el } from './render.js';

const DAY_MS = 24 * 3600 * 1000;
const ROLE_LABELS = { user: 'Customer', assistant: 'Assistant', technician: 'Technician', system: 'System' };
const pretty = (s) => { const t = String(s).replace(/_/g, ' '); return t.charAt(0).toUpperCase() + t.slice(1); };
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// YYYY-MM-DD of a Date, in UTC (the summary's days are UTC days).
const utcDay = (d) => d.toISOString().slice(0, 10);

// Seconds as a person reads them: "45 s", "3 min 20 s", "2 h 5 min", "1 d 3 h".
function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const s = Math.round(Number(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`;
}

// A horizontal bar for a share of the largest value (width by CSSOM, which the CSP allows; no style attribute).
function bar(value, max) {
  const fill = el('span', { class: 'bar__fill' });
  fill.style.width = `${max > 0 ? Math.max(2, Math.round((100 * value) / max)) : 0}%`;
  return el('span', { class: 'bar', 'aria-hidden': 'true' }, fill);
}

function card(title, ...body) {
  return el('section', { class: 'acard', 'aria-label': title }, el('h3', { class: 'acard__title', text: title }), ...body);
}

function table(caption, head, rows) {
  return el('table', { class: 'atable' }, el('caption', { class: 'visually-hidden', text: caption }),
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows));
}

export class AnalyticsPanel {
  // ctx: {conn}
  constructor(ctx) {
    this.ctx = ctx;
    const today = new Date();
    this.fromInput = el('input', { type: 'date', id: 'analytics-from', required: true, value: utcDay(new Date(today.getTime() - 6 * DAY_MS)) });
    this.toInput = el('input', { type: 'date', id: 'analytics-to', required: true, value: utcDay(today) });
    const form = el('form', { class: 'arange', 'aria-label': 'Range', onsubmit: (e) => { e.preventDefault(); this.load(); } },
      el('label', { for: 'analytics-from', text: 'From' }), this.fromInput,
      el('label', { for: 'analytics-to', text: 'To' }), this.toInput,
      el('button', { type: 'submit', class: 'btn btn--primary' }, 'Show'),
      el('span', { class: 'arange__note', text: 'UTC days, both included' }));
    this.status = el('p', { class: 'astatus', role: 'status', text: '' });
    this.figures = el('div', { class: 'agrid' });
    this.root = el('section', { class: 'analytics', 'aria-label': 'Analytics' },
      el('div', { class: 'main__head' }, el('h2', { class: 'main__title', text: 'Analytics' }),
        el('p', { class: 'main__subtitle', text: 'The support desk: response times, handoffs, messages and open tickets.' })),
      form, this.status, this.figures);
    this.seq = 0;
  }

  // The summary of the range in the form; data-state on the panel says loading, ready or error (tests wait on it).
  async load() {
    const from = this.fromInput.value;
    const to = this.toInput.value;
    if (!from || !to || from > to) {
      this.seq++; // a request still in flight is not shown either
      this.figures.replaceChildren();
      this.show('error', from > to ? 'The From day is after the To day.' : 'Choose a From and a To day.');
      return;
    }
    const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS); // To is included: the range ends the day after
    const seq = ++this.seq;
    this.show('loading', 'Loading…');
    try {
      const reply = await this.ctx.conn.request({ type: 'analytics.summary', from: `${from}T00:00:00Z`, to: end.toISOString().replace('.000Z', 'Z') });
      if (seq !== this.seq) return;
      this.render(reply.summary || {});
      this.show('ready', '');
    } catch (e) {
      if (seq !== this.seq) return;
      this.figures.replaceChildren();
      this.show('error', e.code === 'disconnected' ? 'Not connected: the figures load when the connection is back.'
        : e.code === 'forbidden' ? 'Analytics are for admins.' : `Could not load the figures: ${e.message}`);
    }
  }

  show(state, text) {
    this.root.dataset.state = state;
    this.status.textContent = text;
    this.status.classList.toggle('astatus--error', state === 'error');
  }

  render(s) {
    this.figures.replaceChildren(this.times(s), this.handoffs(s.handoffs || {}), this.confidence(s.assistant_confidence || {}),
      this.open(s.open_tickets || {}), this.messages(s.messages_per_day || []));
  }

  times(s) {
    const fr = s.first_response || {};
    const rows = [
      ['First response by the assistant', 'first_response.assistant', fr.assistant, ['conversation', 'conversations']],
      ['First response by a technician', 'first_response.human', fr.human, ['ticket', 'tickets']],
      ['Handoff to claim', 'handoff_to_claim', s.handoff_to_claim, ['ticket', 'tickets']],
      ['Time to resolve', 'time_to_resolve', s.time_to_resolve, ['ticket', 'tickets']],
    ].map(([label, key, p, unit]) => {
      const n = (p && p.count) || 0;
      return el('tr', { 'data-figure': key },
        el('th', { scope: 'row', text: label }),
        el('td', { 'data-field': 'p50', text: n ? formatDuration(p.p50) : '—' }),
        el('td', { 'data-field': 'p90', text: n ? formatDuration(p.p90) : '—' }),
        el('td', { 'data-field': 'count', text: n ? plural(n, ...unit) : 'none in this range' }));
    });
    const c = card('Response times', table('Response times', ['', 'Median (p50)', 'p90', 'Counted'], rows));
    c.classList.add('acard--span2');
    return c;
  }

  handoffs(h) {
    const reasons = Object.entries(h.reasons || {}).sort((a, b) => b[1] - a[1]);
    const max = Math.max(0, ...reasons.map(([, n]) => n));
    const rate = h.rate === null || h.rate === undefined ? null : Number(h.rate);
    // The rate is over the conversations started in the range; a handoff of an older conversation counts, alone.
    const headline = rate === null
      ? el('p', { class: 'empty', 'data-figure': 'handoffs.rate', text: 'No conversations started in this range.' })
      : el('p', { class: 'abig', 'data-figure': 'handoffs.rate', text: `${(rate * 100).toFixed(1)} %` });
    const detail = rate === null && !h.count ? null : el('p', { class: 'anote', 'data-figure': 'handoffs.count',
      text: `${h.count || 0} handed off of ${plural(h.conversations || 0, 'conversation', 'conversations')} started` });
    const body = reasons.length
      ? table('Handoff reasons', ['Reason', 'Handoffs', ''], reasons.map(([r, n]) => el('tr', { 'data-reason': r },
        el('th', { scope: 'row', text: pretty(r) }), el('td', { 'data-field': 'count', text: String(n) }), el('td', {}, bar(n, max)))))
      : el('p', { class: 'empty', text: 'No handoffs in this range.' });
    return card('Handoff rate', headline, detail, body);
  }

  confidence(c) {
    const n = c.count || 0;
    const mean = n && c.mean !== null && c.mean !== undefined ? Number(c.mean) : null;
    if (mean === null) return card('Assistant confidence', el('p', { class: 'empty', text: 'No assistant answers with a confidence in this range.' }));
    return card('Assistant confidence',
      el('p', { class: 'abig', 'data-figure': 'assistant_confidence.mean', text: mean.toFixed(2) }),
      el('p', { class: 'anote', text: `mean of ${plural(n, 'answer', 'answers')} (0 = unsure, 1 = sure)` }), bar(mean, 1));
  }

  open(o) {
    const part = (title, key, counts) => {
      const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
      const max = Math.max(0, ...entries.map(([, n]) => n));
      return table(title, [title, 'Tickets', ''], entries.map(([k, n]) => el('tr', { [`data-${key}`]: k },
        el('th', { scope: 'row', text: pretty(k) }), el('td', { 'data-field': 'count', text: String(n) }), el('td', {}, bar(n, max)))));
    };
    const total = Object.values(o.by_status || {}).reduce((a, n) => a + n, 0);
    const c = total ? card('Open tickets now', el('p', { class: 'anote', text: `${plural(total, 'ticket', 'tickets')} not resolved or closed` }),
      el('div', { class: 'apair' }, part('Status', 'status', o.by_status), part('Priority', 'priority', o.by_priority)))
      : card('Open tickets now', el('p', { class: 'empty', text: 'No open tickets.' }));
    c.classList.add('acard--span2');
    return c;
  }

  messages(days) {
    if (!days.length) {
      const c = card('Messages per day', el('p', { class: 'empty', text: 'No messages in this range.' }));
      c.classList.add('acard--wide');
      return c;
    }
    const known = Object.keys(ROLE_LABELS);
    const roles = [...new Set(days.map((d) => d.role))].sort((a, b) => (known.indexOf(a) + 1 || 99) - (known.indexOf(b) + 1 || 99));
    const byDay = new Map();
    for (const d of days) {
      if (!byDay.has(d.day)) byDay.set(d.day, new Map());
      byDay.get(d.day).set(d.role, d.count);
    }
    const totals = [...byDay.values()].map((m) => [...m.values()].reduce((a, n) => a + n, 0));
    const max = Math.max(0, ...totals);
    const rows = [...byDay.entries()].map(([day, m], i) => el('tr', { 'data-day': day },
      el('th', { scope: 'row', text: day }),
      ...roles.map((r) => el('td', { 'data-role': r, text: String(m.get(r) || 0) })),
      el('td', { 'data-field': 'total', text: String(totals[i]) }), el('td', {}, bar(totals[i], max))));
    const c = card('Messages per day', table('Messages per day by role',
      ['Day (UTC)', ...roles.map((r) => ROLE_LABELS[r] || pretty(r)), 'Total', ''], rows));
    c.classList.add('acard--wide');
    return c;
  }
}
