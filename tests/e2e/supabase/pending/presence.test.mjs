// Presence through supabase-js 2.119.1 between two gateway nodes on one PostgreSQL.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ANON_KEY, Database, Gateway, Inbox, client, claims, hs256, subscribed } from '../harness.mjs'

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

test('presence syncs between two clients on two nodes, and a disconnect leaves', async () => {
  const a = await client(nodeA, hs256(claims(db.profile())))
  const b = await client(nodeB, hs256(claims(db.profile())))
  const syncsA = new Inbox()
  const leavesA = new Inbox()
  const chA = a.channel('lobby', { config: { presence: { key: 'alice' } } })
    .on('presence', { event: 'sync' }, () => syncsA.push(chA.presenceState()))
    .on('presence', { event: 'leave' }, (l) => leavesA.push(l))
  const chB = b.channel('lobby', { config: { presence: { key: 'bob' } } })
  await subscribed(chA)
  await subscribed(chB)
  assert.equal(await chA.track({ online: 'a' }), 'ok')
  assert.equal(await chB.track({ online: 'b' }), 'ok')
  const state = await syncsA.next((s) => s.alice && s.bob, 10000, 'both in A’s presence state')
  assert.equal(state.bob[0].online, 'b')
  assert.ok(state.bob[0].presence_ref)
  // B's socket goes away without untrack: its presence leaves on every node.
  b.realtime.disconnect()
  const left = await leavesA.next((l) => l.key === 'bob', 10000, 'bob to leave')
  assert.equal(left.leftPresences[0].online, 'b')
  await syncsA.next((s) => s.alice && !s.bob)
  await a.removeAllChannels()
})

