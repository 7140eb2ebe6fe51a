// Presence through supabase-js 2.119.1 between two gateway nodes on one PostgreSQL (docs/supabase-compat.md,
// "Presence"): sync across nodes, leave on disconnect, untrack, an update replacing its meta, the meta size limit,
// and a private thread:<uuid> channel's presence only for those who may read the thread.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, nodeA, nodeB
before(async () => {
  db = new Database('tp_supabase_presence')
  nodeA = await Gateway.start(db)
  nodeB = await Gateway.start(db)
})
after(async () => {
  await nodeA?.stop()
  await nodeB?.stop()
})

// A channel whose every sync pushes its presenceState() into the returned inbox.
function watched(sb, name, config) {
  const syncs = new Inbox()
  const leaves = new Inbox()
  const ch = sb.channel(name, { config })
    .on('presence', { event: 'sync' }, () => syncs.push(ch.presenceState()))
    .on('presence', { event: 'leave' }, (l) => leaves.push(l))
  return { ch, syncs, leaves }
}

test('presence syncs between two clients on two nodes (vsn 2.0.0 and 1.0.0), and a disconnect leaves', async () => {
  const a = await client(nodeA, hs256(claims(db.profile())))
  const b = await client(nodeB, hs256(claims(db.profile())), { vsn: '1.0.0' })
  const { ch: chA, syncs: syncsA, leaves: leavesA } = watched(a, 'lobby', { presence: { key: 'alice' } })
  const { ch: chB, syncs: syncsB } = watched(b, 'lobby', { presence: { key: 'bob' } })
  await subscribed(chA)
  await subscribed(chB)
  assert.equal(await chA.track({ online: 'a' }), 'ok')
  assert.equal(await chB.track({ online: 'b' }), 'ok')
  const state = await syncsA.next((s) => s.alice && s.bob, 10000, 'both in A’s presence state')
  assert.equal(state.bob[0].online, 'b')
  assert.ok(state.bob[0].presence_ref)
  assert.equal(state.alice.length, 1)
  // The vsn-1 client's own state holds both too.
  assert.equal(await chB.track({ online: 'b2' }), 'ok')
  const stateB = await syncsB.next((s) => s.alice && s.bob?.[0]?.online === 'b2', 10000, 'both in B’s presence state')
  assert.equal(stateB.alice[0].online, 'a')
  // B's socket goes away without untrack: its presence leaves on every node.
  const before = syncsA.items.length
  b.realtime.disconnect()
  const left = await leavesA.next((l) => l.key === 'bob' && l.leftPresences[0].online === 'b2', 10000, 'bob to leave')
  assert.equal(left.leftPresences.length, 1)
  await syncsA.next((s) => syncsA.items.indexOf(s) >= before && s.alice && !s.bob, 10000, 'bob gone from A’s state')
  await a.removeAllChannels()
})

test('a late joiner gets the whole state; untrack leaves; tracking again replaces the meta', async () => {
  const a = await client(nodeA, hs256(claims(db.profile())))
  const b = await client(nodeB, hs256(claims(db.profile())))
  const chA = a.channel('hall', { config: { presence: { key: 'alice' } } })
  await subscribed(chA)
  assert.equal(await chA.track({ v: 1 }), 'ok')
  // B joins after A tracked, on the other node: its presence_state already holds A.
  const { ch: chB, syncs, leaves } = watched(b, 'hall', { presence: { key: 'bob' } })
  await subscribed(chB)
  await syncs.next((s) => s.alice?.[0]?.v === 1, 10000, 'alice in B’s first state')
  // An update: one meta, the new one (the old ref leaves after the new one joined).
  assert.equal(await chA.track({ v: 2 }), 'ok')
  const updated = await syncs.next((s) => s.alice?.[0]?.v === 2, 10000, 'alice’s new meta')
  assert.equal(updated.alice.length, 1)
  assert.equal(updated.alice[0].phx_ref_prev, undefined) // presenceState() drops it
  // Untrack: alice leaves B's state while A's socket stays.
  assert.equal(await chA.untrack(), 'ok')
  const left = await leaves.next((l) => l.key === 'alice' && l.leftPresences[0].v === 2, 10000, 'alice to leave')
  assert.equal(left.currentPresences.length, 0)
  await syncs.next((s) => !s.alice && syncs.items.indexOf(s) > syncs.items.indexOf(updated), 10000, 'alice gone')
  // A meta over the limit (4096 bytes) is refused with an error reply; nothing joins.
  assert.equal(await chA.track({ big: 'x'.repeat(5000) }), 'error')
  assert.equal(await chA.track({ v: 3 }), 'ok')
  const last = await syncs.next((s) => s.alice?.[0]?.v === 3, 10000, 'alice back')
  assert.equal(last.alice.length, 1)
  assert.ok(!syncs.items.some((s) => s.alice?.some((m) => m.big)), 'the refused meta was never present')
  await a.removeAllChannels()
  await b.removeAllChannels()
})

test('a private thread:<uuid> channel’s presence is only for those who may read the thread', async () => {
  const owner = db.profile()
  const stranger = db.profile()
  const thread = db.thread(owner)
  const o = await client(nodeA, hs256(claims(owner)))
  const s = await client(nodeB, hs256(claims(stranger)))
  const { ch: chO, syncs: syncsO } = watched(o, `thread:${thread}`, { private: true, presence: { key: 'owner' } })
  await subscribed(chO)
  assert.equal(await chO.track({ here: true }), 'ok')
  await syncsO.next((st) => st.owner, 10000, 'the owner in its own state')
  // The stranger's private join is refused, so it can neither see nor track the thread's presence.
  const denied = s.channel(`thread:${thread}`, { config: { private: true, presence: { key: 'stranger' } } })
    .on('presence', { event: 'sync' }, () => {})
  await assert.rejects(subscribed(denied), /CHANNEL_ERROR: .*permissions/)
  await s.removeChannel(denied)
  // The public channel of the same name is another channel: the private one's presence is not in it.
  const { ch: pub, syncs: syncsS } = watched(s, `thread:${thread}`, { presence: { key: 'stranger' } })
  await subscribed(pub)
  assert.equal(await pub.track({ here: true }), 'ok')
  const seen = await syncsS.next((st) => st.stranger, 10000, 'the stranger in the public channel’s state')
  assert.equal(seen.owner, undefined)
  assert.ok(!syncsS.items.some((st) => st.owner), 'the owner never appeared to the stranger')
  assert.ok(!syncsO.items.some((st) => st.stranger), 'the stranger never appeared in the private channel')
  await o.removeAllChannels()
  await s.removeAllChannels()
})
