// Broadcast and presence through supabase-js 2.119.1 between two gateway nodes on one PostgreSQL.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ANON_KEY, Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, nodeA, nodeB
before(async () => {
  db = new Database('tp_supabase_broadcast')
  nodeA = await Gateway.start(db)
  nodeB = await Gateway.start(db)
})
after(async () => {
  await nodeA?.stop()
  await nodeB?.stop()
})

test('broadcast between two clients on two nodes, with self and ack', async () => {
  const a = await client(nodeA, hs256(claims(db.profile())))
  const b = await client(nodeB, hs256(claims(db.profile())))
  const gotA = new Inbox()
  const gotB = new Inbox()
  const chA = a.channel('room1', { config: { broadcast: { self: true, ack: true } } })
    .on('broadcast', { event: 'cursor' }, (m) => gotA.push(m))
  const chB = b.channel('room1').on('broadcast', { event: 'cursor' }, (m) => gotB.push(m))
  await subscribed(chA)
  await subscribed(chB)
  const status = await chA.send({ type: 'broadcast', event: 'cursor', payload: { x: 2, y: 'é' } })
  assert.equal(status, 'ok')  // ack: true waits for the server's reply
  const atB = await gotB.next((m) => m.payload?.x === 2, 10000, 'the broadcast on the other node')
  assert.deepEqual(atB.payload, { x: 2, y: 'é' })
  assert.equal(atB.event, 'cursor')
  await gotA.next((m) => m.payload?.x === 2, 10000, 'self: the sender receives its own message')
  // Without self, the sender does not: B sends, then a marker from A proves A's stream is past it.
  await chB.send({ type: 'broadcast', event: 'cursor', payload: { from: 'b' } })
  await gotA.next((m) => m.payload?.from === 'b')
  await chB.send({ type: 'broadcast', event: 'cursor', payload: { from: 'b', n: 2 } })
  await chA.send({ type: 'broadcast', event: 'cursor', payload: { marker: true } })
  await gotB.next((m) => m.payload?.marker)
  assert.ok(!gotB.items.some((m) => m.payload?.from === 'b'), 'B received its own broadcast without self')
  await a.removeAllChannels()
  await b.removeAllChannels()
})

test('a kind-3 binary broadcast from a vsn-2 client reaches a vsn-1 client as JSON', async () => {
  const v2 = await client(nodeA, hs256(claims(db.profile())), { vsn: '2.0.0' })
  const v1 = await client(nodeB, hs256(claims(db.profile())), { vsn: '1.0.0' })
  const got = new Inbox()
  const c1 = v1.channel('mixed').on('broadcast', { event: '*' }, (m) => got.push(m))
  const c2 = v2.channel('mixed')
  await subscribed(c1)
  await subscribed(c2)
  await c2.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })  // realtime-js sends this as kind 3
  const m = await got.next((x) => x.event === 'ping', 10000, 'the broadcast at the vsn-1 client')
  assert.deepEqual(m.payload, { n: 1 })
  await v1.removeAllChannels()
  await v2.removeAllChannels()
})

test('POST /realtime/v1/api/broadcast reaches subscribers; an oversized payload is refused with a clear error', async () => {
  const user = db.profile()
  const token = hs256(claims(user))
  const sub = await client(nodeB, token)
  const got = new Inbox()
  await subscribed(sub.channel('rest').on('broadcast', { event: 'note' }, (m) => got.push(m)))
  const post = (body) =>
    fetch(`${nodeA.url}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: ANON_KEY, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const r = await post({ messages: [{ topic: 'rest', event: 'note', payload: { hi: 1 }, private: false }] })
  assert.equal(r.status, 202)
  const m = await got.next((x) => x.event === 'note')
  assert.deepEqual(m.payload, { hi: 1 })
  const big = await post({ messages: [{ topic: 'rest', event: 'note', payload: { s: 'x'.repeat(300 * 1024) } }] })
  assert.equal(big.status, 413)
  const err = await big.json()
  assert.match(err.error, /payload/)
  await sub.removeAllChannels()
})

test('a private thread:<uuid> channel is open only to those who may read the thread', async () => {
  const owner = db.profile()
  const stranger = db.profile()
  const thread = db.thread(owner)
  const ok = await client(nodeA, hs256(claims(owner)))
  await subscribed(ok.channel(`thread:${thread}`, { config: { private: true } }))
  const no = await client(nodeA, hs256(claims(stranger)))
  await assert.rejects(subscribed(no.channel(`thread:${thread}`, { config: { private: true } })), /CHANNEL_ERROR/)
  await ok.removeAllChannels()
  await no.removeAllChannels()
})

test('raw socket: heartbeat replies echo the ref; binary kinds other than 3 are refused', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${nodeA.port}/realtime/v1/websocket?apikey=${ANON_KEY}&vsn=2.0.0`)
  ws.binaryType = 'arraybuffer'
  const got = new Inbox()
  ws.on('message', (data, isBinary) => got.push(isBinary ? { binary: Buffer.from(data) } : JSON.parse(data.toString())))
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej) })
  ws.send(JSON.stringify([null, '9', 'phoenix', 'heartbeat', {}]))
  const hb = await got.next((m) => Array.isArray(m) && m[1] === '9')
  assert.deepEqual(hb, [null, '9', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  assert.ok(got.items.every((m) => !m.binary || ![0, 1, 2].includes(m.binary[0])))
  ws.close()
})
