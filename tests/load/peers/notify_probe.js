// The subscriber side of tests/load/notify_ceiling.sh: one techpulse.v1 connection to each gateway node, each
// subscribed to every thread of --threads-file; for each `message` frame, the notify latency = arrival time minus the
// row's created_at (the inserting transaction's start, so the commit, its NOTIFY lock, the listener's queue, the
// node's fan-out and the socket are all inside it). Prints "ready" once every connection has every subscription;
// every 100 ms writes the fewest messages any node has delivered to --out.progress; on SIGTERM writes one JSON line
// per node to --out and exits.
// Usage: node notify_probe.js --ports P1,P2 --token JWT --threads-file F --out FILE
'use strict';
const fs = require('fs');
const { WebSocket } = require('ws');
const { performance } = require('perf_hooks');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const ports = args.ports.split(',').map(Number);
const threads = fs.readFileSync(args['threads-file'], 'utf8').split('\n').filter((l) => l.trim());
const nodes = ports.map((port) => ({ port, lat: [], ready: false, subscribed: 0, errors: 0 }));

function parseTs(s) {
  // "2026-11-25T01:00:00.108841Z": Date.parse takes milliseconds; keep the microseconds apart.
  const m = /^(.*\.\d{3})(\d*)Z$/.exec(s);
  if (!m) return Date.parse(s);
  return Date.parse(m[1] + 'Z') + (m[2] ? Number(m[2].padEnd(3, '0').slice(0, 3)) / 1000 : 0);
}

for (const node of nodes) {
  const ws = new WebSocket(`ws://127.0.0.1:${node.port}/v1/ws?access_token=${args.token}`, { perMessageDeflate: false });
  ws.on('error', (e) => { console.error(`node ${node.port}: ${e.message}`); process.exit(1); });
  ws.on('close', () => { if (!node.done) { console.error(`node ${node.port}: closed`); process.exit(1); } });
  ws.on('message', (data) => {
    const now = performance.timeOrigin + performance.now();  // sub-millisecond wall clock
    const f = JSON.parse(data);
    if (f.type === 'message') {
      node.lat.push(now - parseTs(f.message.created_at));
    } else if (f.type === 'welcome') {
      threads.forEach((t, i) => ws.send(JSON.stringify({ type: 'subscribe', ref: `s${i}`, topic: `thread:${t}` })));
    } else if (f.type === 'subscribed') {
      if (++node.subscribed === threads.length) {
        node.ready = true;
        if (nodes.every((n) => n.ready)) console.log('ready');
      }
    } else if (f.type === 'error') {
      node.errors++;
      console.error(`node ${node.port}: ${data}`);
    }
  });
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

setInterval(() => {
  fs.writeFileSync(args.out + '.progress', String(Math.min(...nodes.map((n) => n.lat.length))));
}, 100);

process.on('SIGTERM', () => {
  const lines = nodes.map((n) => {
    n.done = true;
    const s = n.lat.slice().sort((a, b) => a - b);
    const r = (x) => (x === null ? null : Math.round(x * 100) / 100);
    return JSON.stringify({ port: n.port, received: s.length, errors: n.errors, p50_ms: r(pct(s, 50)),
      p90_ms: r(pct(s, 90)), p99_ms: r(pct(s, 99)), max_ms: r(s.length ? s[s.length - 1] : null) });
  });
  fs.writeFileSync(args.out, lines.join('\n') + '\n');
  process.exit(0);
});
