// Socket and token lifecycle through supabase-js 2.119.1: heartbeats keep a socket alive past the 60 s idle limit,
// an expired token gets the system error and phx_close, ES256 tokens from a JWKS file.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Database, Gateway, Inbox, client, claims, es256Key, hs256, subscribed, writeJwks } from './harness.mjs'

let db, gw
const key = es256Key('e2e-key-1')
const impostor = es256Key('e2e-key-1')  // same kid, another key
before(async () => {
  db = new Database('tp_supabase_lifecycle')
  gw = await Gateway.start(db, { TECHPULSE_JWT_JWKS_FILE: writeJwks([key]) })
})
after(async () => {
  await gw?.stop()
})

test('heartbeats keep the socket alive past 60 s (vsn 2.0.0 and 1.0.0 side by side)', { timeout: 120000 }, async () => {
  // One socket of each vsn over the same 75 s.
  const alive = async (vsn) => {
    const sb = await client(gw, hs256(claims(db.profile())), { vsn })
    const beats = new Inbox()
    sb.realtime.onHeartbeat((status) => beats.push(status))
    const ch = sb.channel(`alive-${vsn}`)
    await subscribed(ch)
    // Three answered heartbeats, 25 s apart: 75 s on one socket.
    for (let i = 1; i <= 3; ++i) {
      await beats.next(() => beats.items.filter((s) => s === 'ok').length >= i, 40000, `vsn ${vsn} heartbeat ${i}`)
    }
    assert.ok(!beats.items.includes('timeout'))
    assert.ok(!beats.items.includes('disconnected'))
    assert.equal(ch.state, 'joined')
    await sb.removeAllChannels()
  }
  await Promise.all([alive('2.0.0'), alive('1.0.0')])
})

for (const vsn of ['2.0.0', '1.0.0']) test(`vsn ${vsn}: an expired token gets the system error, then phx_close`, { timeout: 30000 }, async () => {
  const sb = await client(gw, hs256(claims(db.profile(), 3)), { vsn })
  const sys = new Inbox()
  const statuses = new Inbox()
  const ch = sb.channel('expiring').on('system', {}, (m) => sys.push(m))
  ch.subscribe((s) => statuses.push(s))
  await statuses.next((s) => s === 'SUBSCRIBED')
  const m = await sys.next((x) => x.status === 'error', 15000, 'the expiry system error')
  assert.match(m.message, /Token has expired/)
  assert.equal(m.channel, 'expiring')
  await statuses.next((s) => s === 'CLOSED', 5000, 'phx_close')
  await sb.removeAllChannels()
})

test('an ES256 token from the JWKS file is accepted; one signed by another key is refused', async () => {
  const user = db.profile()
  const good = await client(gw, key.token(claims(user)))
  await subscribed(good.channel('jwks', { config: { private: true } }))
  const bad = await client(gw, impostor.token(claims(user)))
  await assert.rejects(subscribed(bad.channel('jwks', { config: { private: true } })), /CHANNEL_ERROR: .*signature/)
  await good.removeAllChannels()
  await bad.removeAllChannels()
})
