// The core's rate limit (--rate-limit per second, --rate-burst) on Supabase sockets, per socket, anonymous ones
// (no user token) included: a push over it is answered `ChannelRateLimitReached: Too many messages per second`
// and nothing of it is acted on; another socket is not affected; heartbeats and leaves are not limited.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ANON_KEY, Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

const RATE = 2
const BURST = 10
let db, gw
before(async () => {
  db = new Database('tp_supabase_rate_limit')
  gw = await Gateway.start(db, { TECHPULSE_RATE_LIMIT: String(RATE), TECHPULSE_RATE_BURST: String(BURST) })
})
after(async () => {
  await gw?.stop()
})

const LIMITED = { status: 'error', response: { reason: 'ChannelRateLimitReached: Too many messages per second' } }

// A raw anonymous vsn-2 socket joined to `channel` with broadcast ack (every accepted push is answered ok).
async function rawSender(channel, accessToken) {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/realtime/v1/websocket?apikey=${ANON_KEY}&vsn=2.0.0`)
  const got = new Inbox()
  ws.on('message', (data, isBinary) => { if (!isBinary) got.push(JSON.parse(data.toString())) })
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej) })
  const topic = `realtime:${channel}`
  const payload = { config: { broadcast: { ack: true, self: false }, presence: { key: '', enabled: false }, postgres_changes: [], private: false } }
  if (accessToken) payload.access_token = accessToken
  ws.send(JSON.stringify(['1', '1', topic, 'phx_join', payload]))
  const join = await got.next((f) => f[1] === '1', 10000, 'the join reply')
  assert.equal(join[4].status, 'ok', JSON.stringify(join))
  const replies = (refs) => Promise.all(refs.map((r) => got.next((f) => f[1] === r && f[3] === 'phx_reply', 10000, `reply ${r}`)))
  // Sends n broadcast pushes at once (then a phx_leave, with thenLeave); resolves with their replies' payloads, in
  // order (the leave's last).
  const burst = async (n, tag, thenLeave = false) => {
    const refs = Array.from({ length: n }, (_, i) => `${tag}-${i}`)
    for (const [i, ref] of refs.entries()) {
      ws.send(JSON.stringify(['1', ref, topic, 'broadcast', { type: 'broadcast', event: 'n', payload: { tag, i } }]))
    }
    if (thenLeave) {
      refs.push(`${tag}-leave`)
      ws.send(JSON.stringify(['1', `${tag}-leave`, topic, 'phx_leave', {}]))
    }
    return (await replies(refs)).map((f) => f[4])
  }
  const heartbeat = async (ref) => {
    ws.send(JSON.stringify([null, ref, 'phoenix', 'heartbeat', {}]))
    return (await got.next((f) => f[1] === ref, 10000, 'the heartbeat reply'))[4]
  }
  return { ws, burst, heartbeat }
}

for (const who of ['anonymous', 'authenticated']) {
  test(`${who} socket: pushes over the burst are refused with ChannelRateLimitReached and not published`, async () => {
    const listener = await client(gw, null)
    const heard = new Inbox()
    await subscribed(listener.channel(`rl-${who}`).on('broadcast', { event: 'n' }, (m) => heard.push(m.payload)))
    const token = who === 'authenticated' ? hs256(claims(db.profile())) : null
    const sender = await rawSender(`rl-${who}`, token)
    const started = Date.now()
    const out = await sender.burst(3 * BURST, 'a', true)
    const seconds = (Date.now() - started) / 1000
    // The leave right behind the refused pushes is not refused (it only frees what the join took).
    assert.deepEqual(out.pop(), { status: 'ok', response: {} })
    assert.deepEqual(out[out.length - 1], LIMITED)
    const ok = out.filter((r) => r.status === 'ok')
    const refused = out.filter((r) => r.status !== 'ok')
    for (const r of refused) assert.deepEqual(r, LIMITED)
    assert.equal(ok.length + refused.length, 3 * BURST)
    // The join took one token; the rest of the burst, plus what refilled meanwhile, is accepted.
    assert.ok(ok.length >= BURST - 1 && ok.length <= BURST + Math.ceil(seconds * RATE), `${ok.length} accepted in ${seconds} s`)
    assert.ok(refused.length >= BURST, `${refused.length} refused`)
    // Heartbeats are answered, not limited.
    assert.deepEqual(await sender.heartbeat('hb-1'), { status: 'ok', response: {} })
    // Another socket has its own bucket: its push goes through, and marks the listener's stream.
    const other = await rawSender(`rl-${who}`, null)
    assert.deepEqual(await other.burst(1, 'b'), [{ status: 'ok', response: {} }])
    await heard.next((p) => p.tag === 'b', 10000, 'the other socket’s broadcast')
    // Only the accepted pushes were published, each once.
    const fromA = heard.items.filter((p) => p.tag === 'a').map((p) => p.i)
    const acceptedIdx = out.flatMap((r, i) => (r.status === 'ok' ? [i] : []))
    assert.deepEqual(fromA, acceptedIdx)
    sender.ws.close()
    other.ws.close()
    await listener.removeAllChannels()
  })
}
