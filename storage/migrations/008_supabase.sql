-- Supabase Realtime's postgres_changes (docs/supabase-compat.md): every INSERT, UPDATE and DELETE of
-- chat_messages, conversation_threads, support_tickets, tickets, work_orders and profiles reaches every gateway
-- node as whole rows (the new one and the old one), in commit order, whoever wrote it; and who may see such a row is
-- decided by the same rules as the native protocol. The existing channels (tp_chat, tp_event, tp_access) and their
-- payloads do not change.

-- 1. Delivery. Channel tp_row, one notification per row change:
--      'r|<change id>|<table>|<I|U|D>|<time>|{"record":<new row>,"old_record":<old row>}'
--    or, when that would pass NOTIFY's 8000-byte limit, by reference (as 005 does for tp_event):
--      's|<change id>|<table>|<I|U|D>|<time>|'   and the rows are in tp_row_spill under that id.
-- The change id (a sequence) makes every payload distinct: PostgreSQL folds identical payloads of one transaction
-- into one notification, which would lose the second of two identical updates. Rows are json (column order kept),
-- rendered in UTC whatever the writer's TimeZone (the function's SET). <time> is the time of the change in its
-- transaction (YYYY-MM-DDTHH:MI:SS.MSZ); PostgreSQL has no commit time to give inside the transaction.
CREATE SEQUENCE tp_row_change_seq;

CREATE TABLE tp_row_spill (
    id          bigint PRIMARY KEY,
    tbl         text NOT NULL,
    op          char(1) NOT NULL,
    record      json,
    old_record  json,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tp_row_spill_changed_idx ON tp_row_spill (changed_at);

-- The feed is on only while some gateway node serves postgres_changes bindings: such a node keeps its row here fresh
-- (alive_until about two minutes ahead, renewed while it has bindings; a join waits for it before its reply, so a
-- change committed after the reply is notified). With no row alive the trigger returns before building any JSON
-- or NOTIFY, so a deployment without Supabase clients pays one index probe per row, not a second NOTIFY
-- (docs/benchmarks.md, "The cost of tp_row"). A node that dies leaves its row to expire.
CREATE TABLE tp_row_feed (
    node        text PRIMARY KEY,
    alive_until timestamptz NOT NULL
);

CREATE FUNCTION tp_row_notify() RETURNS trigger
    LANGUAGE plpgsql SET timezone = 'UTC' AS $$
DECLARE
    change_id bigint;
    new_row json;
    old_row json;
    head text;
    body text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tp_row_feed WHERE alive_until > now()) THEN
        RETURN NULL;
    END IF;
    change_id := nextval('tp_row_change_seq');
    IF TG_OP <> 'DELETE' THEN new_row := to_json(NEW); END IF;
    IF TG_OP <> 'INSERT' THEN old_row := to_json(OLD); END IF;
    head := change_id::text || '|' || TG_TABLE_NAME || '|' || left(TG_OP, 1) || '|'
        || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|';
    body := json_build_object('record', new_row, 'old_record', old_row)::text;
    IF octet_length(head) + octet_length(body) + 2 <= 7900 THEN
        PERFORM pg_notify('tp_row', 'r|' || head || body);
    ELSE
        -- Spilled rows are kept an hour: every node fetches them as their notification arrives.
        DELETE FROM tp_row_spill WHERE changed_at < now() - interval '1 hour';
        INSERT INTO tp_row_spill (id, tbl, op, record, old_record)
            VALUES (change_id, TG_TABLE_NAME, left(TG_OP, 1), new_row, old_row);
        PERFORM pg_notify('tp_row', 's|' || head);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_row_notify AFTER INSERT OR UPDATE OR DELETE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_row_notify();
CREATE TRIGGER support_tickets_row_notify AFTER INSERT OR UPDATE OR DELETE ON support_tickets
    FOR EACH ROW EXECUTE FUNCTION tp_row_notify();
CREATE TRIGGER tickets_row_notify AFTER INSERT OR UPDATE OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION tp_row_notify();
CREATE TRIGGER work_orders_row_notify AFTER INSERT OR UPDATE OR DELETE ON work_orders
    FOR EACH ROW EXECUTE FUNCTION tp_row_notify();
CREATE TRIGGER profiles_row_notify AFTER INSERT OR UPDATE OR DELETE ON profiles
    FOR EACH ROW EXECUTE FUNCTION tp_row_notify();
CREATE TRIGGER conversation_threads_row_insert_delete_notify AFTER INSERT OR DELETE ON conversation_threads
    FOR EACH ROW EXECUTE FUNCTION tp_row_notify();
-- Every message bumps its thread's last_seq: that alone is not a change of the thread.
CREATE TRIGGER conversation_threads_row_update_notify AFTER UPDATE ON conversation_threads
    FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_seq') IS DISTINCT FROM (to_jsonb(NEW) - 'last_seq'))
    EXECUTE FUNCTION tp_row_notify();

-- The columns of a table with their PostgreSQL type names (int8, uuid, text, timestamptz, jsonb, _text, ...), in
-- column order: the `columns` of a postgres_changes frame.
CREATE FUNCTION tp_table_columns(p_table text) RETURNS json
    LANGUAGE sql STABLE
    RETURN (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', t.typname) ORDER BY a.attnum), '[]')
              FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
             WHERE a.attrelid = to_regclass('public.' || quote_ident(p_table)) AND a.attnum > 0 AND NOT a.attisdropped);

-- 2. Who may see a row. The thread and ticket rules are restated as functions of a row's own fields, and
-- tp_can_access, tp_can_access_ticket and tp_can_see_ticket are redefined on top of them (same results), so that a
-- DELETE, whose row no longer exists when the notification is handled, is judged by the same rule on the old row.

-- The rule of tp_can_access on a thread's owner and ticket link (006): admin; the owner; a technician assigned to
-- the ticket the thread really belongs to.
CREATE FUNCTION tp_thread_rule(p_user uuid, t_user uuid, t_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (
        SELECT 1 FROM profiles p
         WHERE p.id = p_user
           AND (p.role = 'admin'
                OR t_user = p_user
                OR (p.role = 'technician' AND t_ticket IS NOT NULL AND tp_link_holds(t_user, t_ticket) AND (
                        EXISTS (SELECT 1 FROM support_tickets s
                                 WHERE s.id = t_ticket AND s.assigned_technician = p_user)
                     OR EXISTS (SELECT 1 FROM tickets k
                                 WHERE k.id = t_ticket AND k.assigned_technician_id = p_user)))));

CREATE OR REPLACE FUNCTION tp_can_access(p_user uuid, p_thread uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (SELECT 1 FROM conversation_threads t
                    WHERE t.id = p_thread AND tp_thread_rule(p_user, t.user_id, t.ticket_id));

-- The staff rule of a ticket on its assigned technician: admin, or the technician assigned.
CREATE FUNCTION tp_ticket_staff_rule(p_user uuid, p_assigned uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (SELECT 1 FROM profiles p
                    WHERE p.id = p_user AND (p.role = 'admin' OR (p.role = 'technician' AND p_assigned = p_user)));

-- The customer rule of a ticket on its customer: the customer themself.
CREATE FUNCTION tp_ticket_customer_rule(p_user uuid, p_customer uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_user AND p.role = 'customer' AND p_customer = p_user);

CREATE OR REPLACE FUNCTION tp_can_access_ticket(p_user uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN tp_ticket_staff_rule(p_user, NULL)
        OR EXISTS (SELECT 1 FROM support_tickets s
                    WHERE s.id = p_ticket AND tp_ticket_staff_rule(p_user, s.assigned_technician))
        OR EXISTS (SELECT 1 FROM tickets k
                    WHERE k.id = p_ticket AND tp_ticket_staff_rule(p_user, k.assigned_technician_id));

CREATE OR REPLACE FUNCTION tp_can_see_ticket(p_user uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN tp_can_access_ticket(p_user, p_ticket) OR tp_ticket_customer_rule(p_user, tp_ticket_customer(p_ticket));

-- May p_user see this change of a row of p_table? p_row is the row (the new one; the old one for a DELETE).
--   chat_messages         the thread's rule (tp_can_access), as the native thread topic
--   conversation_threads  the thread's rule; a deleted thread: the rule on its old owner and link
--   support_tickets,      who may see the ticket (tp_can_see_ticket: staff rule, and the ticket's customer); a
--   tickets               deleted ticket: the same rules on its old row
--   work_orders           the ticket's staff (tp_can_access_ticket), as the native ticket topic
--   profiles              the user's own row only
-- Any other table: nobody.
CREATE FUNCTION tp_row_visible(p_user uuid, p_table text, p_row json, p_deleted boolean) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN CASE p_table
        WHEN 'chat_messages' THEN tp_can_access(p_user, (p_row ->> 'thread_id')::uuid)
        WHEN 'conversation_threads' THEN
            CASE WHEN p_deleted
                 THEN tp_thread_rule(p_user, (p_row ->> 'user_id')::uuid, (p_row ->> 'ticket_id')::uuid)
                 ELSE tp_can_access(p_user, (p_row ->> 'id')::uuid) END
        WHEN 'support_tickets' THEN
            CASE WHEN p_deleted
                 THEN tp_ticket_staff_rule(p_user, (p_row ->> 'assigned_technician')::uuid)
                   OR tp_ticket_customer_rule(p_user, (p_row ->> 'customer_id')::uuid)
                 ELSE tp_can_see_ticket(p_user, (p_row ->> 'id')::uuid) END
        WHEN 'tickets' THEN
            CASE WHEN p_deleted
                 THEN tp_ticket_staff_rule(p_user, (p_row ->> 'assigned_technician_id')::uuid)
                   OR tp_ticket_customer_rule(p_user, (p_row ->> 'customer_id')::uuid)
                 ELSE tp_can_see_ticket(p_user, (p_row ->> 'id')::uuid) END
        WHEN 'work_orders' THEN tp_can_access_ticket(p_user, (p_row ->> 'ticket_id')::uuid)
        WHEN 'profiles' THEN (p_row ->> 'id')::uuid = p_user
        ELSE false
    END;

-- 3. Beyond Supabase: a chat_messages binding filtered on one thread_id may ask for the rows after a cursor
-- (`since`, the seq of the last row it saw) and gets them from the table, as row JSON in UTC like the live ones.
-- Nothing when the user may not read the thread.
CREATE FUNCTION tp_chat_rows_after(p_user uuid, p_thread uuid, p_after bigint, p_limit int)
    RETURNS TABLE (seq bigint, row_json json)
    LANGUAGE sql STABLE SET timezone = 'UTC'
    AS $$ SELECT m.seq, to_json(m) FROM chat_messages m
           WHERE m.thread_id = p_thread AND m.seq > p_after AND tp_can_access(p_user, p_thread)
           ORDER BY m.seq LIMIT p_limit $$;

-- 4. Broadcast between nodes (Supabase broadcast and POST /realtime/v1/api/broadcast): a node publishes a message
-- envelope (JSON built by the gateway, storage/broadcast_channel.hpp) with tp_broadcast(); every node LISTENs
-- tp_broadcast. Envelopes up to 7900 bytes travel in the notification ('i|<envelope>'); larger ones (the payload
-- limit is 256 KiB, docs/supabase-compat.md) wait in tp_broadcast_spill for a minute and the notification names
-- them ('s|<id>'). Nothing is kept longer: broadcast is not persisted.
CREATE UNLOGGED TABLE tp_broadcast_spill (
    id          bigserial PRIMARY KEY,
    envelope    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION tp_broadcast(p_envelope text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    spill_id bigint;
BEGIN
    IF octet_length(p_envelope) <= 7900 THEN
        PERFORM pg_notify('tp_broadcast', 'i|' || p_envelope);
    ELSE
        DELETE FROM tp_broadcast_spill WHERE created_at < now() - interval '1 minute';
        INSERT INTO tp_broadcast_spill (envelope) VALUES (p_envelope) RETURNING id INTO spill_id;
        PERFORM pg_notify('tp_broadcast', 's|' || spill_id);
    END IF;
END $$;
