// postgres_changes through supabase-js 2.119.1 (vsn 2.0.0 and 1.0.0) against the real gateway and PostgreSQL:
// SQL writes reach the callbacks with whole rows; rows the user may not read never do; revocation is live.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, gw
before(async () => {
  db = new Database('tp_supabase_pgchanges')
  gw = await Gateway.start(db)
})
after(async () => {
  await gw?.stop()
})

for (const vsn of ['2.0.0', '1.0.0']) {
  test(`vsn ${vsn}: an INSERT on chat_messages filtered on thread_id arrives as payload.new; another thread's does not`, async () => {
    const user = db.profile()
    const mine = db.thread(user)
    const other = db.thread(user)
    const sb = await client(gw, hs256(claims(user)), { vsn })
    const inbox = new Inbox()
    const ch = sb
      .channel(`room-${vsn}`)
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'chat_messages', filter: `thread_id=eq.${mine}` },
        (p) => inbox.push(p))
    await subscribed(ch)
    db.sql(`INSERT INTO chat_messages (thread_id, role, content) VALUES ('${other}', 'system', 'not for this binding')`)
    const id = db.sql(`INSERT INTO chat_messages (thread_id, role, content) VALUES ('${mine}', 'system', 'from psql') RETURNING id`)
    const p = await inbox.next((x) => x.new.id === id, 10000, 'the inserted row')
    assert.equal(p.eventType, 'INSERT')
    assert.equal(p.table, 'chat_messages')
    assert.equal(p.schema, 'public')
    assert.equal(p.new.content, 'from psql')
    assert.equal(p.new.thread_id, mine)
    assert.equal(p.new.seq, 1)  // the other thread's row took no cursor of this one; int8 arrives as a number
    assert.deepEqual(p.old, {})
    // payload.new is the row: every column, with realtime-js's conversions by the columns' types (int8 a number,
    // jsonb an object, timestamptz the UTC text).
    const row = JSON.parse(db.sql(`SET TimeZone = 'UTC'; SELECT to_json(m) FROM chat_messages m WHERE id = '${id}'`))
    assert.deepEqual(p.new, row)
    // A marker on the bound thread: everything before it has arrived, and nothing of the other thread did.
    const marker = db.sql(`INSERT INTO chat_messages (thread_id, role, content) VALUES ('${mine}', 'system', 'marker') RETURNING id`)
    await inbox.next((x) => x.new.id === marker)
    assert.ok(inbox.items.every((x) => x.new.thread_id === mine))
    assert.equal(inbox.items.length, 2)
    await sb.removeAllChannels()
  })
}

for (const vsn of ['2.0.0', '1.0.0']) test(`vsn ${vsn}: an UPDATE of support_tickets arrives with old and new; a DELETE with old`, async () => {
  const customer = db.profile()
  const ticket = db.sql(`INSERT INTO support_tickets (ticket_number, customer_id, status) VALUES ('T-1', '${customer}', 'open') RETURNING id`)
  const sb = await client(gw, hs256(claims(customer)), { vsn })
  const inbox = new Inbox()
  const ch = sb.channel('tickets').on('postgres_changes', { event: '*', schema: 'public', table: 'support_tickets' }, (p) => inbox.push(p))
  await subscribed(ch)
  db.sql(`UPDATE support_tickets SET status = 'closed' WHERE id = '${ticket}'`)
  const u = await inbox.next((x) => x.eventType === 'UPDATE', 10000, 'the UPDATE')
  assert.equal(u.old.status, 'open')
  assert.equal(u.new.status, 'closed')
  assert.equal(u.old.ticket_number, 'T-1')  // the whole old row, not only its key
  db.sql(`DELETE FROM support_tickets WHERE id = '${ticket}'`)
  const d = await inbox.next((x) => x.eventType === 'DELETE', 10000, 'the DELETE')
  assert.equal(d.old.id, ticket)
  assert.equal(d.old.status, 'closed')
  assert.deepEqual(d.new, {})
  await sb.removeAllChannels()
})

test("a customer never receives another customer's thread or ticket rows; an unassigned technician stops at once", async () => {
  const alice = db.profile()
  const bob = db.profile()
  const tech = db.profile('technician')
  const ticket = db.sql(`INSERT INTO support_tickets (ticket_number, customer_id, assigned_technician) VALUES ('T-2', '${alice}', '${tech}') RETURNING id`)
  const thread = db.thread(alice, ticket)
  const inboxes = { bob: new Inbox(), tech: new Inbox() }
  const clients = []
  for (const [who, id] of [['bob', bob], ['tech', tech]]) {
    const sb = await client(gw, hs256(claims(id)))
    clients.push(sb)
    const ch = sb
      .channel(`watch-${who}`)
      .on('postgres_changes', { event: '*', schema: 'public', table: 'chat_messages' }, (p) => inboxes[who].push(p))
      .on('postgres_changes', { event: '*', schema: 'public', table: 'support_tickets' }, (p) => inboxes[who].push(p))
    await subscribed(ch)
  }
  const m1 = db.sql(`INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ('${thread}', '${alice}', 'one') RETURNING id`)
  await inboxes.tech.next((x) => x.new?.id === m1, 10000, 'the technician to see the message')
  db.sql(`UPDATE support_tickets SET assigned_technician = NULL WHERE id = '${ticket}'`)
  const m2 = db.sql(`INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ('${thread}', '${alice}', 'two') RETURNING id`)
  // Bob's own marker row proves his stream is flowing up to here.
  const bobThread = db.thread(bob)
  const marker = db.sql(`INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ('${bobThread}', '${bob}', 'mine') RETURNING id`)
  await inboxes.bob.next((x) => x.new?.id === marker)
  // The technician's marker: an admin-visible row he may read again after re-assignment.
  db.sql(`UPDATE support_tickets SET assigned_technician = '${tech}' WHERE id = '${ticket}'`)
  const m3 = db.sql(`INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ('${thread}', '${alice}', 'three') RETURNING id`)
  await inboxes.tech.next((x) => x.new?.id === m3)
  const techIds = inboxes.tech.items.map((x) => x.new?.id ?? x.old?.id)
  assert.ok(!techIds.includes(m2), 'the unassigned technician received a row of the ticket')
  // The UPDATE that unassigned him is not his to see either.
  assert.ok(!inboxes.tech.items.some((x) => x.table === 'support_tickets' && x.new?.assigned_technician === null))
  assert.ok(inboxes.bob.items.every((x) => x.table === 'chat_messages' && x.new.thread_id === bobThread))
  for (const sb of clients) await sb.removeAllChannels()
})

test('an unknown filter operator is answered with a system error naming it', async () => {
  const user = db.profile()
  const sb = await client(gw, hs256(claims(user)))
  const inbox = new Inbox()
  const ch = sb
    .channel('bad-filter')
    .on('system', {}, (p) => inbox.push(p))
    .on('postgres_changes', { event: '*', schema: 'public', table: 'chat_messages', filter: 'content=like.*x*' }, () => {})
  ch.subscribe()
  const sys = await inbox.next((x) => x.status === 'error', 10000, 'a system error')
  assert.match(sys.message, /operator like is not supported/)
  assert.equal(sys.extension, 'postgres_changes')
  await sb.removeAllChannels()
})

test('beyond Supabase: a thread_id=eq binding with since gets the missed rows from the table, then live ones, once each', async () => {
  const user = db.profile()
  const thread = db.thread(user)
  const stranger = db.profile()
  const insert = (content) =>
    db.sql(`INSERT INTO chat_messages (thread_id, role, content) VALUES ('${thread}', 'system', '${content}') RETURNING seq`)
  insert('seen')
  insert('missed 1')
  insert('missed 2')
  const sb = await client(gw, hs256(claims(user)))
  const inbox = new Inbox()
  const ch = sb.channel('since').on(
    'postgres_changes',
    { event: 'INSERT', schema: 'public', table: 'chat_messages', filter: `thread_id=eq.${thread}`, since: '1' },
    (p) => inbox.push(p)
  )
  await subscribed(ch)
  insert('live')
  await inbox.next((x) => x.new.content === 'live', 10000, 'the live row after the replay')
  assert.deepEqual(inbox.items.map((x) => x.new.content), ['missed 1', 'missed 2', 'live'])
  assert.deepEqual(inbox.items.map((x) => x.new.seq), [2, 3, 4])
  // Someone who may not read the thread gets nothing from the table either.
  const other = await client(gw, hs256(claims(stranger)))
  const none = new Inbox()
  const sys = new Inbox()
  const och = other.channel('since-stranger')
    .on('system', {}, (p) => sys.push(p))
    .on('postgres_changes',
      { event: 'INSERT', schema: 'public', table: 'chat_messages', filter: `thread_id=eq.${thread}`, since: '0' },
      (p) => none.push(p))
  await subscribed(och)
  await sys.next((p) => p.extension === 'postgres_changes', 10000, 'the subscribed system message')
  const marker = insert('after stranger joined')
  await inbox.next((x) => x.new.content === 'after stranger joined')
  assert.equal(none.items.length, 0)
  assert.ok(marker)
  await sb.removeAllChannels()
  await other.removeAllChannels()
})
