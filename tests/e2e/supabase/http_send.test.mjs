// realtime-js's REST sends through the real supabase-js 2.119.1 calls, between two nodes: channel.httpSend()
// (POST /realtime/v1/api/broadcast/<room>/events/<event>[?private=true], the body the payload, JSON or raw bytes)
// and send() on a channel that is not joined (the batch form), on the one REST broadcast path (limits, private rule).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, nodeA, nodeB
before(async () => {
  db = new Database('tp_supabase_http_send')
  nodeA = await Gateway.start(db)
  nodeB = await Gateway.start(db)
})
after(async () => {
  await nodeA?.stop()
  await nodeB?.stop()
})

// A subscriber of `name` on node B; every broadcast goes into the returned inbox.
async function subscriber(token, name, config = {}) {
  const sb = await client(nodeB, token)
  const got = new Inbox()
  await subscribed(sb.channel(name, { config }).on('broadcast', { event: '*' }, (m) => got.push(m)))
  return { sb, got }
}

test('httpSend on a public channel reaches a subscriber on another node, JSON and raw bytes', async () => {
  const { sb, got } = await subscriber(hs256(claims(db.profile())), 'hs-room')
  const sender = await client(nodeA, hs256(claims(db.profile())))
  const ch = sender.channel('hs-room')  // never subscribed: httpSend needs no join
  assert.deepEqual(await ch.httpSend('cursor pos', { x: 1, s: 'é' }), { success: true })
  const m = await got.next((x) => x.event === 'cursor pos', 10000, 'the httpSend broadcast')
  assert.deepEqual(m.payload, { x: 1, s: 'é' })
  assert.deepEqual(await ch.httpSend('bytes', new Uint8Array([0, 1, 255])), { success: true })
  const b = await got.next((x) => x.event === 'bytes', 10000, 'the binary httpSend broadcast')
  assert.deepEqual([...new Uint8Array(b.payload)], [0, 1, 255])
  // Over the payload limit: the same refusal as every broadcast, as httpSend reports it (the body's error).
  await assert.rejects(ch.httpSend('big', { s: 'x'.repeat(300 * 1024) }), /payload too large: \d+ bytes \(limit 262144 bytes\)/)
  await sender.removeAllChannels()
  await sb.removeAllChannels()
})

test('send() on a channel that is not joined falls back to the REST batch form and arrives', async () => {
  const { sb, got } = await subscriber(hs256(claims(db.profile())), 'fallback')
  const sender = await client(nodeA, hs256(claims(db.profile())))
  const ch = sender.channel('fallback')
  assert.equal(await ch.send({ type: 'broadcast', event: 'note', payload: { n: 1 } }), 'ok')
  const m = await got.next((x) => x.event === 'note', 10000, 'the fallback broadcast')
  assert.deepEqual(m.payload, { n: 1 })
  await sender.removeAllChannels()
  await sb.removeAllChannels()
})

test('httpSend on a private thread:<uuid> channel: the owner reaches a private subscriber; another customer is refused', async () => {
  const owner = db.profile()
  const stranger = db.profile()
  const thread = db.thread(owner)
  const topic = `thread:${thread}`
  const ownerToken = hs256(claims(owner))
  const { sb, got } = await subscriber(ownerToken, topic, { private: true })
  const o = await client(nodeA, ownerToken)
  const s = await client(nodeA, hs256(claims(stranger)))
  const mine = o.channel(topic, { config: { private: true } })
  const theirs = s.channel(topic, { config: { private: true } })
  assert.deepEqual(await mine.httpSend('note', { n: 1 }), { success: true })
  await got.next((x) => x.payload?.n === 1, 10000, 'the owner’s private httpSend')
  await assert.rejects(theirs.httpSend('note', { n: 2 }),
    new RegExp(`^Error: Unauthorized: You do not have permissions to broadcast to this Channel topic: ${topic} \\(you may not read this thread\\)$`))
  // Stored messages are not supported: refused with the reason.
  await assert.rejects(mine.httpSend('note', { n: 3 }, { persist: true }), /persist is not supported/)
  assert.deepEqual(await mine.httpSend('note', { n: 4 }), { success: true })
  await got.next((x) => x.payload?.n === 4, 10000, 'the later private httpSend')
  assert.deepEqual(got.items.map((x) => x.payload.n), [1, 4])
  for (const c of [o, s, sb]) await c.removeAllChannels()
})
