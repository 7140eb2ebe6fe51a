// The admins' analytics panel in the web console (issue 17 item 6, docs/web.md, docs/desk.md "Analytics"), in
// headless Chromium against the real gateway and PostgreSQL: an admin sees every figure of data this test wrote
// (the expected values computed here, from the rows as written), the default range is the last 7 UTC days, a bad
// range is said as text; a technician is offered no panel and the gateway refuses them the summary. Run by ctest
// (web_analytics_e2e) like app.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Gateway, freshDatabase, launchBrowser, lit, newPage, psql, screenshot } from './harness.mjs';

const tag = randomUUID().slice(0, 8);
let db;
let gw;
let browser;
const admin = randomUUID();
const tech = randomUUID();

// The range the test asks for (UTC days, both included) and what it wrote.
const FROM = '2026-03-02';
const TO = '2026-03-04';
const customers = [0, 1, 2, 3, 4].map(() => randomUUID());
const threads = customers.map(() => randomUUID());
// [thread index, role, created_at, assistant confidence]
const messages = [
  [0, 'user', '2026-03-02T10:00:00Z'], [0, 'assistant', '2026-03-02T10:00:20Z', 0.9],
  [0, 'user', '2026-03-02T10:05:00Z'], [0, 'assistant', '2026-03-02T10:05:30Z', 0.6],
  [1, 'user', '2026-03-02T12:00:00Z'], [1, 'assistant', '2026-03-02T12:01:00Z', 0.3],
  [2, 'user', '2026-03-03T09:00:00Z'], [2, 'assistant', '2026-03-03T09:00:40Z', 0.2],
  [2, 'system', '2026-03-03T09:10:00Z'], [2, 'technician', '2026-03-03T09:30:00Z'], [2, 'user', '2026-03-03T09:31:00Z'],
  [3, 'user', '2026-03-04T23:59:00Z'],
  [0, 'user', '2026-03-05T08:00:00Z'], // after the range
  [4, 'user', '2026-03-01T23:59:59Z'], // before it: thread 4 is no conversation of the range
];
// [status, priority, extra columns]: the open ones count now, whatever the range.
const tickets = [
  { status: 'in_progress', priority: 'high', thread: 2, handed: '2026-03-03T09:10:00Z', claimed: '2026-03-03T09:12:30Z', reason: 'low_confidence' },
  { status: 'open', priority: 'normal' },
  { status: 'open', priority: 'urgent' },
  { status: 'waiting_parts', priority: 'normal' },
  { status: 'resolved', priority: 'low', created: '2026-03-02T08:00:00Z', resolved: '2026-03-03T08:00:00Z' },
  { status: 'closed', priority: 'normal', created: '2026-02-01T08:00:00Z', resolved: '2026-02-02T08:00:00Z' },
];

const inRange = (iso) => iso >= `${FROM}T00:00:00Z` && iso < '2026-03-05T00:00:00Z';

function countBy(items, key) {
  const out = {};
  for (const x of items) out[key(x)] = (out[key(x)] || 0) + 1;
  return out;
}

// percentile_cont: linear interpolation between the closest ranks.
function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

before(async () => {
  db = freshDatabase('tp_test_web_analytics_e2e');
  const people = customers.map((c, i) => `(${lit(c)}, ${lit(`cust${i}-${tag}`)}, ${lit(`Customer ${i}`)}, 'customer')`);
  psql(db, `INSERT INTO profiles (id, username, full_name, role) VALUES
    (${lit(admin)}, ${lit(`admin-${tag}`)}, 'Alex Admin', 'admin'),
    (${lit(tech)}, ${lit(`tech-${tag}`)}, 'Riley Park', 'technician'), ${people.join(', ')}`);
  psql(db, `INSERT INTO conversation_threads (id, user_id, title, assistant_enabled) VALUES
    ${threads.map((t, i) => `(${lit(t)}, ${lit(customers[i])}, ${lit(`Thread ${i}`)}, false)`).join(', ')}`);
  psql(db, `INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata, created_at) VALUES
    ${messages.map(([t, role, at, conf]) => `(${lit(threads[t])}, ${role === 'user' ? lit(customers[t]) : role === 'technician' ? lit(tech) : 'NULL'},
      ${lit(role)}, 'text', ${conf === undefined ? "'{}'" : `jsonb_build_object('confidence', ${conf}::numeric)`}, ${lit(at)})`).join(',\n')}`);
  tickets.forEach((k, i) => {
    const id = randomUUID();
    psql(db, `INSERT INTO support_tickets (id, ticket_number, customer_name, issue_summary, status, priority, handoff_reason,
                handed_off_at, claimed_at, assigned_technician, created_at, resolved_at)
              VALUES (${lit(id)}, ${lit(`AN-${i}-${tag}`)}, 'Customer', 'Brake noise', ${lit(k.status)}, ${lit(k.priority)},
                      ${lit(k.reason)}, ${lit(k.handed)}, ${lit(k.claimed)}, ${k.claimed ? lit(tech) : 'NULL'},
                      ${lit(k.created || k.handed || '2026-03-01T00:00:00Z')}, ${lit(k.resolved)})`);
    if (k.thread !== undefined) psql(db, `UPDATE conversation_threads SET ticket_id = ${lit(id)} WHERE id = ${lit(threads[k.thread])}`);
  });
  gw = await new Gateway(db, { TECHPULSE_AI_WORKERS: '0' }).start();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

async function signedIn(user, role) {
  const { context, page } = await newPage(browser, { width: 1280, height: 800 });
  await page.goto(`${gw.url()}#token=${gw.token(user, role)}`);
  await page.getByRole('status').filter({ hasText: /^Connected$/ }).waitFor();
  return { context, page };
}

test('an admin sees every figure of the data written, for the range chosen; the default is the last 7 days', async () => {
  const { context, page } = await signedIn(admin, 'admin');
  await page.getByRole('button', { name: 'Analytics', exact: true }).click();
  const panel = page.getByRole('region', { name: 'Analytics', exact: true });
  const ready = page.locator('section.analytics[data-state="ready"]');
  await ready.waitFor();
  // The default range: today and the 6 days before, in UTC.
  const today = new Date();
  const weekAgo = new Date(today.getTime() - 6 * 24 * 3600 * 1000);
  assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), weekAgo.toISOString().slice(0, 10));
  assert.equal(await page.getByLabel('To', { exact: true }).inputValue(), today.toISOString().slice(0, 10));
  // Nothing was written this week: the empty states are text.
  await panel.getByText('No messages in this range.').waitFor();
  await screenshot(page, 'analytics-empty-1280x800');

  // A To before the From is said, without asking.
  await page.getByLabel('From', { exact: true }).fill(TO);
  await page.getByLabel('To', { exact: true }).fill(FROM);
  await page.getByRole('button', { name: 'Show' }).click();
  await panel.getByRole('status').filter({ hasText: 'The From day is after the To day.' }).waitFor();

  await page.getByLabel('From', { exact: true }).fill(FROM);
  await page.getByLabel('To', { exact: true }).fill(TO);
  await page.getByRole('button', { name: 'Show' }).click();
  await panel.locator('tr[data-day]').first().waitFor();
  await ready.waitFor();

  // Messages per day by role: counted here from the rows written.
  const expectedDays = {};
  for (const [, role, at] of messages.filter(([, , at]) => inRange(at))) {
    const day = at.slice(0, 10);
    expectedDays[day] = expectedDays[day] || {};
    expectedDays[day][role] = (expectedDays[day][role] || 0) + 1;
  }
  const shownDays = await panel.locator('tr[data-day]').evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.dataset.day,
    Object.fromEntries([...r.querySelectorAll('td[data-role]')].filter((c) => c.textContent !== '0')
      .map((c) => [c.dataset.role, Number(c.textContent)]))])));
  assert.deepEqual(shownDays, expectedDays);

  // Open tickets by status and by priority: the ones not resolved or closed.
  const open = tickets.filter((k) => k.status !== 'resolved' && k.status !== 'closed');
  const shown = (attr) => panel.locator(`tr[data-${attr}]`).evaluateAll((rows, a) => Object.fromEntries(rows.map((r) =>
    [r.dataset[a], Number(r.querySelector('td[data-field="count"]').textContent)])), attr);
  assert.deepEqual(await shown('status'), countBy(open, (k) => k.status));
  assert.deepEqual(await shown('priority'), countBy(open, (k) => k.priority));

  // First response by the assistant: per conversation started in the range, its first customer message to the first
  // assistant message after it (seconds, all under a minute here).
  const firsts = [];
  let conversations = 0;
  threads.forEach((_, t) => {
    const rows = messages.filter(([i]) => i === t).sort((a, b) => a[2].localeCompare(b[2]));
    const asked = rows.find(([, role]) => role === 'user');
    if (!asked || !inRange(asked[2])) return;
    conversations++;
    const answer = rows.find(([, role, at]) => role === 'assistant' && at > asked[2]);
    if (answer) firsts.push((Date.parse(answer[2]) - Date.parse(asked[2])) / 1000);
  });
  const fr = panel.locator('tr[data-figure="first_response.assistant"]');
  assert.equal(await fr.locator('td[data-field="p50"]').textContent(), `${Math.round(percentile(firsts, 0.5))} s`);
  assert.equal(await fr.locator('td[data-field="p90"]').textContent(), `${Math.round(percentile(firsts, 0.9))} s`);
  assert.equal(await fr.locator('td[data-field="count"]').textContent(), `${firsts.length} conversation${firsts.length === 1 ? '' : 's'}`);

  // The handoff: its rate over the conversations, its reason, 20 min to the technician's first message, 2 min 30 s
  // to the claim; one ticket resolved in the range after a day; the mean confidence of the answers in the range.
  const handed = tickets.filter((k) => k.handed && inRange(k.handed));
  assert.equal(await panel.locator('[data-figure="handoffs.rate"]').textContent(),
    `${((100 * handed.length) / conversations).toFixed(1)} %`);
  assert.equal(await panel.locator('[data-figure="handoffs.count"]').textContent(),
    `${handed.length} handed off of ${conversations} conversation${conversations === 1 ? '' : 's'} started`);
  assert.equal(await panel.locator('tr[data-reason="low_confidence"] td[data-field="count"]').textContent(), '1');
  assert.equal(await panel.locator('tr[data-figure="first_response.human"] td[data-field="p50"]').textContent(), '20 min');
  assert.equal(await panel.locator('tr[data-figure="handoff_to_claim"] td[data-field="p50"]').textContent(), '2 min 30 s');
  assert.equal(await panel.locator('tr[data-figure="time_to_resolve"] td[data-field="p50"]').textContent(), '1 d');
  const confidences = messages.filter(([, role, at]) => role === 'assistant' && inRange(at)).map(([, , , c]) => c);
  assert.equal(await panel.locator('[data-figure="assistant_confidence.mean"]').textContent(),
    (confidences.reduce((a, c) => a + c, 0) / confidences.length).toFixed(2));

  await screenshot(page, 'analytics-1280x800');
  await panel.locator('tr[data-day]').last().scrollIntoViewIfNeeded();
  await screenshot(page, 'analytics-1280x800-end');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'analytics-390');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a technician is offered no analytics, and the gateway refuses them the summary', async () => {
  const { context, page } = await signedIn(tech, 'technician');
  await page.locator('ul.queue[data-live="true"]').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Analytics', exact: true }).count(), 0);
  assert.equal(await page.getByRole('region', { name: 'Analytics', exact: true }).count(), 0);
  // The frame the panel sends, over a WebSocket of the technician's own, and the HTTP route.
  const token = gw.token(tech, 'technician');
  const reply = await page.evaluate((t) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/v1/ws?access_token=${encodeURIComponent(t)}`);
    const timer = setTimeout(() => reject(new Error('no reply to analytics.summary in 10 s')), 10000);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'analytics.summary', ref: 'a1' }));
    ws.onmessage = (e) => {
      const f = JSON.parse(e.data);
      if (f.ref === 'a1') { clearTimeout(timer); ws.close(); resolve(f); }
    };
    ws.onerror = () => { clearTimeout(timer); reject(new Error('the WebSocket failed')); };
  }), token);
  assert.equal(reply.type, 'error');
  assert.equal(reply.code, 'forbidden');
  const res = await fetch(gw.url('/v1/analytics/summary'), { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error, 'forbidden');
  assert.deepEqual(page.problems, []);
  await context.close();
});
