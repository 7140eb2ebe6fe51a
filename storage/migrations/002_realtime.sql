-- What makes the database live: the per-thread cursor, the message JSON the gateway forwards as is, the
-- NOTIFY trigger, and the access rule shared by every query that reads or writes a thread.

-- The protocol's message and thread objects are built by the database, compact, so that one encoding serves
-- the NOTIFY payload, history pages and catch-up alike.

-- RFC 3339 in UTC with microseconds, whatever the TimeZone of the writing session.
CREATE FUNCTION tp_ts(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

CREATE FUNCTION tp_message_json(m chat_messages) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN '{"id":"' || m.id || '","thread_id":"' || m.thread_id
        || '","sender_id":' || coalesce('"' || m.sender_id || '"', 'null')
        || ',"role":' || to_json(m.role)::text
        || ',"content":' || to_json(m.content)::text
        || ',"message_type":' || to_json(m.message_type)::text
        || ',"metadata":' || m.metadata::text
        || ',"created_at":"' || tp_ts(m.created_at) || '","updated_at":"' || tp_ts(m.updated_at) || '"}';

CREATE FUNCTION tp_thread_json(t conversation_threads) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN '{"id":"' || t.id || '","title":' || coalesce(to_json(t.title)::text, 'null')
        || ',"ticket_id":' || coalesce('"' || t.ticket_id || '"', 'null')
        || ',"user_id":' || coalesce('"' || t.user_id || '"', 'null')
        || ',"assistant":' || t.assistant_enabled::text
        || ',"created_at":"' || tp_ts(t.created_at) || '","updated_at":"' || tp_ts(t.updated_at) || '"}';

-- Takes the next per-thread cursor. The UPDATE locks the thread row until commit, so two writers of one
-- thread are serialised and seq order is commit order (a bigserial would not be).
CREATE FUNCTION tp_chat_messages_before_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversation_threads SET last_seq = last_seq + 1
     WHERE id = NEW.thread_id
    RETURNING last_seq INTO NEW.seq;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING MESSAGE = 'thread ' || NEW.thread_id || ' does not exist';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER chat_messages_seq BEFORE INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_before_insert();

-- Payload on channel tp_chat: 'm|<thread_id>|<seq>|<ticket_id or empty>|<message json>'. A payload that would
-- pass the 8000-byte NOTIFY limit is sent as 'b|<thread_id>|<seq>|<ticket_id or empty>|<message id>' and the
-- gateway fetches the row.
CREATE FUNCTION tp_chat_messages_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    ticket uuid;
    head text;
    body text;
BEGIN
    SELECT ticket_id INTO ticket FROM conversation_threads WHERE id = NEW.thread_id;
    head := NEW.thread_id::text || '|' || NEW.seq::text || '|' || coalesce(ticket::text, '') || '|';
    body := tp_message_json(NEW);
    IF octet_length(head) + octet_length(body) + 2 <= 7900 THEN
        PERFORM pg_notify('tp_chat', 'm|' || head || body);
    ELSE
        PERFORM pg_notify('tp_chat', 'b|' || head || NEW.id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_notify AFTER INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_notify();

-- May this profile read and write this thread? The role comes from profiles, never from the token.
--   admin: every thread; owner: their threads; technician: also threads of tickets assigned to them.
CREATE FUNCTION tp_can_access(p_user uuid, p_thread uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (
        SELECT 1
          FROM conversation_threads t
          JOIN profiles p ON p.id = p_user
         WHERE t.id = p_thread
           AND (p.role = 'admin'
                OR t.user_id = p_user
                OR (p.role = 'technician' AND t.ticket_id IS NOT NULL AND (
                        EXISTS (SELECT 1 FROM support_tickets s
                                 WHERE s.id = t.ticket_id AND s.assigned_technician = p_user)
                     OR EXISTS (SELECT 1 FROM tickets k
                                 WHERE k.id = t.ticket_id AND k.assigned_technician_id = p_user)))));

CREATE INDEX chat_messages_thread_created_idx ON chat_messages (thread_id, created_at);
