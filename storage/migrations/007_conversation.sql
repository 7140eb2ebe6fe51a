-- Conversation features (issue 14): edits and deletes with their own place in a thread's order, read state and
-- unread counts, full-text search over messages, and the tp_presence channel's publisher.

-- ---------------------------------------------------------------------------------------------------------------
-- Edits and deletes
--
-- Every change of a message (an edit, a soft delete, a hard DELETE) takes the next value of the thread's counter
-- (conversation_threads.last_seq, the one message cursors come from) as its own cursor, inside the changing
-- transaction: the thread row's lock orders it with the thread's inserts, so change cursors and message cursors
-- form one total order per thread, in commit order. chat_messages.change_seq holds the cursor of a message's latest
-- change (older versions are not kept); a hard DELETE leaves a tombstone with its cursor so that `since` and the
-- listener's catch-up can replay it.

ALTER TABLE chat_messages
    ADD COLUMN edited_at   timestamptz,
    ADD COLUMN deleted_at  timestamptz,
    ADD COLUMN change_seq  bigint;
CREATE INDEX chat_messages_change_idx ON chat_messages (thread_id, change_seq) WHERE change_seq IS NOT NULL;

CREATE TABLE chat_message_tombstones (
    thread_id     uuid NOT NULL REFERENCES conversation_threads (id) ON DELETE CASCADE,
    change_seq    bigint NOT NULL,
    message_id    uuid NOT NULL,
    message_json  text NOT NULL,  -- the message as a deleted one (content and metadata empty, deleted_at set)
    deleted_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, change_seq)
);

CREATE OR REPLACE FUNCTION tp_message_json(m chat_messages) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN '{"id":"' || m.id || '","thread_id":"' || m.thread_id
        || '","sender_id":' || coalesce('"' || m.sender_id || '"', 'null')
        || ',"role":' || to_json(m.role)::text
        || ',"content":' || to_json(m.content)::text
        || ',"message_type":' || to_json(m.message_type)::text
        || ',"metadata":' || m.metadata::text
        || ',"created_at":"' || tp_ts(m.created_at) || '","updated_at":"' || tp_ts(m.updated_at)
        || '","edited_at":' || coalesce('"' || tp_ts(m.edited_at) || '"', 'null')
        || ',"deleted_at":' || coalesce('"' || tp_ts(m.deleted_at) || '"', 'null') || '}';

-- May p_user edit this message? Its sender (who must still be able to use the thread) or an admin.
CREATE FUNCTION tp_can_edit_message(p_user uuid, p_message uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (
        SELECT 1 FROM chat_messages m JOIN profiles p ON p.id = p_user
         WHERE m.id = p_message
           AND (p.role = 'admin' OR (m.sender_id = p_user AND tp_can_access(p_user, m.thread_id))));

-- May p_user delete this message? Whoever may edit it, and a technician in the threads of tickets assigned to
-- them (any message there, the assistant's and the customer's included).
CREATE FUNCTION tp_can_delete_message(p_user uuid, p_message uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN tp_can_edit_message(p_user, p_message)
        OR EXISTS (
        SELECT 1 FROM chat_messages m
          JOIN profiles p ON p.id = p_user AND p.role = 'technician'
          JOIN conversation_threads t ON t.id = m.thread_id
         WHERE m.id = p_message
           AND tp_link_holds(t.user_id, t.ticket_id)
           AND (EXISTS (SELECT 1 FROM support_tickets s WHERE s.id = t.ticket_id AND s.assigned_technician = p_user)
                OR EXISTS (SELECT 1 FROM tickets k WHERE k.id = t.ticket_id AND k.assigned_technician_id = p_user)));

-- An UPDATE that changes what a reader sees (content, metadata, message_type, deleted_at) is a change: it takes a
-- cursor. Setting deleted_at is a delete: content and metadata (which holds the attachments' links) are emptied and
-- the message's open assistant turn is cancelled. A content change of a live message sets edited_at. An assistant
-- turn already running on an edited message goes on (jobs are only made by INSERT, see 004_assistant.sql).
CREATE FUNCTION tp_chat_messages_before_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    job record;
BEGIN
    IF NEW.thread_id IS DISTINCT FROM OLD.thread_id OR NEW.seq IS DISTINCT FROM OLD.seq THEN
        RAISE check_violation USING MESSAGE = 'a message cannot move to another thread or cursor';
    END IF;
    IF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NOT NULL THEN
        -- A deleted message stays deleted and empty; touching it again is not a change.
        NEW.content := '';
        NEW.metadata := '{}'::jsonb;
        NEW.deleted_at := OLD.deleted_at;
        NEW.edited_at := OLD.edited_at;
        NEW.change_seq := OLD.change_seq;
        RETURN NEW;
    END IF;
    IF NEW.deleted_at IS NOT NULL THEN
        NEW.content := '';
        NEW.metadata := '{}'::jsonb;
        NEW.edited_at := OLD.edited_at;
        -- Locks the job before the thread row below, the order the assistant's writer takes them in. A queued
        -- turn is ended by the next sweep, a running one by its worker (tp_job_cancel), each with assistant.error.
        FOR job IN UPDATE assistant_jobs SET cancel_requested = true
                    WHERE message_id = OLD.id AND status IN ('queued', 'running') AND NOT cancel_requested
                   RETURNING id, status LOOP
            IF job.status = 'running' THEN
                PERFORM pg_notify('tp_job_cancel', job.id::text);
            END IF;
        END LOOP;
    ELSIF NEW.content IS NOT DISTINCT FROM OLD.content AND NEW.metadata IS NOT DISTINCT FROM OLD.metadata
          AND NEW.message_type IS NOT DISTINCT FROM OLD.message_type AND OLD.deleted_at IS NULL THEN
        NEW.change_seq := OLD.change_seq;
        NEW.edited_at := OLD.edited_at;
        RETURN NEW;  -- nothing a reader sees changed
    ELSIF NEW.content IS DISTINCT FROM OLD.content THEN
        NEW.edited_at := now();
    END IF;
    NEW.updated_at := now();
    UPDATE conversation_threads SET last_seq = last_seq + 1
     WHERE id = NEW.thread_id
    RETURNING last_seq INTO NEW.change_seq;
    RETURN NEW;
END $$;

CREATE TRIGGER chat_messages_change BEFORE UPDATE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_before_update();

-- tp_chat payloads for changes, like the 'm'/'b' of inserts (002/006) with the change's cursor:
--   'u|<thread>|<change_seq>|<ticket or empty>|<message json>'  message.updated
--   'd|<thread>|<change_seq>|<ticket or empty>|<message json>'  message.deleted
-- and 'U|...|<message id>' / 'D|...|<message id>' when the JSON would pass the NOTIFY limit (the gateway fetches the
-- row as it is then).
CREATE FUNCTION tp_notify_change(kind text, p_thread uuid, p_cursor bigint, p_id uuid, body text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    head text := p_thread::text || '|' || p_cursor::text || '|' || coalesce(tp_thread_ticket(p_thread)::text, '') || '|';
BEGIN
    IF octet_length(head) + octet_length(body) + 2 <= 7900 THEN
        PERFORM pg_notify('tp_chat', kind || '|' || head || body);
    ELSE
        PERFORM pg_notify('tp_chat', upper(kind) || '|' || head || p_id::text);
    END IF;
END $$;

CREATE FUNCTION tp_chat_messages_after_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.change_seq IS DISTINCT FROM OLD.change_seq THEN
        PERFORM tp_notify_change(CASE WHEN NEW.deleted_at IS NULL THEN 'u' ELSE 'd' END, NEW.thread_id,
                                 NEW.change_seq, NEW.id, tp_message_json(NEW));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_change_notify AFTER UPDATE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_after_update();

-- A hard DELETE (by SQL) is a delete too: a tombstone with the next cursor. When the whole thread is being deleted
-- its row is gone already (cascade) and no tombstone is needed.
CREATE FUNCTION tp_chat_messages_after_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    cursor_ bigint;
    gone chat_messages;
    body text;
BEGIN
    UPDATE conversation_threads SET last_seq = last_seq + 1 WHERE id = OLD.thread_id RETURNING last_seq INTO cursor_;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    gone := OLD;
    gone.content := '';
    gone.metadata := '{}'::jsonb;
    gone.deleted_at := coalesce(OLD.deleted_at, now());
    gone.updated_at := now();
    gone.change_seq := cursor_;
    body := tp_message_json(gone);
    INSERT INTO chat_message_tombstones (thread_id, change_seq, message_id, message_json, deleted_at)
    VALUES (OLD.thread_id, cursor_, OLD.id, body, gone.deleted_at);
    PERFORM tp_notify_change('d', OLD.thread_id, cursor_, OLD.id, body);
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_delete_notify AFTER DELETE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_after_delete();

-- Everything of a thread after a cursor, in cursor order: what `since` replays and what the listener's catch-up
-- delivers. kind 'm': a message whose own cursor is after p_after, in its current version (edited, or a deleted
-- one with empty content); 'u' / 'd': the latest change of any message (however old) whose cursor is after
-- p_after; 'd' also for hard-deleted messages (tombstones).
CREATE FUNCTION tp_thread_events_after(p_thread uuid, p_after bigint, p_limit int)
    RETURNS TABLE (cursor_ bigint, kind text, message_id uuid, body text)
    LANGUAGE sql STABLE AS $$
    SELECT e.cursor_, e.kind, e.message_id, e.body FROM (
        (SELECT m.seq AS cursor_, 'm'::text AS kind, m.id AS message_id, tp_message_json(m) AS body
           FROM chat_messages m WHERE m.thread_id = p_thread AND m.seq > p_after ORDER BY m.seq LIMIT p_limit)
        UNION ALL
        (SELECT m.change_seq, CASE WHEN m.deleted_at IS NULL THEN 'u' ELSE 'd' END, m.id, tp_message_json(m)
           FROM chat_messages m WHERE m.thread_id = p_thread AND m.change_seq > p_after
          ORDER BY m.change_seq LIMIT p_limit)
        UNION ALL
        (SELECT s.change_seq, 'd', s.message_id, s.message_json
           FROM chat_message_tombstones s WHERE s.thread_id = p_thread AND s.change_seq > p_after
          ORDER BY s.change_seq LIMIT p_limit)) e
    ORDER BY e.cursor_ LIMIT p_limit
$$;

-- ---------------------------------------------------------------------------------------------------------------
-- Read state
--
-- A user's last read cursor per thread. It only moves forward (tp_mark_read), and each move NOTIFYs tp_read:
--   '<thread>|<user>|<cursor>|<ticket or empty>|<session or empty>'
-- (the session that sent the read, set by tp_mark_read, so that it is not told of its own read).

CREATE TABLE chat_read_state (
    thread_id   uuid NOT NULL REFERENCES conversation_threads (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    last_read   bigint NOT NULL CHECK (last_read >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX chat_read_state_user_idx ON chat_read_state (user_id);

CREATE FUNCTION tp_read_state_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.last_read <= OLD.last_read THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('tp_read', NEW.thread_id || '|' || NEW.user_id || '|' || NEW.last_read || '|'
                      || coalesce(tp_thread_ticket(NEW.thread_id)::text, '') || '|'
                      || coalesce(current_setting('techpulse.session_id', true), ''));
    RETURN NULL;
END $$;

CREATE TRIGGER chat_read_state_notify AFTER INSERT OR UPDATE ON chat_read_state
    FOR EACH ROW EXECUTE FUNCTION tp_read_state_notify();

-- Stores p_user's read cursor for p_thread: only forward, and never past the thread's newest cursor (a cursor
-- ahead of it is taken as "read everything"). Returns whether the thread exists, whether the user may use it, the
-- stored cursor and whether it moved.
CREATE FUNCTION tp_mark_read(p_user uuid, p_thread uuid, p_cursor bigint, p_session text,
                             OUT thread_found boolean, OUT allowed boolean, OUT read_cursor bigint,
                             OUT moved boolean)
    LANGUAGE plpgsql AS $$
DECLARE
    newest bigint;
    before_ bigint;
BEGIN
    SELECT t.last_seq INTO newest FROM conversation_threads t WHERE t.id = p_thread;
    thread_found := FOUND;
    allowed := thread_found AND tp_can_access(p_user, p_thread);
    moved := false;
    IF NOT allowed THEN
        RETURN;
    END IF;
    PERFORM set_config('techpulse.session_id', coalesce(p_session, ''), true);
    SELECT r.last_read INTO before_ FROM chat_read_state r WHERE r.thread_id = p_thread AND r.user_id = p_user;
    INSERT INTO chat_read_state AS r (thread_id, user_id, last_read)
    VALUES (p_thread, p_user, least(greatest(p_cursor, 0), newest))
    ON CONFLICT (thread_id, user_id) DO UPDATE
        SET last_read = greatest(r.last_read, EXCLUDED.last_read),
            updated_at = CASE WHEN EXCLUDED.last_read > r.last_read THEN now() ELSE r.updated_at END
    RETURNING r.last_read INTO read_cursor;
    moved := before_ IS NULL OR read_cursor > before_;
    PERFORM set_config('techpulse.session_id', '', true);
END $$;

-- Messages from others after p_user's read cursor (deleted ones do not count).
CREATE FUNCTION tp_unread(p_user uuid, p_thread uuid) RETURNS bigint
    LANGUAGE sql STABLE
    RETURN (SELECT count(*) FROM chat_messages m
             WHERE m.thread_id = p_thread
               AND m.seq > coalesce((SELECT r.last_read FROM chat_read_state r
                                      WHERE r.thread_id = p_thread AND r.user_id = p_user), 0)
               AND m.sender_id IS DISTINCT FROM p_user AND m.deleted_at IS NULL);

-- The newest live message of a thread, short: {"id","cursor","sender_id","role","preview","created_at"} or null.
CREATE FUNCTION tp_last_message_json(p_thread uuid) RETURNS text
    LANGUAGE sql STABLE
    RETURN coalesce((
        SELECT '{"id":"' || m.id || '","cursor":"' || m.seq || '","sender_id":' || coalesce('"' || m.sender_id || '"', 'null')
            || ',"role":' || to_json(m.role)::text
            || ',"preview":' || to_json(CASE WHEN char_length(m.content) > 140 THEN left(m.content, 139) || '…'
                                             ELSE m.content END)::text
            || ',"created_at":"' || tp_ts(m.created_at) || '"}'
          FROM chat_messages m WHERE m.thread_id = p_thread AND m.deleted_at IS NULL
         ORDER BY m.seq DESC LIMIT 1), 'null');

-- The thread object as one user sees it: tp_thread_json plus "unread", "last_read" and "last_message".
CREATE FUNCTION tp_thread_json_for(t conversation_threads, p_user uuid) RETURNS text
    LANGUAGE sql STABLE
    RETURN left(tp_thread_json(t), -1)
        || ',"unread":' || tp_unread(p_user, t.id)
        || ',"last_read":"' || coalesce((SELECT r.last_read FROM chat_read_state r
                                          WHERE r.thread_id = t.id AND r.user_id = p_user), 0) || '"'
        || ',"last_message":' || tp_last_message_json(t.id) || '}';

-- ---------------------------------------------------------------------------------------------------------------
-- Search

ALTER TABLE chat_messages
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED;
CREATE INDEX chat_messages_search_idx ON chat_messages USING gin (search_tsv);

-- A snippet of the content around the matches, HTML-escaped, with each match in <mark>...</mark>. ts_headline marks
-- with two private-use characters (removed from the content first), which are replaced after the escaping, so the
-- snippet is safe to put into a page as HTML.
CREATE FUNCTION tp_search_snippet(p_content text, q tsquery) RETURNS text
    LANGUAGE sql STABLE
    RETURN replace(replace(
        replace(replace(replace(replace(replace(
            ts_headline('english', translate(p_content, U&'\E000\E001', ''), q,
                        U&'StartSel=\E000, StopSel=\E001, MaxWords=35, MinWords=15'),
            '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;'),
        U&'\E000', '<mark>'), U&'\E001', '</mark>');

-- ---------------------------------------------------------------------------------------------------------------
-- Presence (channel tp_presence, see docs/architecture.md "Presence"). Each node publishes its messages through
-- this function (a JSON array of payloads) on one connection: the notifications of one call are delivered in
-- array order, so a node's messages reach every listener in the order it sent them.
CREATE FUNCTION tp_presence_publish(p_messages jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    msg text;
BEGIN
    FOR msg IN SELECT e.value FROM jsonb_array_elements_text(p_messages) WITH ORDINALITY AS e(value, ord) ORDER BY e.ord LOOP
        PERFORM pg_notify('tp_presence', msg);
    END LOOP;
END $$;
