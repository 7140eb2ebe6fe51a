-- A thread may only be linked to a ticket its owner may see (docs/security.md, "Threads and tickets").
-- Before this, customer B could create a thread with customer A's ticket_id: B's messages reached A's ticket
-- channel, the technician read B's thread as part of A's ticket, and the assistant answered B with A's vehicle.
--
-- A ticket's customer: tickets.customer_id, and the new support_tickets.customer_id. A ticket without one is
-- claimed by the first customer whose thread is linked to it by SQL (a trusted writer) or by staff; a customer
-- can never claim one by a frame.

ALTER TABLE support_tickets ADD COLUMN customer_id uuid REFERENCES profiles (id) ON DELETE SET NULL;
CREATE INDEX support_tickets_customer_idx ON support_tickets (customer_id);

-- Existing links: a support ticket's customer is the owner of its earliest linked customer thread.
UPDATE support_tickets s SET customer_id = first.user_id
  FROM (SELECT DISTINCT ON (t.ticket_id) t.ticket_id, t.user_id
          FROM conversation_threads t JOIN profiles p ON p.id = t.user_id AND p.role = 'customer'
         WHERE t.ticket_id IS NOT NULL
         ORDER BY t.ticket_id, t.created_at, t.id) first
 WHERE s.id = first.ticket_id AND s.customer_id IS NULL;
UPDATE tickets k SET customer_id = first.user_id
  FROM (SELECT DISTINCT ON (t.ticket_id) t.ticket_id, t.user_id
          FROM conversation_threads t JOIN profiles p ON p.id = t.user_id AND p.role = 'customer'
         WHERE t.ticket_id IS NOT NULL
         ORDER BY t.ticket_id, t.created_at, t.id) first
 WHERE k.id = first.ticket_id AND k.customer_id IS NULL;

CREATE FUNCTION tp_ticket_exists(p_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (SELECT 1 FROM support_tickets WHERE id = p_ticket) OR EXISTS (SELECT 1 FROM tickets WHERE id = p_ticket);

CREATE FUNCTION tp_ticket_customer(p_ticket uuid) RETURNS uuid
    LANGUAGE sql STABLE
    RETURN coalesce((SELECT customer_id FROM tickets WHERE id = p_ticket),
                    (SELECT customer_id FROM support_tickets WHERE id = p_ticket));

-- May this profile see the ticket (and so link a thread to it)? admin: any; technician: assigned to them;
-- customer: their own.
CREATE FUNCTION tp_can_see_ticket(p_user uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN tp_can_access_ticket(p_user, p_ticket)
        OR EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_user AND p.role = 'customer'
                                              AND tp_ticket_customer(p_ticket) = p_user);

-- Does the link of a thread owned by p_owner to p_ticket count? Staff threads (and threads without an owner) are
-- the shop's own; a customer's thread counts only on that customer's ticket. A link that does not count is
-- ignored everywhere: ticket channel, technician access, the assistant's context, the thread's JSON.
CREATE FUNCTION tp_link_holds(p_owner uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN p_ticket IS NOT NULL AND (
        p_owner IS NULL
        OR EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_owner AND p.role IN ('technician', 'admin'))
        OR tp_ticket_customer(p_ticket) = p_owner);

-- The ticket a thread really belongs to: its ticket_id when the link holds, else NULL.
CREATE FUNCTION tp_thread_ticket(p_thread uuid) RETURNS uuid
    LANGUAGE sql STABLE
    RETURN (SELECT t.ticket_id FROM conversation_threads t
             WHERE t.id = p_thread AND tp_link_holds(t.user_id, t.ticket_id));

-- May p_actor link a thread owned by p_owner to p_ticket? The actor must see the ticket, and the link must hold
-- for the owner, or (staff only) the ticket has no customer yet and the owner's thread will claim it.
CREATE FUNCTION tp_may_link(p_actor uuid, p_owner uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN tp_can_see_ticket(p_actor, p_ticket)
       AND (tp_link_holds(p_owner, p_ticket)
            OR (tp_ticket_customer(p_ticket) IS NULL
                AND EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_actor AND p.role IN ('technician', 'admin'))));

-- A customer's thread linked to a ticket without a customer claims it (before the row's AFTER triggers, so their
-- events already see the link hold).
CREATE FUNCTION tp_threads_claim_ticket() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ticket_id IS NOT NULL AND NEW.user_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM profiles p WHERE p.id = NEW.user_id AND p.role = 'customer')
       AND tp_ticket_customer(NEW.ticket_id) IS NULL THEN
        UPDATE support_tickets SET customer_id = NEW.user_id WHERE id = NEW.ticket_id AND customer_id IS NULL;
        UPDATE tickets SET customer_id = NEW.user_id WHERE id = NEW.ticket_id AND customer_id IS NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER conversation_threads_claim_ticket BEFORE INSERT OR UPDATE OF ticket_id, user_id ON conversation_threads
    FOR EACH ROW EXECUTE FUNCTION tp_threads_claim_ticket();

-- A ticket whose customer changes changes which of its threads count: their sessions re-check.
CREATE FUNCTION tp_ticket_customer_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    th uuid;
BEGIN
    FOR th IN SELECT id FROM conversation_threads WHERE ticket_id = NEW.id LOOP
        PERFORM pg_notify('tp_access', 't|' || th);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER support_tickets_customer_notify AFTER UPDATE OF customer_id ON support_tickets
    FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id) EXECUTE FUNCTION tp_ticket_customer_notify();
CREATE TRIGGER tickets_customer_notify AFTER UPDATE OF customer_id ON tickets
    FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id) EXECUTE FUNCTION tp_ticket_customer_notify();

-- Every reader of a thread's ticket goes through the effective link from here on.
CREATE OR REPLACE FUNCTION tp_thread_json(t conversation_threads) RETURNS text
    LANGUAGE sql STABLE
    RETURN '{"id":"' || t.id || '","title":' || coalesce(to_json(t.title)::text, 'null')
        || ',"ticket_id":' || coalesce('"' || CASE WHEN tp_link_holds(t.user_id, t.ticket_id) THEN t.ticket_id END || '"', 'null')
        || ',"user_id":' || coalesce('"' || t.user_id || '"', 'null')
        || ',"assistant":' || t.assistant_enabled::text
        || ',"created_at":"' || tp_ts(t.created_at) || '","updated_at":"' || tp_ts(t.updated_at) || '"}';

CREATE OR REPLACE FUNCTION tp_chat_messages_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    ticket uuid;
    head text;
    body text;
BEGIN
    ticket := tp_thread_ticket(NEW.thread_id);
    head := NEW.thread_id::text || '|' || NEW.seq::text || '|' || coalesce(ticket::text, '') || '|';
    body := tp_message_json(NEW);
    IF octet_length(head) + octet_length(body) + 2 <= 7900 THEN
        PERFORM pg_notify('tp_chat', 'm|' || head || body);
    ELSE
        PERFORM pg_notify('tp_chat', 'b|' || head || NEW.id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tp_can_access(p_user uuid, p_thread uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (
        SELECT 1
          FROM conversation_threads t
          JOIN profiles p ON p.id = p_user
         WHERE t.id = p_thread
           AND (p.role = 'admin'
                OR t.user_id = p_user
                OR (p.role = 'technician' AND t.ticket_id IS NOT NULL AND tp_link_holds(t.user_id, t.ticket_id) AND (
                        EXISTS (SELECT 1 FROM support_tickets s
                                 WHERE s.id = t.ticket_id AND s.assigned_technician = p_user)
                     OR EXISTS (SELECT 1 FROM tickets k
                                 WHERE k.id = t.ticket_id AND k.assigned_technician_id = p_user)))));

CREATE OR REPLACE FUNCTION tp_thread_vehicle(p_thread uuid) RETURNS text
    LANGUAGE sql STABLE
    RETURN (
        SELECT coalesce(
            (SELECT nullif(concat_ws(' ', k.vehicle_year, k.vehicle_make, k.vehicle_model), '')
               FROM tickets k WHERE k.id = t.ticket),
            (SELECT concat_ws(' ', v.year, v.make, v.model, v.submodel)
               FROM relationships r JOIN vehicles v ON v.id = r.target_entity_id
              WHERE r.source_entity_id = t.ticket AND r.relationship_type = 'ticket_for_vehicle'
              ORDER BY r.created_at LIMIT 1),
            (SELECT nullif(s.vehicle_info, '') FROM support_tickets s WHERE s.id = t.ticket))
          FROM (SELECT tp_thread_ticket(p_thread) AS ticket) t);

-- A deleted profile ends its sessions on every node, whether or not they are subscribed to anything (before this
-- only a role change was announced).
CREATE FUNCTION tp_profiles_delete_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tp_access', 'u|' || OLD.id);
    RETURN NULL;
END $$;

CREATE TRIGGER profiles_delete_notify AFTER DELETE ON profiles
    FOR EACH ROW EXECUTE FUNCTION tp_profiles_delete_notify();
