-- The support desk (issue 17): the handoff from the assistant to a technician, the ticket queue with atomic claims,
-- and the outbox of offline notifications. Every rule of it is a function here, called by the statement that
-- writes; the gateway and the workers map outcomes to replies and decide nothing themselves.

ALTER TABLE profiles ADD COLUMN phone text;

ALTER TABLE support_tickets
    ADD COLUMN handoff_reason  text,         -- why the conversation went to a person (customer_request, low_confidence, ...)
    ADD COLUMN handed_off_at   timestamptz,  -- the latest handoff to this ticket
    ADD COLUMN claimed_at      timestamptz,  -- when a technician took it (ticket.claim or ticket.assign)
    ADD COLUMN resolved_at     timestamptz;
-- The queue: open support tickets nobody has taken, oldest first.
CREATE INDEX support_tickets_queue_idx ON support_tickets (created_at) WHERE assigned_technician IS NULL;

-- Set while the thread is with a person: the assistant stays off until staff turns it back on (which clears it).
ALTER TABLE conversation_threads ADD COLUMN handoff_at timestamptz;

CREATE SEQUENCE support_ticket_number_seq;

CREATE FUNCTION tp_is_staff(p_user uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_user AND p.role IN ('technician', 'admin'));

-- Is this support ticket in the queue? Open (not resolved or closed) and assigned to nobody.
CREATE FUNCTION tp_ticket_queued(s support_tickets) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN s.assigned_technician IS NULL AND s.status NOT IN ('resolved', 'closed');

-- The priority rule (docs/desk.md): words about safety (brakes, smoke, fire, overheating, steering, airbags, a fuel
-- leak, a car that stalls) make a ticket `high`; everything else is `normal`.
CREATE FUNCTION tp_priority_for(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN coalesce(p_text, '') ~* '\m(brakes?|braking|smoke|smoking|fire|burning|overheat(s|ed|ing)?|steering|airbags?|fuel leak|gas leak|smell of (gas|fuel)|stall(s|ed|ing)?)\M'
                THEN 'high' ELSE 'normal' END;

-- A queue entry: the ticket event object plus what a technician decides by.
CREATE FUNCTION tp_queue_ticket_json(s support_tickets) RETURNS text
    LANGUAGE sql STABLE
    RETURN (tp_support_ticket_json(s)::jsonb || jsonb_build_object(
        'customer_id', s.customer_id, 'handoff_reason', s.handoff_reason,
        'handed_off_at', tp_ts(s.handed_off_at), 'claimed_at', tp_ts(s.claimed_at),
        'ai_analysis', left(s.ai_analysis, 2000),
        'threads', (SELECT coalesce(jsonb_agg(t.id ORDER BY t.created_at), '[]'::jsonb)
                      FROM conversation_threads t WHERE t.ticket_id = s.id AND tp_link_holds(t.user_id, t.ticket_id))))::text;

-- ---------------------------------------------------------------------------------------------------------------
-- Handoff
--
-- tp_handoff: the thread goes to a person. p_actor is the customer or staff member who asked (NULL: the assistant,
-- a trusted writer); p_reason is the assistant's reason code, or the words of the person who asked (their note).
-- In one transaction, under the thread row's lock (so two handoffs of one thread, from two
-- frames or two nodes, run one after the other and the second finds the first's ticket):
--   * a thread already handed off to an open ticket: nothing changes (duplicate);
--   * a thread linked to an open ticket: that ticket is reused (its handoff fields and analysis updated);
--   * otherwise a new support_tickets row: the customer's name and phone from the owner's profile, the vehicle and
--     VIN from the thread's context (metadata "vehicle"/"vin", the linked ticket, a VIN written in the chat), the
--     customer's messages as the issue summary, the analysis, the priority rule; the thread is linked to it.
-- Then the thread's assistant is turned off and a system message tells the customer a technician will join.
-- status: ok, not_found (no such thread), forbidden (the actor may not use the thread), skipped (the assistant's
-- handoff of a thread that is not a customer's).
CREATE FUNCTION tp_handoff(p_actor uuid, p_thread uuid, p_reason text, p_analysis jsonb,
                           OUT status text, OUT ticket_id uuid, OUT created boolean, OUT duplicate boolean,
                           OUT message_id uuid)
    LANGUAGE plpgsql AS $$
DECLARE
    t conversation_threads;
    owner profiles;
    last_answer chat_messages;
    words text;
    summary text;
    analysis jsonb;
    number_ text;
    -- The reason is a code (the assistant's no_sources / low_confidence, or who asked); a person's own words are
    -- their note.
    reason text := CASE WHEN p_actor IS NULL THEN coalesce(nullif(btrim(p_reason), ''), 'assistant')
                        WHEN tp_is_staff(p_actor) THEN 'staff_request' ELSE 'customer_request' END;
    note text := CASE WHEN p_actor IS NOT NULL THEN nullif(btrim(p_reason), '') END;
BEGIN
    created := false;
    duplicate := false;
    SELECT * INTO t FROM conversation_threads c WHERE c.id = p_thread FOR UPDATE;
    IF NOT FOUND THEN
        status := 'not_found';
        RETURN;
    END IF;
    IF p_actor IS NOT NULL AND NOT tp_can_access(p_actor, p_thread) THEN
        status := 'forbidden';
        RETURN;
    END IF;
    IF p_actor IS NULL AND NOT EXISTS (SELECT 1 FROM profiles p WHERE p.id = t.user_id AND p.role = 'customer') THEN
        status := 'skipped';  -- the assistant hands off customers' threads only (staff trying it out make no tickets)
        RETURN;
    END IF;
    status := 'ok';
    ticket_id := tp_thread_ticket(p_thread);
    IF ticket_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM support_tickets s WHERE s.id = ticket_id AND s.status NOT IN ('resolved', 'closed'))
       AND NOT EXISTS (SELECT 1 FROM tickets k WHERE k.id = ticket_id AND k.status NOT IN ('resolved', 'closed')) THEN
        ticket_id := NULL;  -- its ticket is finished: a new one
    END IF;
    IF ticket_id IS NOT NULL AND t.handoff_at IS NOT NULL AND NOT t.assistant_enabled THEN
        duplicate := true;
        RETURN;
    END IF;

    SELECT * INTO owner FROM profiles p WHERE p.id = t.user_id;
    SELECT * INTO last_answer FROM chat_messages m
     WHERE m.thread_id = p_thread AND m.role = 'assistant' AND m.deleted_at IS NULL ORDER BY m.seq DESC LIMIT 1;
    SELECT string_agg(m.content, ' / ' ORDER BY m.seq) INTO summary FROM chat_messages m
     WHERE m.thread_id = p_thread AND m.role = 'user' AND m.deleted_at IS NULL;
    words := concat_ws(' ', summary, note);
    analysis := jsonb_build_object(
        'reason', reason,
        'note', note,
        'requested_by', CASE WHEN p_actor IS NULL THEN 'assistant'
                             ELSE (SELECT p.role FROM profiles p WHERE p.id = p_actor) END,
        'confidence', last_answer.metadata -> 'confidence',
        'sources', coalesce(last_answer.metadata -> 'sources', '[]'::jsonb),
        'last_answer', left(last_answer.content, 500),
        'customer_messages', (SELECT count(*) FROM chat_messages m
                               WHERE m.thread_id = p_thread AND m.role = 'user' AND m.deleted_at IS NULL))
        || coalesce(p_analysis, '{}'::jsonb);

    IF ticket_id IS NULL THEN
        number_ := 'HO-' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' || nextval('support_ticket_number_seq');
        INSERT INTO support_tickets (ticket_number, customer_id, customer_name, customer_phone, vehicle_info, vin,
                                     issue_summary, ai_analysis, priority, status, handoff_reason, handed_off_at)
        VALUES (number_, CASE WHEN owner.role = 'customer' THEN owner.id END,
                coalesce(owner.full_name, owner.username), owner.phone,
                coalesce(nullif(t.metadata ->> 'vehicle', ''), tp_thread_vehicle(p_thread)),
                coalesce(nullif(t.metadata ->> 'vin', ''),
                         (regexp_match(upper(coalesce(summary, '')), '\m([A-HJ-NPR-Z0-9]{17})\M'))[1]),
                left(coalesce(summary, note, ''), 2000), analysis::text, tp_priority_for(words), 'open',
                reason, now())
        RETURNING id INTO ticket_id;
        created := true;
        UPDATE conversation_threads c SET ticket_id = tp_handoff.ticket_id WHERE c.id = p_thread;
    ELSE
        UPDATE support_tickets s
           SET handoff_reason = reason, handed_off_at = now(), ai_analysis = analysis::text, updated_at = now(),
               priority = CASE WHEN tp_priority_for(words) = 'high' AND s.priority IN ('low', 'normal') THEN 'high'
                               ELSE s.priority END
         WHERE s.id = tp_handoff.ticket_id;
        SELECT k.ticket_number INTO number_ FROM support_tickets k WHERE k.id = tp_handoff.ticket_id;
    END IF;

    UPDATE conversation_threads c SET assistant_enabled = false, handoff_at = now(), updated_at = now()
     WHERE c.id = p_thread;
    INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata)
    VALUES (p_thread, NULL, 'system',
            'A technician will join this conversation shortly'
              || coalesce(' (ticket ' || number_ || ')', '') || '. You can keep writing here; the assistant is paused.',
            jsonb_build_object('kind', 'handoff', 'ticket_id', ticket_id, 'reason', reason))
    RETURNING id INTO message_id;
END $$;

-- May p_actor set the thread's assistant to p_on? Turning it back on after a handoff is for staff only (the
-- customer's tp_can_access is checked by the same statement).
CREATE FUNCTION tp_may_set_assistant(p_actor uuid, p_thread uuid, p_on boolean) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN p_on IS NOT TRUE OR tp_is_staff(p_actor)
        OR EXISTS (SELECT 1 FROM conversation_threads t WHERE t.id = p_thread AND t.handoff_at IS NULL);

-- The assistant turned back on ends the handoff.
CREATE FUNCTION tp_threads_assistant_on() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.assistant_enabled AND NOT OLD.assistant_enabled THEN
        NEW.handoff_at := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER conversation_threads_assistant_on BEFORE UPDATE OF assistant_enabled ON conversation_threads
    FOR EACH ROW EXECUTE FUNCTION tp_threads_assistant_on();

-- ---------------------------------------------------------------------------------------------------------------
-- The queue (topic queue:support): tp_event payloads 'Q|support|<json>' ticket.queued, 'C|support|<json>'
-- ticket.claimed, 'D|support|<json>' ticket.dequeued (closed or resolved while nobody had taken it), from any
-- writer: a handoff, a ticket.claim, or plain SQL.

CREATE FUNCTION tp_support_tickets_queue_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP = 'UPDATE' AND tp_ticket_queued(OLD);
    now_ boolean := tp_ticket_queued(NEW);
    body text;
BEGIN
    IF now_ = was THEN
        RETURN NULL;
    END IF;
    body := tp_queue_ticket_json(NEW);
    IF octet_length(body) > 7800 THEN
        -- NOTIFY's payload limit: the long texts are left out (a subscriber reads them with the queue snapshot).
        body := (body::jsonb - 'ai_analysis' - 'issue_summary' || '{"truncated":true}'::jsonb)::text;
    END IF;
    PERFORM pg_notify('tp_event', CASE WHEN now_ THEN 'Q' WHEN NEW.assigned_technician IS NOT NULL THEN 'C' ELSE 'D' END
                                  || '|support|' || body);
    RETURN NULL;
END $$;

-- Deferred to the end of the transaction: a handoff inserts the ticket and then links its thread, and the queued
-- event lists the threads.
CREATE CONSTRAINT TRIGGER support_tickets_queue_notify AFTER INSERT OR UPDATE ON support_tickets
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tp_support_tickets_queue_notify();

-- ticket.claim: p_actor takes the ticket if nobody has. One UPDATE with the condition in its WHERE: of two claims
-- at once (on any nodes) the second waits for the first's row lock, re-reads the row and finds it taken.
-- status: ok (claimed now, or already the actor's: duplicate), forbidden (not staff), not_found, conflict (another
-- technician has it; assignee names them), gone (resolved or closed).
CREATE FUNCTION tp_claim_ticket(p_actor uuid, p_ticket uuid, OUT status text, OUT ticket_json text,
                                OUT duplicate boolean, OUT assignee uuid)
    LANGUAGE plpgsql AS $$
DECLARE
    s support_tickets;
BEGIN
    duplicate := false;
    IF NOT tp_is_staff(p_actor) THEN
        status := 'forbidden';
        RETURN;
    END IF;
    UPDATE support_tickets k
       SET assigned_technician = p_actor, claimed_at = now(), updated_at = now(),
           status = CASE WHEN k.status = 'open' THEN 'in_progress' ELSE k.status END
     WHERE k.id = p_ticket AND tp_ticket_queued(k)
    RETURNING * INTO s;
    IF FOUND THEN
        status := 'ok';
        ticket_json := tp_queue_ticket_json(s);
        assignee := p_actor;
        RETURN;
    END IF;
    SELECT * INTO s FROM support_tickets k WHERE k.id = p_ticket;
    IF NOT FOUND THEN
        status := 'not_found';
    ELSIF s.assigned_technician = p_actor THEN
        status := 'ok';
        duplicate := true;
        ticket_json := tp_queue_ticket_json(s);
        assignee := p_actor;
    ELSIF s.assigned_technician IS NOT NULL THEN
        status := 'conflict';
        assignee := s.assigned_technician;
    ELSE
        status := 'gone';
    END IF;
END $$;

-- ticket.assign: an admin gives the ticket to a technician (or admin), whoever had it. status: ok, forbidden (not
-- an admin), not_found (no such ticket), no_technician (p_tech is not a technician or admin).
CREATE FUNCTION tp_assign_ticket(p_actor uuid, p_ticket uuid, p_tech uuid, OUT status text, OUT ticket_json text)
    LANGUAGE plpgsql AS $$
DECLARE
    s support_tickets;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_actor AND p.role = 'admin') THEN
        status := 'forbidden';
        RETURN;
    END IF;
    IF NOT tp_is_staff(p_tech) THEN
        status := CASE WHEN EXISTS (SELECT 1 FROM support_tickets k WHERE k.id = p_ticket) THEN 'no_technician'
                       ELSE 'not_found' END;
        RETURN;
    END IF;
    UPDATE support_tickets k
       SET assigned_technician = p_tech, claimed_at = coalesce(k.claimed_at, now()), updated_at = now(),
           status = CASE WHEN k.status = 'open' THEN 'in_progress' ELSE k.status END
     WHERE k.id = p_ticket
    RETURNING * INTO s;
    IF NOT FOUND THEN
        status := 'not_found';
        RETURN;
    END IF;
    status := 'ok';
    ticket_json := tp_queue_ticket_json(s);
END $$;

-- --routing least-loaded: of the candidates (the technicians connected somewhere, as the calling node's presence
-- knows them), the one with the fewest open tickets (ties: the one whose last claim is oldest, then by id) gets the
-- ticket, if it is still queued. Every node may try; the WHERE makes one of them win. Returns the technician or
-- NULL.
CREATE FUNCTION tp_route_ticket(p_ticket uuid, p_candidates uuid[]) RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    tech uuid;
BEGIN
    SELECT p.id INTO tech
      FROM profiles p
     WHERE p.id = ANY (p_candidates) AND p.role = 'technician'
     ORDER BY (SELECT count(*) FROM support_tickets s
                WHERE s.assigned_technician = p.id AND s.status NOT IN ('resolved', 'closed')),
              (SELECT max(s.claimed_at) FROM support_tickets s WHERE s.assigned_technician = p.id) NULLS FIRST,
              p.id
     LIMIT 1;
    IF tech IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE support_tickets k
       SET assigned_technician = tech, claimed_at = now(), updated_at = now(),
           status = CASE WHEN k.status = 'open' THEN 'in_progress' ELSE k.status END
     WHERE k.id = p_ticket AND tp_ticket_queued(k);
    RETURN CASE WHEN FOUND THEN tech END;
END $$;

-- The queue as a subscriber sees it when it subscribes: a JSON array, oldest first.
CREATE FUNCTION tp_queue_json() RETURNS text
    LANGUAGE sql STABLE
    RETURN (SELECT coalesce('[' || string_agg(tp_queue_ticket_json(s), ',' ORDER BY s.created_at, s.id) || ']', '[]')
              FROM support_tickets s WHERE tp_ticket_queued(s));

-- ---------------------------------------------------------------------------------------------------------------
-- Offline notifications (docs/webhooks.md)
--
-- A message from someone else to a participant (the thread's customer, the technician assigned to its ticket)
-- writes one outbox row, unless that participant already has a notification for a message they have not read yet
-- (one notification per unread stretch, not one per message). The row waits --notify-after; then one node claims
-- it (FOR UPDATE SKIP LOCKED), checks that the participant has no open session, and POSTs it. Reading the thread
-- cancels it; a failed POST is retried with backoff for 24 hours.

CREATE TABLE notification_outbox (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),  -- the notification's id in the webhook body
    recipient_id     uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    recipient_role   text NOT NULL,
    thread_id        uuid NOT NULL REFERENCES conversation_threads (id) ON DELETE CASCADE,
    ticket_id        uuid,
    message_id       uuid NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    message_seq      bigint NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'cancelled', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,  -- POSTs made
    deferrals        integer NOT NULL DEFAULT 0,  -- times it was due while the participant was online
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (recipient_id, message_id)
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX notification_outbox_thread_idx ON notification_outbox (thread_id, recipient_id, message_seq);

CREATE FUNCTION tp_chat_messages_outbox() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    ticket uuid;
BEGIN
    IF NEW.created_at < now() - interval '10 minutes' THEN
        RETURN NULL;  -- imported history
    END IF;
    ticket := tp_thread_ticket(NEW.thread_id);
    INSERT INTO notification_outbox (recipient_id, recipient_role, thread_id, ticket_id, message_id, message_seq)
    SELECT r.id, r.role, NEW.thread_id, ticket, NEW.id, NEW.seq
      FROM (SELECT p.id, p.role FROM conversation_threads t JOIN profiles p ON p.id = t.user_id AND p.role = 'customer'
             WHERE t.id = NEW.thread_id
            UNION
            SELECT p.id, 'technician' FROM support_tickets s JOIN profiles p ON p.id = s.assigned_technician
             WHERE s.id = ticket
            UNION
            SELECT p.id, 'technician' FROM tickets k JOIN profiles p ON p.id = k.assigned_technician_id
             WHERE k.id = ticket) r
     WHERE r.id IS DISTINCT FROM NEW.sender_id
       AND NOT EXISTS (SELECT 1 FROM notification_outbox o
                        WHERE o.thread_id = NEW.thread_id AND o.recipient_id = r.id AND o.status <> 'cancelled'
                          AND o.message_seq > coalesce((SELECT rs.last_read FROM chat_read_state rs
                                                         WHERE rs.thread_id = NEW.thread_id AND rs.user_id = r.id), 0))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_outbox AFTER INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_outbox();

-- A read that reaches a pending notification's message cancels it.
CREATE FUNCTION tp_read_state_outbox() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notification_outbox o SET status = 'cancelled', lease_until = NULL
     WHERE o.thread_id = NEW.thread_id AND o.recipient_id = NEW.user_id AND o.status = 'pending'
       AND o.message_seq <= NEW.last_read;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_read_state_outbox AFTER INSERT OR UPDATE ON chat_read_state
    FOR EACH ROW EXECUTE FUNCTION tp_read_state_outbox();

-- ---------------------------------------------------------------------------------------------------------------
-- Analytics for admins (GET /v1/analytics/summary, the analytics.summary frame; docs/desk.md "Analytics")

-- A ticket resolved or closed gets its resolved_at (the time-to-resolve figure), whoever wrote the status.
CREATE FUNCTION tp_support_tickets_resolved() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('resolved', 'closed') AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('resolved', 'closed')) THEN
        NEW.resolved_at := coalesce(NEW.resolved_at, now());
    ELSIF NEW.status NOT IN ('resolved', 'closed') THEN
        NEW.resolved_at := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER support_tickets_resolved BEFORE INSERT OR UPDATE OF status ON support_tickets
    FOR EACH ROW EXECUTE FUNCTION tp_support_tickets_resolved();

-- What the figures read: messages by time (messages per day by role, mean confidence) and a thread's first
-- message of each role.
CREATE INDEX chat_messages_created_role_idx ON chat_messages (created_at, role);
CREATE INDEX chat_messages_thread_role_idx ON chat_messages (thread_id, role, created_at);
CREATE INDEX support_tickets_handoff_idx ON support_tickets (handed_off_at) WHERE handed_off_at IS NOT NULL;
CREATE INDEX support_tickets_resolved_idx ON support_tickets (resolved_at) WHERE resolved_at IS NOT NULL;

CREATE FUNCTION tp_percentiles(p_values double precision[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    RETURN (SELECT jsonb_build_object(
                'count', count(*),
                'p50', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY v))::numeric, 3),
                'p90', round((percentile_cont(0.9) WITHIN GROUP (ORDER BY v))::numeric, 3))
              FROM unnest(p_values) v);

-- The summary of [p_from, p_to): NULL when p_actor is not an admin. Durations in seconds.
--   first_response.assistant: per customer thread whose first customer message is in the range, from it to the
--     first assistant message after it;
--   first_response.human: per ticket handed off in the range, from the handoff to the first technician message in
--     its threads after it;
--   handoffs: tickets handed off in the range / customer threads with a first message in the range, by reason;
--   handoff_to_claim: per ticket handed off in the range and claimed, claimed_at - handed_off_at;
--   messages_per_day: messages created in the range by UTC day and role;
--   assistant_confidence: the mean of the assistant messages' metadata.confidence in the range;
--   open_tickets: support tickets not resolved or closed now, by status and by priority;
--   time_to_resolve: the median (and p90) of resolved_at - created_at of tickets resolved in the range.
CREATE FUNCTION tp_analytics_summary(p_actor uuid, p_from timestamptz, p_to timestamptz) RETURNS text
    LANGUAGE sql STABLE AS $$
    WITH firsts AS (
        SELECT m.thread_id, min(m.created_at) AS asked
          FROM chat_messages m JOIN conversation_threads t ON t.id = m.thread_id
          JOIN profiles p ON p.id = t.user_id AND p.role = 'customer'
         WHERE m.role = 'user'
         GROUP BY m.thread_id
        HAVING min(m.created_at) >= p_from AND min(m.created_at) < p_to),
    assistant_first AS (
        SELECT extract(epoch FROM (SELECT min(a.created_at) FROM chat_messages a
                                    WHERE a.thread_id = f.thread_id AND a.role = 'assistant' AND a.created_at >= f.asked)
                              - f.asked)::double precision AS s
          FROM firsts f),
    handed AS (
        SELECT s.* FROM support_tickets s WHERE s.handed_off_at >= p_from AND s.handed_off_at < p_to),
    human_first AS (
        SELECT extract(epoch FROM (SELECT min(m.created_at) FROM chat_messages m
                                     JOIN conversation_threads t ON t.id = m.thread_id
                                    WHERE t.ticket_id = h.id AND m.role = 'technician'
                                      AND m.created_at >= h.handed_off_at) - h.handed_off_at)::double precision AS s
          FROM handed h)
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_actor AND p.role = 'admin') THEN NULL ELSE
    jsonb_build_object(
        'from', tp_ts(p_from), 'to', tp_ts(p_to),
        'first_response', jsonb_build_object(
            'assistant', tp_percentiles(ARRAY(SELECT s FROM assistant_first WHERE s IS NOT NULL)),
            'human', tp_percentiles(ARRAY(SELECT s FROM human_first WHERE s IS NOT NULL))),
        'handoffs', jsonb_build_object(
            'count', (SELECT count(*) FROM handed),
            'conversations', (SELECT count(*) FROM firsts),
            'rate', CASE WHEN (SELECT count(*) FROM firsts) = 0 THEN NULL
                         ELSE round((SELECT count(*) FROM handed)::numeric / (SELECT count(*) FROM firsts), 4) END,
            'reasons', coalesce((SELECT jsonb_object_agg(r, n) FROM (SELECT coalesce(handoff_reason, 'unknown') AS r,
                                                                            count(*) AS n FROM handed GROUP BY 1) x),
                                '{}'::jsonb)),
        'handoff_to_claim', tp_percentiles(ARRAY(
            SELECT extract(epoch FROM h.claimed_at - h.handed_off_at)::double precision FROM handed h
             WHERE h.claimed_at IS NOT NULL)),
        'messages_per_day', coalesce((
            SELECT jsonb_agg(jsonb_build_object('day', d, 'role', r, 'count', n) ORDER BY d, r)
              FROM (SELECT to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d, m.role AS r, count(*) AS n
                      FROM chat_messages m WHERE m.created_at >= p_from AND m.created_at < p_to
                     GROUP BY 1, 2) x), '[]'::jsonb),
        'assistant_confidence', (
            SELECT jsonb_build_object('mean', round(avg((m.metadata ->> 'confidence')::numeric), 4), 'count',
                                      count(m.metadata ->> 'confidence'))
              FROM chat_messages m
             WHERE m.role = 'assistant' AND m.created_at >= p_from AND m.created_at < p_to
               AND jsonb_typeof(m.metadata -> 'confidence') = 'number'),
        'open_tickets', jsonb_build_object(
            'by_status', coalesce((SELECT jsonb_object_agg(st, n) FROM (SELECT status AS st, count(*) AS n
                                     FROM support_tickets WHERE status NOT IN ('resolved', 'closed') GROUP BY 1) x),
                                  '{}'::jsonb),
            'by_priority', coalesce((SELECT jsonb_object_agg(pr, n) FROM (SELECT priority AS pr, count(*) AS n
                                     FROM support_tickets WHERE status NOT IN ('resolved', 'closed') GROUP BY 1) x),
                                    '{}'::jsonb)),
        'time_to_resolve', tp_percentiles(ARRAY(
            SELECT extract(epoch FROM s.resolved_at - s.created_at)::double precision FROM support_tickets s
             WHERE s.resolved_at >= p_from AND s.resolved_at < p_to))
    )::text END
$$;
