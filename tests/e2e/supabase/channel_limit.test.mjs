// The channels one socket may join: --max-subscriptions (the native protocol's topics per session, one limit for
// both dialects). A join past it is refused with `ChannelRateLimitReached: Too many channels ...` and nothing of it
// is joined; a leave makes room again; another socket is not affected.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ANON_KEY, Database, Gateway, Inbox } from './harness.mjs'

const MAX = 3
let db, gw
before(async () => {
  db = new Database('tp_supabase_channel_limit')
  gw = await Gateway.start(db, { TECHPULSE_MAX_SUBSCRIPTIONS: String(MAX) })
})
after(async () => {
  await gw?.stop()
})

// A raw anonymous vsn-2 socket; join/leave resolve with the reply's payload.
async function rawSocket() {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/realtime/v1/websocket?apikey=${ANON_KEY}&vsn=2.0.0`)
  const got = new Inbox()
  ws.on('message', (data, isBinary) => { if (!isBinary) got.push(JSON.parse(data.toString())) })
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej) })
  let ref = 0
  const push = async (topic, event, payload) => {
    const r = String(++ref)
    ws.send(JSON.stringify([r, r, topic, event, payload]))
    return (await got.next((f) => f[1] === r && f[3] === 'phx_reply', 10000, `the ${event} reply`))[4]
  }
  const config = { config: { broadcast: { ack: true, self: true }, presence: { key: '', enabled: false }, postgres_changes: [], private: false } }
  return {
    ws,
    join: (name) => push(`realtime:${name}`, 'phx_join', config),
    leave: (name) => push(`realtime:${name}`, 'phx_leave', {}),
    broadcast: (name) => push(`realtime:${name}`, 'broadcast', { type: 'broadcast', event: 'e', payload: {} }),
  }
}

test('a socket joins at most --max-subscriptions channels; a leave makes room; other sockets are not affected', async () => {
  const a = await rawSocket()
  for (let i = 0; i < MAX; ++i) assert.equal((await a.join(`lim-${i}`)).status, 'ok')
  // Joining one of them again replaces it: not counted.
  assert.equal((await a.join('lim-0')).status, 'ok')
  const refused = await a.join(`lim-${MAX}`)
  assert.deepEqual(refused, {
    status: 'error',
    response: { reason: `ChannelRateLimitReached: Too many channels (a socket may join at most ${MAX})` },
  })
  // Not joined: a push on it is not acted on as a member's.
  assert.notEqual((await a.broadcast(`lim-${MAX}`)).status, 'ok')
  const b = await rawSocket()
  assert.equal((await b.join(`lim-${MAX}`)).status, 'ok')
  assert.equal((await a.leave('lim-1')).status, 'ok')
  assert.equal((await a.join(`lim-${MAX}`)).status, 'ok')
  a.ws.close()
  b.ws.close()
})
