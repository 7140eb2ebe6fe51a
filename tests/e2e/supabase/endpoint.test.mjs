// /realtime/v1/websocket through supabase-js 2.119.1 (vsn 2.0.0 and 1.0.0) against the real gateway: joins and
// leaves, private channels decided by the core's rules and revoked live, filter errors, the raw Phoenix frames.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ANON_KEY, Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, gw
before(async () => {
  db = new Database('tp_supabase_endpoint')
  gw = await Gateway.start(db)
})
after(async () => {
  await gw?.stop()
})

for (const vsn of ['2.0.0', '1.0.0']) {
  test(`vsn ${vsn}: a public channel reaches SUBSCRIBED and leaves with CLOSED`, async () => {
    const sb = await client(gw, hs256(claims(db.profile())), { vsn })
    const ch = await subscribed(sb.channel(`room-${vsn}`))
    assert.equal(ch.state, 'joined')
    assert.equal(await sb.removeChannel(ch), 'ok')
    assert.equal(ch.state, 'closed')
    await sb.removeAllChannels()
  })
}

test('a private thread:<uuid> channel is open only to those who may read the thread', async () => {
  const owner = db.profile()
  const stranger = db.profile()
  const thread = db.thread(owner)
  const ok = await client(gw, hs256(claims(owner)))
  await subscribed(ok.channel(`thread:${thread}`, { config: { private: true } }))
  const no = await client(gw, hs256(claims(stranger)))
  await assert.rejects(subscribed(no.channel(`thread:${thread}`, { config: { private: true } })),
    /CHANNEL_ERROR: Unauthorized: You do not have permissions to read from this Channel topic/)
  // Without a user token (the apikey's identity) no private channel opens.
  const anon = await client(gw, null)
  await assert.rejects(subscribed(anon.channel('anything', { config: { private: true } })), /needs a user token/)
  for (const sb of [ok, no, anon]) await sb.removeAllChannels()
})

test('a technician unassigned by SQL loses the private ticket channel at once: system error, then CLOSED', async () => {
  const customer = db.profile()
  const tech = db.profile('technician')
  const ticket = db.sql(
    `INSERT INTO support_tickets (ticket_number, customer_id, assigned_technician) VALUES ('R-1', '${customer}', '${tech}') RETURNING id`)
  const sb = await client(gw, hs256(claims(tech)))
  const sys = new Inbox()
  const statuses = new Inbox()
  const ch = sb.channel(`ticket:${ticket}`, { config: { private: true } }).on('system', {}, (m) => sys.push(m))
  ch.subscribe((s) => statuses.push(s))
  await statuses.next((s) => s === 'SUBSCRIBED')
  db.sql(`UPDATE support_tickets SET assigned_technician = NULL WHERE id = '${ticket}'`)
  const m = await sys.next((x) => x.status === 'error', 10000, 'the revocation')
  assert.match(m.message, /access revoked/)
  await statuses.next((s) => s === 'CLOSED', 5000, 'phx_close')
  await sb.removeAllChannels()
})

test('an unknown filter operator is answered with a system error naming it; the binding is echoed with an id', async () => {
  const sb = await client(gw, hs256(claims(db.profile())))
  const sys = new Inbox()
  const ch = sb
    .channel('bad-filter')
    .on('system', {}, (m) => sys.push(m))
    .on('postgres_changes', { event: '*', schema: 'public', table: 'chat_messages', filter: 'content=like.*x*' }, () => {})
  await subscribed(ch)  // the reply echoed the binding: no mismatch
  const m = await sys.next((x) => x.status === 'error')
  assert.equal(m.extension, 'postgres_changes')
  assert.match(m.message, /filter operator like is not supported/)
  await sb.removeAllChannels()
})

test('raw socket: heartbeat replies echo the ref; an upgrade without apikey is refused', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/realtime/v1/websocket?apikey=${ANON_KEY}&vsn=2.0.0`)
  const got = new Inbox()
  ws.on('message', (data, isBinary) => got.push(isBinary ? { binary: [...data] } : JSON.parse(data.toString())))
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej) })
  ws.send(JSON.stringify([null, '9', 'phoenix', 'heartbeat', {}]))
  assert.deepEqual(await got.next((m) => Array.isArray(m) && m[1] === '9'),
    [null, '9', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  ws.send(JSON.stringify(['1', '2', 'room:x', 'phx_join', {}]))
  const unmatched = await got.next((m) => Array.isArray(m) && m[1] === '2')
  assert.deepEqual(unmatched[4], { status: 'error', response: { reason: 'unmatched topic' } })
  assert.ok(got.items.every((m) => !m.binary))
  ws.close()
  const noKey = new WebSocket(`ws://127.0.0.1:${gw.port}/realtime/v1/websocket?vsn=2.0.0`)
  const status = await new Promise((resolve) => {
    noKey.once('unexpected-response', (_req, res) => resolve(res.statusCode))
    noKey.once('open', () => resolve('open'))
    noKey.once('error', () => resolve('error'))
  })
  assert.equal(status, 401)
})
