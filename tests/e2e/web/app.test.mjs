// The web app in headless Chromium against the real gateway binary and a real PostgreSQL (docs/web.md).
// Run by ctest (tests/CMakeLists.txt, web_e2e) with TECHPULSE_GATEWAY_BIN, TECHPULSE_SOURCE_DIR,
// TECHPULSE_TEST_PG_URL and TECHPULSE_WEB_E2E_OUT (the screenshots and gateway logs) in the environment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import {
  FOREIGN_ORIGIN, Gateway, Relay, freshDatabase, insertLegacyMessage, insertMessage, launchBrowser, lit, makeThread,
  newPage, outputDir, psql, screenshot, seedPeople, until, uploadAttachment,
} from './harness.mjs';

const tag = randomUUID().slice(0, 8);

// A real PNG (a screenshot of a blank page), so an <img> of it has a size when it loads.
async function dashboardPng() {
  const { context, page } = await newPage(browser, { width: 320, height: 180 });
  await page.setContent('<body style="margin:0;background:#1d2733"><div style="margin:60px auto;width:60px;height:60px;border-radius:30px;background:#e0a000"></div></body>');
  const png = await page.screenshot();
  await context.close();
  return png;
}
let db;
let gw;
let browser;
let ids;

before(async () => {
  db = freshDatabase('tp_test_web_e2e');
  ids = seedPeople(db, tag);
  gw = await new Gateway(db).start();
  browser = await launchBrowser();
  console.log(`# web_e2e output (screenshots, gateway logs): ${outputDir()}`);
});

after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

const statusIs = (page, text) => page.getByRole('status').filter({ hasText: new RegExp(`^${text}$`) }).waitFor();
const liveLog = (page) => page.locator('[role="log"][aria-label="Messages"][data-live="true"]').waitFor();
const messageIn = (page, text) => page.getByRole('log', { name: 'Messages' }).locator('article.msg', {
  has: page.locator('.msg__body', { hasText: text }),
});

async function signedIn(user, role, { width, height, colorScheme, base } = {}) {
  const { context, page } = await newPage(browser, { width, height, colorScheme });
  await page.goto(`${base || gw.url()}#token=${gw.token(user, role)}`);
  await statusIs(page, 'Connected');
  return { context, page };
}

// Every data-state an element with this content took, in order (recorded in the page by a MutationObserver).
async function recordStates(page) {
  await page.evaluate(() => {
    window.__states = [];
    const seen = (node) => {
      if (node.nodeType === 1 && node.matches('article.msg')) {
        window.__states.push({ text: node.querySelector('.msg__body')?.textContent, state: node.dataset.state });
      }
    };
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes') seen(r.target);
        for (const n of r.addedNodes || []) seen(n);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
}
const statesOf = (page, text) => page.evaluate((t) => window.__states.filter((s) => s.text === t).map((s) => s.state), text);

function rawRequest(path, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: gw.port, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: res.headers, body: Buffer.alloc(0) });
    });
    req.on('error', reject);
    req.end();
  });
}

test('the gateway serves the app at / with Content-Type, ETag and 304, gzip and a strict CSP', async () => {
  const page = await rawRequest('/', { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['content-encoding'], 'gzip');
  const html = zlib.gunzipSync(page.body).toString('utf8');
  assert.match(html, /<script type="module" src="\/app.js"><\/script>/);
  assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
  const csp = page.headers['content-security-policy'];
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.ok(page.headers.etag);

  const again = await rawRequest('/', { 'Accept-Encoding': 'gzip', 'If-None-Match': page.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);

  const plain = await rawRequest('/app.js', {});
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.match(plain.body.toString('utf8'), /import \{ Connection/);
  assert.equal((await rawRequest('/app.css', {})).headers['content-type'], 'text/css; charset=utf-8');
  assert.equal((await rawRequest('/no-such-file.js', {})).status, 404);
  assert.equal((await rawRequest('/../CMakeLists.txt', {})).status, 404);

  // --allowed-origins names another site: a foreign page is refused, the gateway's own page is not.
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const upgrade = (origin) => rawRequest(`/v1/ws?access_token=${gw.token(ids.customer)}`, {
    Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key, Origin: origin,
  });
  assert.equal((await upgrade('https://evil.example')).status, 403);
  assert.equal((await upgrade(FOREIGN_ORIGIN)).status, 101);
  assert.equal((await upgrade(`http://127.0.0.1:${gw.port}`)).status, 101);
});

function forgedToken(sub, { exp, secret }) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, role: 'customer', exp, iat: exp - 3600 })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

test('sign-in: #token= signs in and leaves the address bar, the form signs in, Sign out, refused tokens explain themselves', async () => {
  const { context, page } = await signedIn(ids.customer, 'customer');
  assert.doesNotMatch(page.url(), /token/);
  const stored = await page.evaluate(() => sessionStorage.getItem('techpulse.access_token'));
  assert.ok(stored && stored.split('.').length === 3);
  await page.getByRole('navigation', { name: 'Threads' }).waitFor();

  // A new token for the same user renews the session with `auth`, without a reconnect.
  await page.evaluate((t) => { location.hash = `token=${t}`; }, gw.token(ids.customer, 'customer', 7200));
  await page.getByRole('alert').filter({ hasText: 'Your session was renewed.' }).waitFor();
  assert.doesNotMatch(page.url(), /token/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('textbox', { name: 'Access token' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('techpulse.access_token')), null);
  await screenshot(page, 'signin-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'signin-390');

  await page.getByRole('textbox', { name: 'Access token' }).fill(gw.token(ids.customer));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await statusIs(page, 'Connected');
  await page.getByRole('navigation', { name: 'Threads' }).waitFor();
  await context.close();

  // Expired: the app says so instead of showing a blank page.
  const expired = await newPage(browser);
  await expired.page.goto(`${gw.url()}#token=${forgedToken(ids.customer, { exp: Math.floor(Date.now() / 1000) - 60, secret: 'web-e2e-secret-0123456789abcdef' })}`);
  await expired.page.locator('#signin-message', { hasText: 'This access token has expired' }).waitFor();
  await expired.page.getByRole('button', { name: 'Sign in' }).waitFor();
  await expired.context.close();

  // A token that expires while connected: the gateway closes with 4401 and the app says why.
  const short = await newPage(browser);
  await short.page.goto(`${gw.url()}#token=${gw.token(ids.customer, 'customer', 5)}`);
  await short.page.getByRole('navigation', { name: 'Threads' }).waitFor();
  await short.page.locator('#signin-message', { hasText: 'Your session has expired' }).waitFor({ timeout: 15000 });
  await short.page.getByRole('textbox', { name: 'Access token' }).waitFor();
  await short.context.close();

  // Refused by the gateway (wrong signature): the reason, from the gateway's 401, not an endless spinner.
  const forged = await newPage(browser);
  await forged.page.goto(`${gw.url()}#token=${forgedToken(ids.customer, { exp: Math.floor(Date.now() / 1000) + 600, secret: 'not-the-secret' })}`);
  await forged.page.locator('#signin-message', { hasText: 'This access token was refused' }).waitFor();
  await forged.context.close();
});

test('a customer sends a message: pending then sent, once, and the technician on the ticket sees it live', async () => {
  const customer = await signedIn(ids.customer, 'customer');
  const tech = await signedIn(ids.technician, 'technician');
  await customer.page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: /Grinding brakes/ }).click();
  await liveLog(customer.page);
  await tech.page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: new RegExp(`TP-${tag}`) }).waitFor();
  await liveLog(tech.page);

  await recordStates(customer.page);
  const text = `The grinding is louder when I turn left (${randomUUID().slice(0, 6)})`;
  const box = customer.page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  // Typing is announced to the other side (at most every 2 s).
  await tech.page.getByText('The customer is typing…').waitFor();
  await box.press('Enter');

  await messageIn(tech.page, text).waitFor();
  const mine = messageIn(customer.page, text);
  await customer.page.locator('article.msg[data-state="sent"]', { hasText: text }).waitFor();
  const states = await statesOf(customer.page, text);
  assert.equal(states[0], 'pending', `states: ${states}`);
  assert.equal(states.at(-1), 'sent', `states: ${states}`);
  assert.ok(!states.includes('failed'));

  assert.equal(await mine.count(), 1);
  assert.equal(await messageIn(tech.page, text).count(), 1);
  const rows = psql(db, `SELECT seq FROM chat_messages WHERE content = ${lit(text)}`).split('\n').filter(Boolean);
  assert.equal(rows.length, 1);
  assert.equal(await mine.getAttribute('data-cursor'), rows[0]);
  assert.equal(await messageIn(tech.page, text).getAttribute('data-cursor'), rows[0]);

  // The technician replies in the thread; the customer sees it live.
  const reply = 'Thanks Dana, please avoid long drives until we check the pads.';
  await tech.page.getByRole('textbox', { name: 'Message' }).fill(reply);
  await tech.page.getByRole('button', { name: 'Send' }).click();
  await messageIn(customer.page, reply).waitFor();
  await tech.page.locator('article.msg[data-state="sent"]', { hasText: reply }).waitFor();
  assert.equal(psql(db, `SELECT role FROM chat_messages WHERE content = ${lit(reply)}`), 'technician');
  assert.deepEqual(customer.page.problems.concat(tech.page.problems), []);
  await customer.context.close();
  await tech.context.close();
});

test("an assistant answer streams into the customer's page and ends with its sources", async () => {
  const thread = makeThread(db, ids.customer, 'Car will not start', { assistant: true });
  const { context, page } = await signedIn(ids.customer, 'customer');
  await page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: 'Car will not start' }).click();
  await liveLog(page);
  await page.evaluate(() => {
    window.__stream = [];
    new MutationObserver(() => {
      const a = document.querySelector('article.msg--assistant.msg--streaming .msg__body');
      if (a && a.textContent && window.__stream.at(-1) !== a.textContent) window.__stream.push(a.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByRole('textbox', { name: 'Message' }).fill("My car won't start, I just hear rapid clicking when I turn the key");
  await page.getByRole('button', { name: 'Send' }).click();

  const answer = page.locator('article.msg--assistant[data-state="sent"]');
  await answer.locator('.sources li').first().waitFor({ timeout: 20000 });
  const stream = await page.evaluate(() => window.__stream);
  assert.ok(stream.length >= 2, `the answer arrived in ${stream.length} visible step(s)`);
  for (let i = 1; i < stream.length; i++) assert.ok(stream[i].startsWith(stream[i - 1]), 'each step extends the last');

  const stored = JSON.parse(psql(db, `SELECT json_build_object('content', content, 'sources', metadata->'sources')
                                        FROM chat_messages WHERE thread_id = ${lit(thread)} AND role = 'assistant'`));
  assert.equal(await answer.locator('.msg__body').textContent(), stored.content);
  const titles = await answer.locator('.sources li').allTextContents();
  assert.deepEqual(titles, stored.sources.map((s) => s.title));
  await answer.locator('.confidence', { hasText: /Confidence \d+%/ }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Stop' }).isVisible(), false);
  assert.equal(await answer.count(), 1);
  assert.deepEqual(page.problems, []);
  await context.close();
});

// A local server speaking the OpenAI streaming wire format (the remote LLM cannot run here): it streams one piece
// of an answer and then holds the stream open until the gateway closes it, so Stop is pressed mid-answer.
async function holdingLlm() {
  const llm = { requests: 0 };
  llm.closed = new Promise((resolve) => { llm.onClosed = resolve; });
  const chunk = (delta) => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000,
    model: 'fake', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
  llm.server = http.createServer((req, res) => {
    llm.requests += 1;
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(chunk({ role: 'assistant' }));
    res.write(chunk({ content: 'Rapid clicking usually means the starter is not getting enough current' }));
    res.on('close', () => llm.onClosed());
  });
  llm.server.listen(0, '127.0.0.1');
  await new Promise((r) => llm.server.once('listening', r));
  llm.baseUrl = `http://127.0.0.1:${llm.server.address().port}/v1`;
  return llm;
}

test('Stop cancels a streaming answer: assistant.cancel ends the turn as cancelled and stores nothing', async () => {
  const llm = await holdingLlm();
  const stopDb = freshDatabase('tp_test_web_e2e_stop');
  const people = seedPeople(stopDb, `${tag}s`);
  const thread = makeThread(stopDb, people.customer, 'Clicking when starting', { assistant: true });
  const gw2 = await new Gateway(stopDb, { TECHPULSE_AI_PROVIDER: 'openai', TECHPULSE_AI_BASE_URL: llm.baseUrl,
    TECHPULSE_AI_MODEL: 'fake-model', TECHPULSE_AI_API_KEY: 'sk-test-web-0123', TECHPULSE_AI_TIMEOUT_MS: '30000' }).start();
  try {
    const { context, page } = await signedIn(people.customer, 'customer', { base: gw2.url() });
    await page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: 'Clicking when starting' }).click();
    await liveLog(page);
    await page.getByRole('textbox', { name: 'Message' }).fill('I hear rapid clicking when I turn the key');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.locator('article.msg--assistant.msg--streaming', { hasText: 'starter is not getting enough current' });
    await answer.waitFor();
    assert.equal(await answer.getAttribute('data-state'), 'pending');
    await page.getByRole('button', { name: 'Stop' }).click();

    const stopped = page.locator('article.msg--assistant[data-state="failed"]', { hasText: 'Stopped' });
    await stopped.waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'hidden' });
    await llm.closed; // the gateway dropped the upstream request
    assert.equal(llm.requests, 1);
    assert.equal(psql(stopDb, `SELECT count(*) FROM chat_messages WHERE thread_id = ${lit(thread)} AND role = 'assistant'`), '0');
    await until('the job to be marked cancelled',
      () => psql(stopDb, `SELECT status FROM assistant_jobs WHERE thread_id = ${lit(thread)}`) === 'cancelled');
    assert.deepEqual(page.problems, []);
    await context.close();
  } finally {
    await gw2.stop();
    llm.server.closeAllConnections();
    llm.server.close();
  }
});

test('ticket.updated and work_order.updated from SQL change the console without a reload', async () => {
  const { context, page } = await signedIn(ids.technician, 'technician');
  const item = page.getByRole('navigation', { name: 'Tickets' }).locator(`[data-ticket-id="${ids.ticket}"][data-live="true"]`);
  await item.waitFor();
  await page.locator('.details dd[data-field="status"]', { hasText: 'in progress' }).waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });

  psql(db, `UPDATE support_tickets SET status = 'waiting_parts', updated_at = now() WHERE id = ${lit(ids.ticket)}`);
  await item.locator('[data-field="status"]', { hasText: 'waiting parts' }).waitFor();
  await page.locator('.details dd[data-field="status"]', { hasText: 'waiting parts' }).waitFor();

  psql(db, `UPDATE work_orders SET status = 'in_progress' WHERE id = ${lit(ids.workOrder)}`);
  await page.locator(`[data-work-order="${ids.workOrder}"] [data-field="status"]`, { hasText: "in progress" }).waitFor();
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload happened');

  psql(db, `UPDATE support_tickets SET status = 'in_progress' WHERE id = ${lit(ids.ticket)}`);
  await item.locator('[data-field="status"]', { hasText: 'in progress' }).waitFor();
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the network is cut: Reconnecting…/Offline, then the SQL messages and the typed ones each appear once, stored once', async () => {
  const thread = makeThread(db, ids.customer, 'Dashboard lights flicker');
  const relay = await new Relay(gw.port).start();
  const { context, page } = await signedIn(ids.customer, 'customer', { base: relay.url() });
  try {
    await page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: 'Dashboard lights flicker' }).click();
    await liveLog(page);
    const box = page.getByRole('textbox', { name: 'Message' });

    // The gateway's replies are lost on the way: this send is stored, but its ack never arrives.
    relay.setMode('mute');
    const lostAck = `Typed while the replies were lost ${tag}`;
    await box.fill(lostAck);
    await box.press('Enter');
    await until('the muted send to be stored', () => psql(db, `SELECT count(*) FROM chat_messages WHERE content = ${lit(lostAck)}`) === '1');
    assert.equal(await messageIn(page, lostAck).getAttribute('data-state'), 'pending');
    const bySqlMuted = `Inserted by SQL while muted ${tag}`;
    insertMessage(db, thread, ids.technician, 'technician', bySqlMuted);

    // Then the network is gone.
    relay.setMode('cut');
    await statusIs(page, 'Reconnecting…');
    await context.setOffline(true);
    await statusIs(page, 'Offline');
    const typedOffline = `Typed while offline ${tag}`;
    await box.fill(typedOffline);
    await box.press('Enter');
    assert.equal(await messageIn(page, typedOffline).getAttribute('data-state'), 'pending');
    const bySqlOffline = `Inserted by SQL while offline ${tag}`;
    insertMessage(db, thread, ids.technician, 'technician', bySqlOffline);
    await screenshot(page, 'customer-offline-1280');

    // The network returns.
    relay.setMode('pass');
    await context.setOffline(false);
    await statusIs(page, 'Connected');
    for (const text of [lostAck, typedOffline]) {
      await page.locator('article.msg[data-state="sent"]', { hasText: text }).waitFor();
    }
    for (const text of [bySqlMuted, bySqlOffline]) await messageIn(page, text).waitFor();

    const all = [lostAck, bySqlMuted, typedOffline, bySqlOffline];
    for (const text of all) {
      assert.equal(await messageIn(page, text).count(), 1, `"${text}" is shown once`);
      assert.equal(psql(db, `SELECT count(*) FROM chat_messages WHERE content = ${lit(text)}`), '1', `"${text}" is stored once`);
      const seq = psql(db, `SELECT seq FROM chat_messages WHERE content = ${lit(text)}`);
      assert.equal(await messageIn(page, text).getAttribute('data-cursor'), seq);
    }
    // In cursor order on the page.
    const cursors = await page.getByRole('log', { name: 'Messages' }).locator('article.msg').evaluateAll(
      (els) => els.map((e) => Number(e.dataset.cursor)));
    assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b));
    assert.equal(await page.locator('article.msg[data-state="failed"]').count(), 0);
  } finally {
    await context.close();
    await relay.stop();
  }
});

test('message content with <img src=x onerror=...> renders as text and runs nothing', async () => {
  const thread = makeThread(db, ids.customer, 'Odd characters', { ticketId: ids.ticket });
  const customer = await signedIn(ids.customer, 'customer');
  const attack = '<img src=x onerror="window.__xss=(window.__xss||0)+1;alert(1)">';
  const bySql = '<script>window.__xss=1</script><b onmouseover="alert(2)">bold?</b>';
  insertMessage(db, thread, ids.technician, 'technician', bySql);
  // Rows from before the attachment rules (migration 009) may hold any url: it must never become a link.
  insertLegacyMessage(db, thread, ids.technician, 'technician', 'a file with a script URL', { type: 'file', metadata: { url: 'javascript:alert(3)', name: 'x.pdf' } });
  insertLegacyMessage(db, thread, ids.technician, 'technician', 'an image with a script URL', { type: 'image', metadata: { url: 'javascript:alert(4)' } });
  await customer.page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: 'Odd characters' }).click();
  await liveLog(customer.page);
  await messageIn(customer.page, 'bold?').waitFor();
  await customer.page.getByRole('textbox', { name: 'Message' }).fill(attack);
  await customer.page.getByRole('button', { name: 'Send' }).click();
  await customer.page.locator('article.msg[data-state="sent"]', { hasText: 'onerror' }).waitFor();

  // The technician sees both, live, as text too.
  const tech = await signedIn(ids.technician, 'technician');
  await tech.page.getByRole('button', { name: 'Odd characters' }).click();
  await liveLog(tech.page);
  for (const page of [customer.page, tech.page]) {
    const bodies = await page.getByRole('log', { name: 'Messages' }).locator('.msg__body').allTextContents();
    assert.ok(bodies.includes(attack), 'the attack is shown as its text');
    assert.ok(bodies.includes(bySql));
    assert.equal(await page.locator('.msg__body img, .msg__body script, .msg__body b').count(), 0);
    assert.equal(await page.locator('[href^="javascript"], [src^="javascript"]').count(), 0);
    await messageIn(page, 'a file with a script URL').waitFor();
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.deepEqual(page.dialogs, []);
    assert.deepEqual(page.problems, []);
  }
  await customer.context.close();
  await tech.context.close();
});

test('the Threads list is live: New thread, named by its first message, and a thread inserted by SQL', async () => {
  const user = randomUUID();
  psql(db, `INSERT INTO profiles (id, username, full_name, role) VALUES (${lit(user)}, ${lit(`nina-${tag}`)}, 'Nina Brandt', 'customer')`);
  const { context, page } = await signedIn(user, 'customer');
  const nav = page.getByRole('navigation', { name: 'Threads' });
  await nav.getByText('No conversations yet.').waitFor();
  await nav.getByRole('button', { name: 'New thread' }).click();
  await nav.getByRole('button', { name: /New conversation/ }).waitFor();
  await liveLog(page);
  await page.getByRole('textbox', { name: 'Message' }).fill('Wipers squeak on a dry windshield');
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await nav.getByRole('button', { name: /Wipers squeak on a dry windshield/ }).waitFor();
  await page.getByRole('heading', { name: 'Wipers squeak on a dry windshield' }).waitFor();
  assert.equal(psql(db, `SELECT title FROM conversation_threads WHERE user_id = ${lit(user)}`), 'Wipers squeak on a dry windshield');

  // Shift+Enter is a new line, Enter sends.
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.press('l');
  await box.pressSequentially('ine one');
  await box.press('Shift+Enter');
  await box.pressSequentially('line two');
  assert.equal(await box.inputValue(), 'line one\nline two');
  await box.press('Enter');
  await page.locator('article.msg[data-state="sent"]', { hasText: 'line two' }).waitFor();
  assert.equal(await messageIn(page, 'line two').locator('.msg__body').textContent(), 'line one\nline two');
  assert.equal(await box.inputValue(), '');

  // Another writer (SQL) creates a thread for this user: it appears at the top, live.
  makeThread(db, user, 'Opened by the call centre');
  const first = nav.locator('li').first().getByRole('button', { name: /Opened by the call centre/ });
  await first.waitFor();
  assert.equal(await nav.locator('li').count(), 2);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('tickets assigned and unassigned by SQL come and go in the console live', async () => {
  const { context, page } = await signedIn(ids.technician, 'technician');
  const nav = page.getByRole('navigation', { name: 'Tickets' });
  await nav.locator(`[data-ticket-id="${ids.ticket}"][data-live="true"]`).waitFor();
  const ticket = randomUUID();
  psql(db, `INSERT INTO support_tickets (id, ticket_number, customer_name, vehicle_info, issue_summary, priority, status)
            VALUES (${lit(ticket)}, ${lit(`TP-N${tag}`)}, 'Omar Haddad', '2020 Kia Soul', 'Squealing belt on cold starts', 'low', 'open')`);
  psql(db, `UPDATE support_tickets SET assigned_technician = ${lit(ids.technician)} WHERE id = ${lit(ticket)}`);
  const item = nav.locator(`[data-ticket-id="${ticket}"][data-live="true"]`);
  await item.waitFor();
  assert.match(await item.textContent(), /Omar Haddad · 2020 Kia Soul/);
  // Live on its topic from now on.
  psql(db, `UPDATE support_tickets SET priority = 'high' WHERE id = ${lit(ticket)}`);
  await item.locator('[data-field="priority"]', { hasText: 'high' }).waitFor();
  psql(db, `UPDATE support_tickets SET assigned_technician = NULL WHERE id = ${lit(ticket)}`);
  await nav.locator(`[data-ticket-id="${ticket}"]`).waitFor({ state: 'detached' });
  await nav.locator(`[data-ticket-id="${ids.ticket}"]`).waitFor();
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('older messages page in when the log is scrolled to the top', async () => {
  const thread = makeThread(db, ids.otherCustomer, 'Long conversation');
  psql(db, `INSERT INTO chat_messages (thread_id, sender_id, role, content)
            SELECT ${lit(thread)}, ${lit(ids.otherCustomer)}, 'user', 'Message ' || i FROM generate_series(1, 75) i`);
  const { context, page } = await signedIn(ids.otherCustomer, 'customer');
  await liveLog(page);
  const log = page.getByRole('log', { name: 'Messages' });
  await messageIn(page, /^Message 75$/).waitFor();
  assert.equal(await log.locator('article.msg').count(), 30);
  for (const oldest of ['Message 16', 'Message 1']) {
    await log.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await messageIn(page, new RegExp(`^${oldest}$`)).waitFor();
  }
  const texts = await log.locator('.msg__body').allTextContents();
  assert.deepEqual(texts, Array.from({ length: 75 }, (_, i) => `Message ${i + 1}`));
  await log.locator('.log__note', { hasText: 'Beginning of the conversation' }).waitFor();
  await context.close();
});

test('screenshots of the customer and technician views at 390 px and 1280 px', async () => {
  // A conversation with attachments (image, file, voice) and an assistant answer with its sources.
  const thread = makeThread(db, ids.customer, 'Battery warning on the Outback', { ticketId: ids.ticket });
  // Uploaded like the app uploads them, then carried by messages (the trigger fills in name, type, size, url).
  const customerToken = gw.token(ids.customer, 'customer');
  const photo = await uploadAttachment(gw, customerToken, thread, 'image/png', 'dashboard.png', await dashboardPng());
  const checklist = await uploadAttachment(gw, gw.token(ids.technician, 'technician'), thread, 'application/pdf',
    'inspection-checklist.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(48204, 'x')]));
  const voice = await uploadAttachment(gw, customerToken, thread, 'audio/ogg', 'noise.ogg', Buffer.concat([Buffer.from('OggS'), Buffer.alloc(4000, 1)]));
  insertMessage(db, thread, ids.customer, 'user', 'Here is a photo of the dashboard warning.', { type: 'image', metadata: { attachments: [{ id: photo.id }] } });
  insertMessage(db, thread, ids.technician, 'technician', 'Thanks. Here is the inspection checklist.', { type: 'file', metadata: { attachments: [{ id: checklist.id }] } });
  insertMessage(db, thread, ids.customer, 'user', 'Voice note: the noise it makes.', { type: 'voice', metadata: { attachments: [{ id: voice.id, duration_ms: 6000 }] } });
  // The assistant only for the question below, so the one answer on screen is its answer.
  psql(db, `UPDATE conversation_threads SET assistant_enabled = true WHERE id = ${lit(thread)}`);
  const { context, page } = await signedIn(ids.customer, 'customer');
  await page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: 'Battery warning on the Outback' }).click();
  await liveLog(page);
  await page.getByRole('textbox', { name: 'Message' }).fill('My battery light flickers and the headlights dim at idle. Is the alternator failing?');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('article.msg--assistant[data-state="sent"] .sources li').first().waitFor({ timeout: 20000 });
  await page.locator('.attach--image img').evaluate((img) => img.complete || new Promise((r) => { img.onload = r; img.onerror = r; }));
  // Attachments from metadata.attachments: the photo loaded (with ?access_token=, an <img> sends no header).
  assert.ok((await page.locator('.attach--image img').getAttribute('src')).startsWith(`/v1/attachments/${photo.id}?access_token=`));
  assert.ok(await page.locator('.attach--image img').evaluate((img) => img.naturalWidth > 0));
  assert.match(await page.locator('.attach--file').textContent(), /inspection-checklist\.pdf \(47\.1 KB\)/);
  assert.ok((await page.getByRole('log', { name: 'Messages' }).locator('audio[controls]').getAttribute('src')).startsWith(`/v1/attachments/${voice.id}?`));
  // The question and the whole answer in view.
  await page.setViewportSize({ width: 1280, height: 1000 });
  await messageIn(page, 'My battery light flickers').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'customer-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('log', { name: 'Messages' }).evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await screenshot(page, 'customer-390');
  await context.close();

  const dark = await signedIn(ids.customer, 'customer', { colorScheme: 'dark' });
  await dark.page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: 'Battery warning on the Outback' }).click();
  await liveLog(dark.page);
  await dark.page.locator('article.msg--assistant .sources li').first().waitFor();
  await screenshot(dark.page, 'customer-dark-1280');
  await dark.context.close();

  const tech = await signedIn(ids.technician, 'technician');
  await tech.page.getByRole('navigation', { name: 'Tickets' }).locator(`[data-ticket-id="${ids.ticket}"][data-live="true"]`).waitFor();
  await liveLog(tech.page);
  await screenshot(tech.page, 'technician-1280');
  await tech.page.setViewportSize({ width: 390, height: 844 });
  await screenshot(tech.page, 'technician-390');
  await tech.context.close();
});

test('conversation features: who is online, seen marks, edit and delete of one\'s own message, search', async () => {
  const customer = await signedIn(ids.customer, 'customer');
  const tech = await signedIn(ids.technician, 'technician');
  await customer.page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: /Grinding brakes/ }).click();
  await liveLog(customer.page);
  await tech.page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: new RegExp(`TP-${tag}`) }).waitFor();
  await liveLog(tech.page);
  // Presence: each side sees the other in the open thread.
  await customer.page.locator('.presence', { hasText: 'a technician' }).waitFor();
  await tech.page.locator('.presence', { hasText: 'the customer' }).waitFor();

  const text = `The noise is a squeek (${randomUUID().slice(0, 6)})`;
  const box = customer.page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  const mine = customer.page.locator('article.msg[data-state="sent"]', { hasText: text });
  await mine.waitFor();
  await messageIn(tech.page, text).waitFor();
  // The technician's open thread reads it: the customer's message is marked Seen.
  await customer.page.locator('article.msg.msg--seen', { hasText: text }).waitFor();

  const id = await mine.getAttribute('data-id');
  await mine.getByRole('button', { name: 'Edit' }).click();
  const fixed = text.replace('squeek', 'squeak');
  await customer.page.getByRole('textbox', { name: 'Edit message' }).fill(fixed);
  await customer.page.getByRole('button', { name: 'Save' }).click();
  const theirs = tech.page.locator(`article.msg[data-id="${id}"]`);
  await theirs.locator('.msg__body', { hasText: fixed }).waitFor();
  await theirs.locator('.msg__edited', { hasText: '(edited)' }).waitFor();
  assert.equal(await theirs.getByRole('button', { name: 'Edit' }).count(), 0);  // not the technician's to edit

  await customer.page.locator(`article.msg[data-id="${id}"]`).getByRole('button', { name: 'Delete' }).click();
  await tech.page.locator(`article.msg.msg--deleted[data-id="${id}"]`).waitFor();
  await customer.page.locator(`article.msg.msg--deleted[data-id="${id}"]`).waitFor();
  assert.equal(psql(db, `SELECT content || '|' || (deleted_at IS NOT NULL) FROM chat_messages WHERE id = ${lit(id)}`), '|true');

  // Search: a hit with the match marked, built as text and <mark> (never parsed as HTML).
  const search = customer.page.getByRole('searchbox', { name: 'Search messages' });
  await search.fill('grinding');
  await search.press('Enter');
  const hit = customer.page.getByRole('list', { name: 'Search results' }).locator('li.hit mark').first();
  await hit.waitFor();
  assert.match((await hit.textContent()).toLowerCase(), /grind/);
  assert.deepEqual(customer.page.problems.concat(tech.page.problems), []);
  await customer.context.close();
  await tech.context.close();
});

test('attachments: a customer attaches a photo and a PDF and records a voice note; both sides see them inline', async () => {
  const thread = makeThread(db, ids.customer, `Photos and voice ${tag}`, { ticketId: ids.ticket });
  const customer = await signedIn(ids.customer, 'customer');
  await customer.page.getByRole('navigation', { name: 'Threads' }).getByRole('button', { name: `Photos and voice ${tag}` }).click();
  await liveLog(customer.page);
  // Record every time the upload progress bar is shown.
  await customer.page.evaluate(() => {
    window.__progressShown = 0;
    new MutationObserver(() => {
      const bar = document.querySelector('.thread:not([hidden]) progress.upload-progress');
      if (bar && !bar.hidden) window.__progressShown += 1;
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['hidden'] });
  });

  const png = await dashboardPng();
  await customer.page.getByLabel('Attach a photo or file').setInputFiles({ name: 'warning-light.png', mimeType: 'image/png', buffer: png });
  const photoMsg = customer.page.locator('article.msg[data-state="sent"]', { has: customer.page.locator('.attach--image img') });
  await photoMsg.waitFor();
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3000, 'q')]);
  await customer.page.getByLabel('Attach a photo or file').setInputFiles({ name: 'estimate.pdf', mimeType: 'application/pdf', buffer: pdf });
  await customer.page.locator('article.msg[data-state="sent"] .attach--file').waitFor();

  // A voice note from the (fake) microphone: Record, then Stop recording.
  await customer.page.getByRole('button', { name: 'Record' }).click();
  await customer.page.getByRole('status').filter({ hasText: 'Recording…' }).waitFor();
  await until('some recorded audio', () => customer.page.evaluate(() => new Promise((r) => setTimeout(() => r(true), 300))));
  await customer.page.getByRole('button', { name: 'Stop recording' }).click();
  const voiceMsg = customer.page.locator('article.msg[data-state="sent"]', { has: customer.page.locator('audio[controls]') });
  await voiceMsg.waitFor({ timeout: 15000 });
  assert.ok(await customer.page.evaluate(() => window.__progressShown) >= 3, 'the progress bar showed for each upload');

  // Stored as the issue says: three messages, each with its attachment's facts from the table.
  const rows = psql(db, `SELECT message_type || '|' || (metadata->'attachments'->0->>'content_type') || '|' ||
                                (metadata->'attachments'->0->>'sha256') FROM chat_messages
                          WHERE thread_id = ${lit(thread)} ORDER BY seq`).split('\n');
  assert.equal(rows.length, 3, rows.join('\n'));
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  assert.equal(rows[0], `image|image/png|${sha(png)}`);
  assert.equal(rows[1], `file|application/pdf|${sha(pdf)}`);
  assert.match(rows[2], /^voice\|audio\/(webm|ogg)\|[0-9a-f]{64}$/);

  // The technician on the ticket sees them live: the photo loads, the voice note's metadata loads (a Range-capable
  // download with ?access_token=), the PDF downloads through fetch with the header.
  const tech = await signedIn(ids.technician, 'technician');
  await tech.page.getByRole('navigation', { name: 'Tickets' }).locator(`[data-ticket-id="${ids.ticket}"][data-live="true"]`).waitFor();
  await tech.page.getByRole('group', { name: 'Threads of this ticket' }).getByRole('button', { name: `Photos and voice ${tag}` }).click();
  await liveLog(tech.page);
  const img = tech.page.locator('.attach--image img').last();
  await img.waitFor();
  await until('the photo to load', () => img.evaluate((i) => i.complete && i.naturalWidth > 0));
  const audioOk = await tech.page.locator('audio[controls]').last().evaluate((a) => new Promise((resolve) => {
    if (a.readyState >= 1) return resolve(true);
    a.addEventListener('loadedmetadata', () => resolve(true), { once: true });
    a.addEventListener('error', () => resolve(false), { once: true });
    a.preload = 'auto';
    a.load();
  }));
  assert.equal(audioOk, true, 'the voice note loads in the player');
  const [download] = await Promise.all([
    tech.page.waitForEvent('download'),
    tech.page.getByRole('button', { name: /estimate\.pdf/ }).last().click(),
  ]);
  assert.equal(download.suggestedFilename(), 'estimate.pdf');
  assert.deepEqual(customer.page.problems.concat(tech.page.problems), []);
  await customer.context.close();
  await tech.context.close();
});
