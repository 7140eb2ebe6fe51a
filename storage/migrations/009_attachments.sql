-- Attachments (issue 15): files uploaded to a thread, stored in PostgreSQL so that every node serves every file and
-- a backup stays one pg_dump. The bytes are in attachment_chunks, one row per chunk of the upload (streamed in, never
-- held whole in the gateway's memory); `attachments` holds what describes the file. A row is `complete` once every
-- chunk is in and its size and sha256 are known; only complete rows are served or may be attached to a message.

CREATE TABLE attachments (
    id            uuid PRIMARY KEY,
    thread_id     uuid NOT NULL REFERENCES conversation_threads (id) ON DELETE CASCADE,
    uploader_id   uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
    content_type  text NOT NULL CHECK (char_length(content_type) BETWEEN 3 AND 127),
    size          bigint CHECK (size >= 0),  -- null while uploading
    sha256        text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    chunk_bytes   integer NOT NULL CHECK (chunk_bytes > 0),
    complete      boolean NOT NULL DEFAULT false,
    referenced_at timestamptz,  -- when a message first carried it; null: an orphan, swept after the TTL
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT complete OR (size IS NOT NULL AND sha256 IS NOT NULL))
);
CREATE INDEX attachments_orphan_idx ON attachments (created_at) WHERE referenced_at IS NULL;
CREATE INDEX attachments_thread_idx ON attachments (thread_id);

CREATE TABLE attachment_chunks (
    attachment_id uuid NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    idx           integer NOT NULL CHECK (idx >= 0),
    data          bytea NOT NULL,
    PRIMARY KEY (attachment_id, idx)
);
-- Photos, PDFs and audio are compressed already: store the chunks out of line without trying pglz on them.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- An upload may start only where its uploader may write (the same rule as a send).
CREATE FUNCTION tp_begin_attachment(p_id uuid, p_user uuid, p_thread uuid, p_name text, p_type text, p_chunk integer)
    RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM conversation_threads WHERE id = p_thread) THEN
        RETURN 'thread_not_found';
    END IF;
    IF NOT tp_can_access(p_user, p_thread) THEN
        RETURN 'forbidden';
    END IF;
    INSERT INTO attachments (id, thread_id, uploader_id, name, content_type, chunk_bytes)
    VALUES (p_id, p_thread, p_user, p_name, p_type, p_chunk);
    RETURN 'ok';
END $fn$;

-- A complete attachment as its reader sees it, or no row: the attachment does not exist, is not complete, or this
-- user may not read its thread. The caller answers all three alike (404), so existence does not leak.
CREATE FUNCTION tp_readable_attachment(p_user uuid, p_id uuid)
    RETURNS TABLE (thread_id uuid, name text, content_type text, size bigint, sha256 text, chunk_bytes integer)
    LANGUAGE sql STABLE AS $fn$
    SELECT a.thread_id, a.name, a.content_type, a.size, a.sha256, a.chunk_bytes
      FROM attachments a
     WHERE a.id = p_id AND a.complete AND tp_can_access(p_user, a.thread_id)
$fn$;

-- The attachment JSON a message carries (metadata.attachments[i]); `url` is relative to the gateway's origin.
CREATE FUNCTION tp_attachment_json(a attachments) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT jsonb_build_object('id', a.id, 'name', a.name, 'content_type', a.content_type, 'size', a.size,
                              'sha256', a.sha256, 'url', '/v1/attachments/' || a.id)
$fn$;

-- Messages that carry attachments (docs/protocol.md, "Attachments"). Every writer of chat_messages passes here, so
-- the rule exists once: an image, file or voice message must carry metadata.attachments, a list of {"id": uuid}
-- (at most 10; voice: exactly one, audio, with an optional integer duration_ms); each id must name a complete
-- attachment of the same thread uploaded by the sender, and is replaced by the attachment's JSON. Another
-- thread's, another user's and a nonexistent id are answered alike (P0002, "not found"), so a sender learns
-- nothing of attachments they could not see. A text message may not carry metadata.attachments (it would be
-- unchecked). 22023 is a bad request; the gateway's writer maps both SQLSTATEs to the send's error.
CREATE FUNCTION tp_attach_message() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    refs jsonb := NEW.metadata -> 'attachments';
    item jsonb;
    aid uuid;
    a attachments;
    filled jsonb := '[]'::jsonb;
    one jsonb;
    ids uuid[] := '{}';
BEGIN
    IF NEW.message_type NOT IN ('image', 'file', 'voice') THEN
        IF refs IS NOT NULL THEN
            RAISE EXCEPTION 'metadata.attachments is only for image, file and voice messages' USING ERRCODE = '22023';
        END IF;
        RETURN NEW;
    END IF;
    IF refs IS NULL OR jsonb_typeof(refs) <> 'array' OR jsonb_array_length(refs) = 0 THEN
        RAISE EXCEPTION '% messages must carry metadata.attachments, a list of {"id": "<attachment uuid>"}',
            NEW.message_type USING ERRCODE = '22023';
    END IF;
    IF jsonb_array_length(refs) > 10 THEN
        RAISE EXCEPTION 'a message carries at most 10 attachments' USING ERRCODE = '22023';
    END IF;
    IF NEW.message_type = 'voice' AND jsonb_array_length(refs) <> 1 THEN
        RAISE EXCEPTION 'a voice message carries exactly one attachment' USING ERRCODE = '22023';
    END IF;
    FOR item IN SELECT value FROM jsonb_array_elements(refs) LOOP
        IF jsonb_typeof(item) <> 'object' OR jsonb_typeof(item -> 'id') IS DISTINCT FROM 'string'
           OR (item ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            RAISE EXCEPTION 'each of metadata.attachments must be {"id": "<attachment uuid>"}' USING ERRCODE = '22023';
        END IF;
        aid := (item ->> 'id')::uuid;
        IF aid = ANY (ids) THEN
            RAISE EXCEPTION 'attachment % is listed twice', aid USING ERRCODE = '22023';
        END IF;
        ids := ids || aid;
        -- FOR SHARE: the orphan sweep cannot delete it between this check and the commit.
        SELECT * INTO a FROM attachments x
         WHERE x.id = aid AND x.thread_id = NEW.thread_id AND x.uploader_id = NEW.sender_id AND x.complete
           FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'attachment % not found', aid USING ERRCODE = 'P0002';
        END IF;
        IF NEW.message_type = 'voice' AND a.content_type NOT LIKE 'audio/%' THEN
            RAISE EXCEPTION 'attachment % is %, not audio: a voice message carries one audio attachment',
                aid, a.content_type USING ERRCODE = '22023';
        END IF;
        IF NEW.message_type = 'image' AND a.content_type NOT LIKE 'image/%' THEN
            RAISE EXCEPTION 'attachment % is %, not an image: send it as a file message', aid, a.content_type
                USING ERRCODE = '22023';
        END IF;
        one := tp_attachment_json(a);
        IF item ? 'duration_ms' THEN
            IF NEW.message_type <> 'voice' OR jsonb_typeof(item -> 'duration_ms') <> 'number'
               OR (item ->> 'duration_ms') !~ '^[0-9]{1,9}$' THEN
                RAISE EXCEPTION 'duration_ms is a voice attachment''s length, an integer of milliseconds'
                    USING ERRCODE = '22023';
            END IF;
            one := one || jsonb_build_object('duration_ms', (item ->> 'duration_ms')::bigint);
        END IF;
        filled := filled || jsonb_build_array(one);
    END LOOP;
    NEW.metadata := jsonb_set(NEW.metadata, '{attachments}', filled);
    UPDATE attachments SET referenced_at = now() WHERE id = ANY (ids) AND referenced_at IS NULL;
    RETURN NEW;
END $fn$;

CREATE TRIGGER chat_messages_attachments BEFORE INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_attach_message();

-- The periodic sweep (every node runs it; the DELETE is idempotent): attachments no message carries, and uploads
-- that never completed, older than the TTL.
CREATE FUNCTION tp_sweep_attachments(p_ttl_seconds bigint) RETURNS bigint LANGUAGE sql AS $fn$
    WITH gone AS (
        DELETE FROM attachments
         WHERE referenced_at IS NULL AND created_at < now() - make_interval(secs => p_ttl_seconds)
        RETURNING 1)
    SELECT count(*) FROM gone
$fn$;
