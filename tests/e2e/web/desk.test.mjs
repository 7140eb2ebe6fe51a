// The support desk in the web app (docs/desk.md, docs/web.md), in headless Chromium against the real gateway and
// PostgreSQL: the customer's "Talk to a technician", the technician console's queue with Claim, a second
// technician's queue emptied live. Run by ctest (web_desk_e2e) like app.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Gateway, freshDatabase, launchBrowser, lit, makeThread, newPage, psql, screenshot, seedPeople } from './harness.mjs';

const tag = randomUUID().slice(0, 8);
let db;
let gw;
let browser;
let ids;

before(async () => {
  db = freshDatabase('tp_test_web_desk_e2e');
  ids = seedPeople(db, tag);
  gw = await new Gateway(db).start();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

async function signedIn(user, role) {
  const { context, page } = await newPage(browser, {});
  await page.goto(`${gw.url()}#token=${gw.token(user, role)}`);
  await page.getByRole('status').filter({ hasText: /^Connected$/ }).waitFor();
  return { context, page };
}

test('a customer asks for a technician; the queue shows it to every technician; Claim takes it, once', async () => {
  const second = randomUUID();
  psql(db, `INSERT INTO profiles (id, username, full_name, role) VALUES (${lit(second)}, ${lit(`sam-${tag}`)}, 'Sam Ortiz', 'technician')`);
  const thread = makeThread(db, ids.otherCustomer, 'Smoke from the vents', { assistant: true });
  psql(db, `INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at)
            VALUES (${lit(thread)}, ${lit(ids.otherCustomer)}, 'user', 'There is smoke coming from the vents', now() - interval '1 hour')`);

  const tech = await signedIn(ids.technician, 'technician');
  const tech2 = await signedIn(second, 'technician');
  for (const p of [tech.page, tech2.page]) await p.locator('ul.queue[data-live="true"]').waitFor();

  const cust = await signedIn(ids.otherCustomer, 'customer');
  await cust.page.getByRole('button', { name: /Smoke from the vents/ }).click();
  await cust.page.locator('[role="log"][aria-label="Messages"][data-live="true"]').waitFor();
  await cust.page.getByRole('button', { name: 'Talk to a technician' }).click();
  // The system message, and the button says it is done.
  await cust.page.getByRole('log', { name: 'Messages' }).getByText(/A technician will join this conversation/).waitFor();
  await cust.page.getByRole('button', { name: 'Technician requested' }).waitFor();
  const ticket = psql(db, `SELECT ticket_id FROM conversation_threads WHERE id = ${lit(thread)}`).trim();
  assert.match(ticket, /^[0-9a-f-]{36}$/);
  assert.equal(psql(db, `SELECT priority FROM support_tickets WHERE id = ${lit(ticket)}`).trim(), 'high');

  // Both consoles list it in the queue, live; the first technician claims it.
  const entry = (p) => p.locator(`[data-queue-ticket-id="${ticket}"]`);
  for (const p of [tech.page, tech2.page]) await entry(p).waitFor();
  assert.match(await entry(tech.page).textContent(), /Omar Haddad/);
  await screenshot(tech.page, 'desk-queue-1280');
  await entry(tech.page).getByRole('button', { name: 'Claim' }).click();
  // It moves to "Assigned to you" and opens; it leaves the other technician's queue.
  await tech.page.getByRole('navigation', { name: 'Tickets' }).locator(`[data-ticket-id="${ticket}"]`).waitFor();
  await entry(tech.page).waitFor({ state: 'detached' });
  await entry(tech2.page).waitFor({ state: 'detached' });
  assert.equal(psql(db, `SELECT assigned_technician FROM support_tickets WHERE id = ${lit(ticket)}`).trim(), ids.technician);
  for (const p of [tech.page, tech2.page, cust.page]) assert.deepEqual(p.problems, []);
  for (const c of [tech, tech2, cust]) await c.context.close();
});
