// One shard of the reconnect-storm benchmark (tests/load/storm.sh, docs/benchmarks.md "Reconnect storm"): clients
// first..first+count-1 connect, subscribe to thread (i % threads), and follow it. When the gateway goes away each
// client reconnects (every 50 ms plus jitter, until it answers) and subscribes again with `since` = the last cursor
// it received. Each client checks every message: a cursor at or below its last one is a double. At the end (each
// client has seen its thread's end marker) it writes one line per client to --out: index, thread, the `since` of its
// reconnect, messages received after it, doubles, and the times (ms, Date.now()) its reconnect's welcome and
// `subscribed` arrived. storm.sh compares the counts with the table (lost = expected - received).
//
// Status lines on stdout: "subscribed N" once every client is subscribed the first time, "live N" once every client
// is live again after the restart, "done N" at the end.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const WebSocket = require(path.join(__dirname, 'peers', 'node_modules', 'ws'));

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const port = Number(args.port);
const first = Number(args.first || 0);
const count = Number(args.count);
const threads = Number(args.threads);
const secret = args.secret;
const localAddress = args.local || '127.0.0.1';
const deadline = Date.now() + Number(args['timeout-s'] || 600) * 1000;

// The ids storm.sh's setup SQL makes: profile i and thread t.
const userId = (i) => 'd0000000-0000-4000-8000-' + String(i + 1).padStart(12, '0');
const threadId = (t) => 'e0000000-0000-4000-8000-' + String(t + 1).padStart(12, '0');

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}
function token(sub) {
  const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64url(JSON.stringify({ sub, aud: 'authenticated', role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 7200 }));
  const sig = b64url(crypto.createHmac('sha256', secret).update(h + '.' + p).digest());
  return h + '.' + p + '.' + sig;
}

const clients = [];
let subscribedOnce = 0, liveAgain = 0, done = 0;

function finish() {
  const lines = clients.map((c) =>
    [c.index, c.thread, c.since, c.received, c.doubles, c.welcomeAt, c.liveAt, c.sawEnd ? 1 : 0].join(' '));
  fs.writeFileSync(args.out, lines.join('\n') + '\n');
  console.log('done ' + done);
  process.exit(0);
}

function open(c) {
  if (Date.now() > deadline) return;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?access_token=${c.token}`, { localAddress, perMessageDeflate: false });
  c.ws = ws;
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === 'welcome') {
      if (c.generation === 1) c.welcomeAt = Date.now();
      const sub = { type: 'subscribe', ref: 's', topic: 'thread:' + c.thread };
      if (c.generation === 1) sub.since = String(c.last);
      if (c.generation === 1) c.since = c.last;
      ws.send(JSON.stringify(sub));
    } else if (f.type === 'subscribed') {
      if (c.generation === 0) {
        c.last = Number(f.cursor);
        if (++subscribedOnce === count) console.log('subscribed ' + count);
      } else {
        c.liveAt = Date.now();
        if (++liveAgain === count) console.log('live ' + count);
      }
    } else if (f.type === 'message') {
      const cursor = Number(f.cursor);
      if (cursor <= c.last) c.doubles++;
      else c.last = cursor;
      if (c.generation === 1) c.received++;
      if (c.generation === 1 && f.message.content === 'storm-end') {
        c.sawEnd = true;
        if (++done === count) finish();
      }
    } else if (f.type === 'error') {
      console.error(`client ${c.index}: ${JSON.stringify(f)}`);
    }
  });
  ws.on('close', () => {
    if (c.sawEnd) return;
    if (c.generation === 0) c.generation = 1;  // the gateway went away: reconnect with since
    setTimeout(() => open(c), 50 + Math.random() * 50);
  });
  ws.on('error', () => {});  // a refused connect: 'close' follows and retries
}

for (let k = 0; k < count; ++k) {
  const index = first + k;
  const c = {
    index, thread: threadId(index % threads), token: token(userId(index)), generation: 0, last: 0, since: -1,
    received: 0, doubles: 0, welcomeAt: 0, liveAt: 0, sawEnd: false, ws: null,
  };
  clients.push(c);
}
// Connect gradually at first (this is the set-up, not the storm): 200 at a time.
let next = 0;
(function connectSome() {
  for (let n = 0; n < 200 && next < clients.length; ++n) open(clients[next++]);
  if (next < clients.length) setTimeout(connectSome, 20);
})();
setTimeout(() => { console.error('storm_client: deadline passed'); finish(); }, deadline - Date.now()).unref();
