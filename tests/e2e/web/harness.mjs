// The browser suite's fixtures: a fresh database on the PostgreSQL tests/run.sh started, the real gateway binary,
// tokens from `techpulse-gateway token`, a TCP relay that can cut the network between the page and the gateway,
// and Debian's chromium driven by playwright-core. Everything listens on 127.0.0.1 only.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';

export const SECRET = 'web-e2e-secret-0123456789abcdef';
export const FOREIGN_ORIGIN = 'https://app.techpulse.example';

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (tests/run.sh sets it; ctest passes it through)`);
  return v;
}

export const gatewayBin = () => required('TECHPULSE_GATEWAY_BIN');
export const sourceDir = () => required('TECHPULSE_SOURCE_DIR');

export function outputDir() {
  const dir = process.env.TECHPULSE_WEB_E2E_OUT || path.join(process.cwd(), 'web_e2e_output');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// psql against `url`: one statement or a file; returns the unaligned, tuples-only output.
export function psql(url, sql, { file } = {}) {
  const args = ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-d', url];
  if (file) args.push('-f', file);
  else args.push('-c', sql);
  return execFileSync('psql', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export const lit = (s) => (s === null || s === undefined ? 'NULL' : `'${String(s).replace(/'/g, "''")}'`);

// A fresh, migrated database with the demo knowledge base (the assistant's sources).
export function freshDatabase(name) {
  const server = required('TECHPULSE_TEST_PG_URL');
  psql(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql(server, `CREATE DATABASE ${name}`);
  const url = withDatabase(server, name);
  execFileSync(gatewayBin(), ['migrate'], { env: { ...process.env, TECHPULSE_DATABASE_URL: url }, stdio: 'pipe' });
  psql(url, null, { file: path.join(sourceDir(), 'deploy/demo/knowledge_base.sql') });
  return url;
}

export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

async function waitHttp(url, okStatus, deadlineMs) {
  const until = Date.now() + deadlineMs;
  for (let i = 0; i < 400 && Date.now() < until; i++) {
    try {
      const res = await fetch(url);
      if (res.status === okStatus) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer ${okStatus} within ${deadlineMs} ms`);
}

// The real binary, `serve`, on a free port; its log goes to the output folder.
export class Gateway {
  constructor(databaseUrl, extraEnv = {}) {
    this.databaseUrl = databaseUrl;
    this.extraEnv = extraEnv;
  }

  async start() {
    this.port = await freePort();
    this.logPath = path.join(outputDir(), `gateway-${this.port}.log`);
    const log = fs.openSync(this.logPath, 'w');
    this.proc = spawn(gatewayBin(), ['serve'], {
      env: {
        PATH: process.env.PATH,
        TECHPULSE_DATABASE_URL: this.databaseUrl,
        TECHPULSE_LISTEN: `127.0.0.1:${this.port}`,
        TECHPULSE_JWT_SECRET: SECRET,
        TECHPULSE_LOG_LEVEL: 'debug',
        TECHPULSE_AI_WORKERS: '1',
        // The automatic handoff (docs/desk.md) is off: the assistant tests ask questions one after another.
        TECHPULSE_AI_HANDOFF_CONFIDENCE: '0',
        // The page's own origin is not in the list: / must work behind it all the same.
        TECHPULSE_ALLOWED_ORIGINS: FOREIGN_ORIGIN,
        // Developing the app: TECHPULSE_WEB_ROOT=gateway/web serves the files from disk (--web-root), no rebuild.
        ...(process.env.TECHPULSE_WEB_ROOT ? { TECHPULSE_WEB_ROOT: path.resolve(process.env.TECHPULSE_WEB_ROOT) } : {}),
        ...this.extraEnv,
      },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.exited = once(this.proc, 'exit');
    await waitHttp(`http://127.0.0.1:${this.port}/readyz`, 200, 15000);
    return this;
  }

  url(p = '/') {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  token(sub, role = 'customer', ttl = 3600) {
    return execFileSync(gatewayBin(), ['token', '--sub', sub, '--role', role, '--ttl', String(ttl)], {
      env: { PATH: process.env.PATH, TECHPULSE_JWT_SECRET: SECRET }, encoding: 'utf8',
    }).trim();
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
    await this.exited;
    clearTimeout(timer);
  }
}

// A TCP relay between the browser and the gateway. `pass` forwards both ways; `mute` still forwards what the
// page sends but drops what the gateway answers (a reply lost in the network); `cut` closes every connection
// and refuses new ones (the network is gone).
export class Relay {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.mode = 'pass';
    this.sockets = new Set();
    this.server = net.createServer((client) => this.accept(client));
  }

  async start() {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = this.server.address().port;
    return this;
  }

  url(p = '/') {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  accept(client) {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.sockets.add(pair);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (this.mode === 'pass') client.write(d);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(pair);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  }

  setMode(mode) {
    this.mode = mode;
    if (mode === 'cut') {
      for (const { client, upstream } of this.sockets) {
        client.destroy();
        upstream.destroy();
      }
      this.sockets.clear();
    }
  }

  async stop() {
    this.setMode('cut');
    this.server.close();
    await once(this.server, 'close');
  }
}

export async function launchBrowser() {
  // A fresh profile each run (playwright makes a temporary one); the flags keep chromium off the network.
  return chromium.launch({
    executablePath: process.env.TECHPULSE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      // A microphone that plays a tone, granted without a prompt: the voice-note test records from it.
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
}

// A page that records every console error, page error and dialog, so a test can assert nothing ran.
export async function newPage(browser, { width = 1280, height = 860, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  page.problems = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    page.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  return { context, page };
}

export async function screenshot(page, name) {
  const file = path.join(outputDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

// Seeds one customer, one technician and a support ticket assigned to the technician with a thread of the
// customer's; returns their ids.
export function seedPeople(url, tag) {
  const ids = {
    customer: randomUUID(), technician: randomUUID(), otherCustomer: randomUUID(),
    ticket: randomUUID(), ticketThread: randomUUID(), workOrder: randomUUID(),
  };
  psql(url, `
    INSERT INTO profiles (id, username, full_name, email, role) VALUES
      (${lit(ids.customer)}, ${lit(`dana-${tag}`)}, 'Dana Whitfield', ${lit(`dana-${tag}@example.com`)}, 'customer'),
      (${lit(ids.otherCustomer)}, ${lit(`omar-${tag}`)}, 'Omar Haddad', ${lit(`omar-${tag}@example.com`)}, 'customer'),
      (${lit(ids.technician)}, ${lit(`tech-${tag}`)}, 'Riley Park', ${lit(`riley-${tag}@techpulse.example`)}, 'technician');
    INSERT INTO support_tickets (id, ticket_number, customer_name, vehicle_info, vin, issue_summary, priority, status,
                                 assigned_technician)
      VALUES (${lit(ids.ticket)}, ${lit(`TP-${tag}`)}, 'Dana Whitfield', '2018 Subaru Outback 2.5i', '4S4BSANC5J3281904',
              'Grinding noise from the front left wheel when braking; started after a long mountain drive.',
              'high', 'in_progress', ${lit(ids.technician)});
    INSERT INTO work_orders (id, ticket_id, work_order_number, description, status, total_cost, assigned_technician)
      VALUES (${lit(ids.workOrder)}, ${lit(ids.ticket)}, ${lit(`WO-${tag}`)},
              'Inspect front brake pads and rotors; measure rotor thickness.', 'pending', 140.00, ${lit(ids.technician)});
    INSERT INTO conversation_threads (id, ticket_id, user_id, title, assistant_enabled)
      VALUES (${lit(ids.ticketThread)}, ${lit(ids.ticket)}, ${lit(ids.customer)}, 'Grinding brakes on the Outback', false);
  `);
  return ids;
}

export function makeThread(url, userId, title, { assistant = false, ticketId = null } = {}) {
  const id = randomUUID();
  psql(url, `INSERT INTO conversation_threads (id, ticket_id, user_id, title, assistant_enabled)
             VALUES (${lit(id)}, ${lit(ticketId)}, ${lit(userId)}, ${lit(title)}, ${assistant})`);
  return id;
}

export function insertMessage(url, threadId, senderId, role, content, { type = 'text', metadata = {} } = {}) {
  return psql(url, `INSERT INTO chat_messages (thread_id, sender_id, role, content, message_type, metadata)
                    VALUES (${lit(threadId)}, ${lit(senderId)}, ${lit(role)}, ${lit(content)}, ${lit(type)},
                            ${lit(JSON.stringify(metadata))}::jsonb) RETURNING id`);
}

// A message as stored before migration 009 (no attachment rules then): image/file/voice rows whose metadata has a
// free-form url. The app must still render them safely.
export function insertLegacyMessage(url, threadId, senderId, role, content, { type, metadata }) {
  return psql(url, `BEGIN;
    ALTER TABLE chat_messages DISABLE TRIGGER chat_messages_attachments;
    INSERT INTO chat_messages (thread_id, sender_id, role, content, message_type, metadata)
      VALUES (${lit(threadId)}, ${lit(senderId)}, ${lit(role)}, ${lit(content)}, ${lit(type)},
              ${lit(JSON.stringify(metadata))}::jsonb);
    ALTER TABLE chat_messages ENABLE TRIGGER chat_messages_attachments;
    COMMIT;`);
}

// Uploads bytes to a thread as `token`'s user (POST /v1/attachments); returns the reply's attachment.
export async function uploadAttachment(gw, token, threadId, type, name, bytes) {
  const res = await fetch(gw.url(`/v1/attachments?thread_id=${threadId}&name=${encodeURIComponent(name)}`), {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body: bytes,
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`upload of ${name}: ${res.status} ${JSON.stringify(body)}`);
  return body.attachment;
}

// Polls a condition that only the database can tell (bounded in count and time).
export async function until(what, fn, { timeoutMs = 10000 } = {}) {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
