// REST broadcasts to private channels (docs/supabase-compat.md, "Channels"): POST /realtime/v1/api/broadcast with
// "private": true, under the private join's rule (thread:/ticket: by the core's rules, other names for any user with
// a profile), between two nodes. Each refusal is checked to deliver nothing: a later authorized message must be the
// next to arrive.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ANON_KEY, Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, nodeA, nodeB
before(async () => {
  db = new Database('tp_supabase_rest_broadcast')
  nodeA = await Gateway.start(db)
  nodeB = await Gateway.start(db)
})
after(async () => {
  await nodeA?.stop()
  await nodeB?.stop()
})

function post(node, token, messages) {
  const headers = { apikey: ANON_KEY, 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  return fetch(`${node.url}/realtime/v1/api/broadcast`, { method: 'POST', headers, body: JSON.stringify({ messages }) })
}

// A private subscriber of `name` on node B; its broadcasts of event 'note' go into the returned inbox.
async function privateSubscriber(token, name) {
  const sb = await client(nodeB, token)
  const got = new Inbox()
  await subscribed(sb.channel(name, { config: { private: true } }).on('broadcast', { event: 'note' }, (m) => got.push(m)))
  return { sb, got }
}

test("a private thread:<uuid> broadcast: the thread's owner reaches a private subscriber; another customer is refused", async () => {
  const owner = db.profile()
  const stranger = db.profile()
  const thread = db.thread(owner)
  const topic = `thread:${thread}`
  const ownerToken = hs256(claims(owner))
  const { sb, got } = await privateSubscriber(ownerToken, topic)
  // The public channel of the same name is another channel: it gets none of the private messages.
  const pub = await client(nodeB, hs256(claims(stranger)))
  const pubGot = new Inbox()
  await subscribed(pub.channel(topic).on('broadcast', { event: 'note' }, (m) => pubGot.push(m)))

  const ok = await post(nodeA, ownerToken, [{ topic, event: 'note', payload: { n: 1 }, private: true }])
  assert.equal(ok.status, 202)
  await got.next((m) => m.payload.n === 1, 10000, 'the authorized private broadcast')

  const refused = await post(nodeA, hs256(claims(stranger)), [{ topic, event: 'note', payload: { n: 2 }, private: true }])
  assert.equal(refused.status, 403)
  const why = await refused.json()
  assert.equal(why.error, `Unauthorized: You do not have permissions to broadcast to this Channel topic: ${topic} (you may not read this thread)`)
  // A batch with one refused message publishes none of it.
  const mixed = await post(nodeA, hs256(claims(stranger)), [
    { topic: 'anything', event: 'note', payload: { n: 3 }, private: true },
    { topic, event: 'note', payload: { n: 4 }, private: true },
  ])
  assert.equal(mixed.status, 403)
  // Without a token: 401.
  assert.equal((await post(nodeA, null, [{ topic, event: 'note', payload: { n: 5 }, private: true }])).status, 401)

  const later = await post(nodeA, ownerToken, [{ topic, event: 'note', payload: { n: 6 }, private: true }])
  assert.equal(later.status, 202)
  await got.next((m) => m.payload.n === 6, 10000, 'the later authorized broadcast')
  assert.deepEqual(got.items.map((m) => m.payload.n), [1, 6])
  // The public subscriber's stream is flowing (a public marker), and held none of the private ones.
  assert.equal((await post(nodeA, ownerToken, [{ topic, event: 'note', payload: { n: 7 } }])).status, 202)
  await pubGot.next((m) => m.payload.n === 7, 10000, 'the public marker')
  assert.deepEqual(pubGot.items.map((m) => m.payload.n), [7])
  await sb.removeAllChannels()
  await pub.removeAllChannels()
})

test('a private ticket:<uuid> broadcast: the assigned technician may, another technician may not; a missing ticket is refused', async () => {
  const customer = db.profile()
  const tech = db.profile('technician')
  const other = db.profile('technician')
  const ticket = db.sql(
    `INSERT INTO support_tickets (ticket_number, customer_id, assigned_technician) VALUES ('RB-1', '${customer}', '${tech}') RETURNING id`)
  const topic = `ticket:${ticket}`
  const techToken = hs256(claims(tech))
  const { sb, got } = await privateSubscriber(techToken, topic)
  const refused = await post(nodeA, hs256(claims(other)), [{ topic, event: 'note', payload: { n: 1 }, private: true }])
  assert.equal(refused.status, 403)
  assert.match((await refused.json()).error, /^Unauthorized: .*ticket:.*\(only the assigned technician and admins may use this ticket\)$/)
  const missing = await post(nodeA, techToken, [{ topic: 'ticket:00000000-0000-4000-8000-000000000000', event: 'note', payload: {}, private: true }])
  assert.equal(missing.status, 403)
  assert.match((await missing.json()).error, /\(ticket not found\)$/)
  const bad = await post(nodeA, techToken, [{ topic: 'thread:not-a-uuid', event: 'note', payload: {}, private: true }])
  assert.equal(bad.status, 403)
  assert.match((await bad.json()).error, /thread:<uuid> or ticket:<uuid>/)
  const ok = await post(nodeA, techToken, [{ topic, event: 'note', payload: { n: 2 }, private: true }])
  assert.equal(ok.status, 202)
  await got.next((m) => m.payload.n === 2, 10000, 'the technician’s broadcast')
  assert.deepEqual(got.items.map((m) => m.payload.n), [2])
  await sb.removeAllChannels()
})

test('a private channel of another name takes REST broadcasts from any user with a profile, as its join does', async () => {
  const a = hs256(claims(db.profile()))
  const b = hs256(claims(db.profile()))
  const { sb, got } = await privateSubscriber(a, 'team-room')
  const r = await post(nodeA, b, [{ topic: 'team-room', event: 'note', payload: { from: 'b' }, private: true }])
  assert.equal(r.status, 202)
  const m = await got.next((x) => x.payload.from === 'b', 10000, 'the private broadcast')
  assert.equal(m.event, 'note')
  await sb.removeAllChannels()
})
