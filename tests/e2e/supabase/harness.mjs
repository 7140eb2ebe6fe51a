// The Supabase suite's harness: a fresh migrated database on the PostgreSQL tests/run.sh started
// (TECHPULSE_TEST_PG_URL), real gateway processes (TECHPULSE_GATEWAY_BIN) on 127.0.0.1, tokens signed here with
// node:crypto (HS256 with the test secret, ES256 with a key whose public half is written to a JWKS file), SQL
// through psql, and supabase-js 2.119.1 clients. Every wait is for an event and bounded in time.
import { spawn, spawnSync } from 'node:child_process'
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { mkdtempSync, writeFileSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws'

export const SECRET = 'supabase-e2e-secret-with-at-least-32-characters'
export const ANON_KEY = 'sb_publishable_techpulse_e2e'
const BIN = process.env.TECHPULSE_GATEWAY_BIN
const PG_URL = process.env.TECHPULSE_TEST_PG_URL
if (!BIN || !PG_URL) throw new Error('set TECHPULSE_GATEWAY_BIN and TECHPULSE_TEST_PG_URL (tests/run.sh does)')

const b64u = (buf) => Buffer.from(buf).toString('base64url')

export function hs256(claims) {
  const signing = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.' + b64u(JSON.stringify(claims))
  return signing + '.' + createHmac('sha256', SECRET).update(signing).digest('base64url')
}

// An ES256 key pair; jwk() is its public JWK with `kid`.
export function es256Key(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    kid,
    jwk: () => ({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }),
    token: (claims) => {
      const signing = b64u(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid })) + '.' + b64u(JSON.stringify(claims))
      const sig = sign('sha256', Buffer.from(signing), { key: privateKey, dsaEncoding: 'ieee-p1363' })
      return signing + '.' + b64u(sig)
    },
  }
}

export function claims(sub, ttlSeconds = 3600) {
  const now = Math.floor(Date.now() / 1000)
  return { sub, role: 'authenticated', aud: 'authenticated', iat: now - 5, exp: now + ttlSeconds }
}

export function writeJwks(keys) {
  const dir = mkdtempSync(join(tmpdir(), 'techpulse-jwks-'))
  const path = join(dir, 'jwks.json')
  writeFileSync(path, JSON.stringify({ keys: keys.map((k) => k.jwk()) }))
  return path
}

function psql(url, sql) {
  const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`)
  return r.stdout.trim()
}

export class Database {
  constructor(name) {
    const base = new URL(PG_URL)
    psql(PG_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    psql(PG_URL, `CREATE DATABASE ${name}`)
    base.pathname = '/' + name
    this.url = base.toString()
    const m = spawnSync(BIN, ['migrate', '--database-url', this.url], { encoding: 'utf8' })
    if (m.status !== 0) throw new Error(`migrate failed: ${m.stderr}${m.stdout}`)
  }
  sql(text) {
    return psql(this.url, text)
  }
  profile(role = 'customer') {
    const id = randomUUID()
    this.sql(`INSERT INTO profiles (id, username, role) VALUES ('${id}', 'u-${id.slice(0, 8)}', '${role}')`)
    return id
  }
  thread(user, ticket = null) {
    return this.sql(
      `INSERT INTO conversation_threads (user_id, ticket_id, title) VALUES ('${user}', ${ticket ? `'${ticket}'` : 'NULL'}, 't') RETURNING id`
    )
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

// A gateway process; ready() resolves once /readyz answers 200 (bounded).
export class Gateway {
  static async start(db, env = {}) {
    const g = new Gateway()
    g.port = await freePort()
    g.log = join(tmpdir(), `techpulse-supabase-gateway-${g.port}.log`)
    const out = openSync(g.log, 'a')
    g.proc = spawn(BIN, ['serve'], {
      env: {
        PATH: process.env.PATH,
        TECHPULSE_DATABASE_URL: db.url,
        TECHPULSE_LISTEN: `127.0.0.1:${g.port}`,
        TECHPULSE_JWT_SECRET: SECRET,
        TECHPULSE_AI_WORKERS: '0',
        TECHPULSE_LOG_LEVEL: 'debug',
        ...env,
      },
      stdio: ['ignore', out, out],
    })
    const deadline = Date.now() + 20000
    for (;;) {
      if (g.proc.exitCode !== null) throw new Error(`gateway exited: ${readFileSync(g.log, 'utf8').slice(-2000)}`)
      try {
        const r = await fetch(`http://127.0.0.1:${g.port}/readyz`)
        if (r.status === 200) break
      } catch {}
      if (Date.now() > deadline) throw new Error('gateway not ready within 20 s')
      await new Promise((res) => setTimeout(res, 100))
    }
    return g
  }
  get url() {
    return `http://127.0.0.1:${this.port}`
  }
  async stop() {
    if (this.proc.exitCode !== null) return
    const done = new Promise((res) => this.proc.once('exit', res))
    this.proc.kill('SIGTERM')
    await done
  }
}

// A supabase-js client on a gateway, as an app would create it (only the URL changes), with the user's token.
// setAuth() first, so that the first join already carries the token (otherwise realtime-js may send it without
// one, see ../shared/design/supabase-realtime.md §9).
export async function client(gateway, token, { vsn = '2.0.0', heartbeatIntervalMs } = {}) {
  const realtime = { transport: WebSocket, vsn }
  if (heartbeatIntervalMs) realtime.heartbeatIntervalMs = heartbeatIntervalMs
  const sb = createClient(gateway.url, ANON_KEY, {
    accessToken: async () => token,
    realtime,
  })
  if (token) await sb.realtime.setAuth()
  return sb
}

// Resolves with the first value pushed that satisfies `pred`; rejects after `ms`.
export class Inbox {
  constructor() {
    this.items = []
    this.waiters = []
  }
  push(v) {
    this.items.push(v)
    for (const w of [...this.waiters]) {
      if (w.pred(v)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        clearTimeout(w.timer)
        w.resolve(v)
      }
    }
  }
  next(pred = () => true, ms = 10000, what = 'an event') {
    const found = this.items.find(pred)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const w = { pred, resolve }
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.items).slice(0, 2000)}`))
      }, ms)
      this.waiters.push(w)
    })
  }
}

// Subscribes and resolves on SUBSCRIBED; rejects on any other status (with its error) or after 10 s.
export function subscribed(channel) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not SUBSCRIBED within 10 s')), 10000)
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') {
        clearTimeout(timer)
        resolve(channel)
      } else if (status !== 'CLOSED') {
        clearTimeout(timer)
        reject(new Error(`${status}: ${err?.message ?? err}`))
      }
    })
  })
}
