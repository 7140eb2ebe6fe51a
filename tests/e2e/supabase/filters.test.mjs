// postgres_changes filters through supabase-js 2.119.1 against the real gateway and PostgreSQL: for each operator
// (eq neq lt lte gt gte in is, and not.), rows that match and rows that do not are written by SQL, in an order that
// ends with a matching row; once that last row has arrived, the callback must have received exactly the matching
// rows, in commit order (a non-matching row would have arrived before the last matching one: commit order holds).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Database, Gateway, Inbox, client, claims, hs256, subscribed } from './harness.mjs'

let db, gw
before(async () => {
  db = new Database('tp_supabase_filters')
  gw = await Gateway.start(db)
})
after(async () => {
  await gw?.stop()
})

// Each case: a filter on chat_messages and the rows to insert, in order: [thread, role, content, matches]. The
// user owns three threads: `high` already holds 8 rows (its next rows get seq 9, 10, 11, ...), `mid` 9 (10, ...),
// `low` none (1, 2, ...).
// seq bounds of 10 catch a textual comparison ("9" > "10" as text).
const cases = [
  { filter: 'seq=eq.10', rows: [['high', 'user', 'nine', false], ['high', 'user', 'ten', true], ['low', 'user', 'one', false], ['high', 'user', 'eleven', false], ['mid', 'user', 'ten', true]] },
  { filter: 'content=neq.héllo', rows: [['low', 'user', 'héllo', false], ['low', 'user', 'hello', true], ['low', 'system', 'héllo', false], ['low', 'system', 'héllo!', true]] },
  { filter: 'seq=lt.10', rows: [['high', 'user', 'nine', true], ['high', 'user', 'ten', false], ['high', 'user', 'eleven', false], ['low', 'user', 'one', true]] },
  { filter: 'seq=lte.10', rows: [['high', 'user', 'nine', true], ['high', 'user', 'ten', true], ['high', 'user', 'eleven', false], ['low', 'user', 'one', true]] },
  { filter: 'seq=gt.10', rows: [['low', 'user', 'one', false], ['high', 'user', 'nine', false], ['high', 'user', 'ten', false], ['high', 'user', 'eleven', true]] },
  { filter: 'seq=gte.10', rows: [['high', 'user', 'nine', false], ['high', 'user', 'ten', true], ['low', 'user', 'one', false], ['high', 'user', 'eleven', true]] },
  { filter: 'role=in.(system,technician)', rows: [['low', 'user', 'a', false], ['low', 'system', 'b', true], ['low', 'assistant', 'c', false], ['low', 'technician', 'd', true]] },
  { filter: 'content=in.("a,b",c)', rows: [['low', 'user', 'a', false], ['low', 'user', 'a,b', true], ['low', 'user', 'b', false], ['low', 'user', 'c', true]] },
  // sender_id is NULL for the rows of role system (the harness inserts them without a sender), the user's id else.
  { filter: 'sender_id=is.null', rows: [['low', 'user', 'mine', false], ['low', 'system', 'nobody', true], ['high', 'user', 'mine', false], ['high', 'system', 'nobody', true]] },
  { filter: 'sender_id=not.is.null', rows: [['low', 'system', 'nobody', false], ['low', 'user', 'mine', true], ['high', 'system', 'nobody', false], ['high', 'user', 'mine', true]] },
  { filter: 'seq=not.lt.10', rows: [['low', 'user', 'one', false], ['high', 'user', 'nine', false], ['high', 'user', 'ten', true]] },
  { filter: 'seq=gte.9,content=neq.skip', rows: [['high', 'user', 'skip', false], ['low', 'user', 'one', false], ['high', 'user', 'ten', true]] },
  // A timestamptz column compares instants (as toISOString writes them), not the text of the row's JSON
  // ("…00.123456+00:00" is before "…00.123Z" as text). The 5th element is the row's created_at.
  { filter: 'created_at=gt.2030-01-01T00:00:00.123Z', rows: [['low', 'user', 'a', true, '2030-01-01T00:00:00.123456Z'], ['low', 'user', 'b', false, '2030-01-01T00:00:00.1Z'], ['low', 'user', 'c', false, '2030-01-01T02:00:00.123+02:00'], ['low', 'user', 'd', true, '2031-01-01']] },
  { filter: 'created_at=lte.2030-01-01T02:00:00+02:00', rows: [['low', 'user', 'a', false, '2030-01-01T00:00:00.000001Z'], ['low', 'user', 'b', true, '2029-12-31T23:59:59.999999Z'], ['low', 'user', 'c', true, '2030-01-01T00:00:00Z']] },
]

async function setUp() {
  const user = db.profile()
  const threads = { high: db.thread(user), mid: db.thread(user), low: db.thread(user) }
  for (const [t, n] of [['high', 8], ['mid', 9]]) {
    db.sql(`INSERT INTO chat_messages (thread_id, role, content) SELECT '${threads[t]}', 'system', 'before' FROM generate_series(1, ${n})`)
  }
  return { user, threads, sb: await client(gw, hs256(claims(user))) }
}

for (const c of cases) {
  test(`filter ${c.filter}: exactly the matching rows arrive, in order`, async () => {
    const { user, threads, sb } = await setUp()
    const inbox = new Inbox()
    const ch = sb
      .channel(`filter-${c.filter}`)
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'chat_messages', filter: c.filter }, (p) => inbox.push(p))
    await subscribed(ch)
    // One psql call, one statement per row (in order), the ids chosen here.
    const expected = []
    const statements = c.rows.map(([thread, role, content, matches, createdAt]) => {
      const id = randomUUID()
      if (matches) expected.push(id)
      const sender = role === 'system' ? 'NULL' : `'${user}'`
      const created = createdAt ? `'${createdAt}'` : 'now()'
      return `INSERT INTO chat_messages (id, thread_id, sender_id, role, content, created_at) VALUES ('${id}', '${threads[thread]}', ${sender}, '${role}', '${content}', ${created});`
    })
    db.sql(statements.join('\n'))
    const last = expected[expected.length - 1]
    await inbox.next((p) => p.new.id === last, 10000, `the last matching row of ${c.filter}`)
    assert.deepEqual(inbox.items.map((p) => p.new.id), expected)
    await sb.removeAllChannels()
  })
}

// is.true / is.false on a boolean column: conversation_threads.assistant_enabled (true by default), by UPDATE.
for (const [filter, want] of [['assistant_enabled=is.false', false], ['assistant_enabled=is.true', true]]) {
  test(`filter ${filter}: exactly the matching updates arrive`, async () => {
    const user = db.profile()
    const thread = db.thread(user)
    const sb = await client(gw, hs256(claims(user)))
    const inbox = new Inbox()
    const ch = sb
      .channel(`filter-${filter}`)
      .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'conversation_threads', filter }, (p) => inbox.push(p))
    await subscribed(ch)
    // Each update sets the title and the flag; the rows whose new flag equals `want` match.
    const flags = [true, false, !want, want]
    const expected = []
    db.sql(flags.map((flag, i) => {
      if (flag === want) expected.push(`v${i}`)
      return `UPDATE conversation_threads SET title = 'v${i}', assistant_enabled = ${flag} WHERE id = '${thread}';`
    }).join('\n'))
    await inbox.next((p) => p.new.title === expected[expected.length - 1], 10000, `the last matching update of ${filter}`)
    assert.deepEqual(inbox.items.map((p) => p.new.title), expected)
    assert.ok(inbox.items.every((p) => p.new.assistant_enabled === want))
    await sb.removeAllChannels()
  })
}
