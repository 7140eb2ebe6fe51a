// Presence limits (docs/supabase-compat.md, "Presence"): a meta is at most 4096 bytes of JSON, and a channel holds
// at most 1000 metas cluster-wide. Raw Phoenix sockets (vsn 2.0.0, anonymous, on a public channel) fill a channel on
// node A; a supabase-js client on node B sees the 1000 in its state and is refused a track; once one of them leaves
// (its socket closes), the track succeeds. The refusals' reasons are read from raw sockets' replies.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ANON_KEY, Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, nodeA, nodeB
before(async () => {
  db = new Database('tp_supabase_presence_limits')
  nodeA = await Gateway.start(db)
  nodeB = await Gateway.start(db)
})
after(async () => {
  await nodeA?.stop()
  await nodeB?.stop()
})

// One raw vsn-2 socket joined to `channel` with presence key `key` (presence events not enabled: 1000 members told
// of each other's tracks would be a million frames). track() resolves with the push's reply payload.
class RawMember {
  static async join(node, channel, key) {
    const m = new RawMember()
    m.topic = `realtime:${channel}`
    m.ws = new WebSocket(`ws://127.0.0.1:${node.port}/realtime/v1/websocket?apikey=${ANON_KEY}&vsn=2.0.0`)
    m.got = new Inbox()
    m.ref = 1
    m.ws.on('message', (data, isBinary) => { if (!isBinary) m.got.push(JSON.parse(data.toString())) })
    await new Promise((res, rej) => { m.ws.once('open', res); m.ws.once('error', rej) })
    const config = { broadcast: { ack: false, self: false }, presence: { key, enabled: false }, postgres_changes: [], private: false }
    const reply = await m.push('phx_join', { config })
    assert.equal(reply.status, 'ok', `join of ${key}: ${JSON.stringify(reply)}`)
    return m
  }
  async push(event, payload) {
    const ref = String(++this.ref)
    this.ws.send(JSON.stringify(['1', ref, this.topic, event, payload]))
    const reply = await this.got.next((f) => f[1] === ref && f[3] === 'phx_reply', 10000, `the reply to ${event}`)
    return reply[4]
  }
  track(meta) {
    return this.push('presence', { type: 'presence', event: 'track', payload: meta })
  }
  async close() {
    if (this.ws.readyState === WebSocket.CLOSED) return
    const closed = new Promise((res) => this.ws.once('close', res))
    this.ws.close()
    await closed
  }
}

test('a presence meta is at most 4096 bytes of JSON: 4096 is tracked, 4097 is refused with PayloadTooLarge', async () => {
  const m = await RawMember.join(nodeA, 'meta-size', 'big')
  // {"s":"…"} is the string's length + 8 bytes.
  const fits = await m.track({ s: 'x'.repeat(4088) })
  assert.equal(fits.status, 'ok', JSON.stringify(fits))
  const over = await m.track({ s: 'x'.repeat(4089) })
  assert.equal(over.status, 'error')
  assert.match(over.response.reason, /^PayloadTooLarge: a presence meta is at most 4096 bytes \(this one is 4\d{3}\)/)
  await m.close()
})

test('a channel holds at most 1000 presences cluster-wide: the 1001st is refused with PresenceLimitReached until one leaves',
  { timeout: 240000 }, async () => {
    const members = []
    try {
      for (let i = 0; i < 1000; i += 50) {
        const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => RawMember.join(nodeA, 'crowd', `k${i + j}`)))
        const replies = await Promise.all(batch.map((m, j) => m.track({ n: i + j })))
        for (const r of replies) assert.equal(r.status, 'ok', JSON.stringify(r))
        members.push(...batch)
      }
      // A supabase-js client on the other node: its state holds all 1000, and its own track is refused.
      const sb = await client(nodeB, hs256(claims(db.profile())))
      const syncs = new Inbox()
      const leaves = new Inbox()
      const ch = sb.channel('crowd', { config: { presence: { key: 'late' } } })
        .on('presence', { event: 'sync' }, () => syncs.push(ch.presenceState()))
        .on('presence', { event: 'leave' }, (l) => leaves.push(l))
      await subscribed(ch)
      await syncs.next((s) => Object.keys(s).length === 1000, 30000, 'the 1000 presences in the late client’s state')
      assert.equal(await ch.track({ late: true }), 'error')
      // The reason, from a raw socket on node B.
      const extra = await RawMember.join(nodeB, 'crowd', 'extra')
      const refused = await extra.track({ n: 1000 })
      assert.equal(refused.status, 'error')
      assert.equal(refused.response.reason, 'PresenceLimitReached: a channel holds at most 1000 presences')
      // At the limit, a present member may still replace its own meta (the old one leaves).
      assert.equal((await members[1].track({ n: 1, again: true })).status, 'ok')
      // One socket goes away: once its leave has reached node B, there is room for one more.
      await members[0].close()
      await leaves.next((l) => l.key === 'k0', 30000, 'k0 to leave')
      assert.equal(await ch.track({ late: true }), 'ok')
      const state = await syncs.next((s) => s.late && !s.k0, 30000, 'the late client present')
      assert.equal(Object.keys(state).length, 1000)
      assert.equal((await extra.track({ n: 1000 })).status, 'error')  // full again
      await extra.close()
      await sb.removeAllChannels()
    } finally {
      await Promise.all(members.map((m) => m.close()))
    }
  })
