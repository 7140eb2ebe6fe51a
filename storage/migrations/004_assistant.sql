-- The assistant: one job per user message in a thread whose assistant is on (written by a trigger, so a message
-- from any writer gets its turn), full-text search over the knowledge base, and the channels that wake workers
-- (tp_job), stop turns (tp_job_cancel) and carry assistant.* events to every gateway node (tp_assistant).

-- Search: title and tags weigh most, category and vehicle next, content least. array_to_string is only STABLE,
-- so the generated column goes through an IMMUTABLE wrapper (text[] output does not depend on settings).
CREATE FUNCTION tp_words(a text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_to_string(a, ' ');

ALTER TABLE knowledge_base ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', tp_words(tags)), 'A')
    || setweight(to_tsvector('english', coalesce(category, '')), 'B')
    || setweight(to_tsvector('english', coalesce(vehicle_context, '')), 'B')
    || setweight(to_tsvector('english', content), 'C')) STORED;
CREATE INDEX knowledge_base_search_idx ON knowledge_base USING gin (search_tsv);
-- The same fields without the content: small, never TOASTed. Retrieval ranks only the articles that match a query
-- word here (when there are enough of them): a common word matches nearly every article's content, and ranking
-- them all costs a detoast of each search_tsv.
ALTER TABLE knowledge_base ADD COLUMN head_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', tp_words(tags)), 'A')
    || setweight(to_tsvector('english', coalesce(category, '')), 'B')
    || setweight(to_tsvector('english', coalesce(vehicle_context, '')), 'B')) STORED;
CREATE INDEX knowledge_base_head_idx ON knowledge_base USING gin (head_tsv);

-- websearch_to_tsquery ANDs the words of a question, and a customer's question rarely uses every word of the
-- article that answers it. The lexemes it produces (stemmed, stop words gone) are ORed instead, and ts_rank_cd
-- ranks the matches. Negated words (-word) are dropped.
CREATE FUNCTION tp_or_tsquery(question text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (SELECT coalesce(string_agg(DISTINCT '''' || m[2] || '''', ' | '), '')::tsquery
              FROM regexp_matches(websearch_to_tsquery('english', question)::text, '(!?)''((?:[^'']|'''')+)''', 'g') AS m
             WHERE m[1] = '');

-- Does an article's vehicle_context ('Toyota Camry 2012-2017', 'Nissan Rogue 2014-2020 (CVT)') name the vehicle
-- described by `vehicle` ('2015 Toyota Camry LE 2.5L')? Every word of the context outside parentheses and year
-- ranges must appear in the vehicle text; when both carry years, the vehicle's year must be in the range.
CREATE FUNCTION tp_vehicle_matches(context text, vehicle text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    ctx text;
    veh text := ' ' || lower(regexp_replace(coalesce(vehicle, ''), '[^[:alnum:].-]+', ' ', 'g')) || ' ';
    word text;
    range text[];
    year int;
BEGIN
    IF context IS NULL OR vehicle IS NULL OR btrim(vehicle) = '' THEN
        RETURN false;
    END IF;
    range := regexp_match(context, '((?:19|20)\d\d)\s*-\s*((?:19|20)\d\d)');
    ctx := regexp_replace(regexp_replace(context, '\([^)]*\)', ' ', 'g'), '(19|20)\d\d(\s*-\s*(19|20)\d\d)?', ' ', 'g');
    ctx := lower(regexp_replace(ctx, '[^[:alnum:].-]+', ' ', 'g'));
    IF btrim(ctx) = '' THEN
        RETURN false;
    END IF;
    FOREACH word IN ARRAY regexp_split_to_array(btrim(ctx), ' ') LOOP
        IF position(' ' || word || ' ' IN veh) = 0 THEN
            RETURN false;
        END IF;
    END LOOP;
    year := (regexp_match(vehicle, '\m((?:19|20)\d\d)\M'))[1]::int;
    IF range IS NOT NULL AND year IS NOT NULL THEN
        RETURN year BETWEEN range[1]::int AND range[2]::int;
    END IF;
    RETURN true;
END $$;

-- The vehicle a thread is about, as text: the ticket's make/model/year (tickets), the vehicle linked to the
-- support ticket (relationships ticket_for_vehicle), or the support ticket's free-text vehicle_info.
CREATE FUNCTION tp_thread_vehicle(p_thread uuid) RETURNS text
    LANGUAGE sql STABLE
    RETURN (
        SELECT coalesce(
            (SELECT nullif(concat_ws(' ', k.vehicle_year, k.vehicle_make, k.vehicle_model), '')
               FROM tickets k WHERE k.id = t.ticket_id),
            (SELECT concat_ws(' ', v.year, v.make, v.model, v.submodel)
               FROM relationships r JOIN vehicles v ON v.id = r.target_entity_id
              WHERE r.source_entity_id = t.ticket_id AND r.relationship_type = 'ticket_for_vehicle'
              ORDER BY r.created_at LIMIT 1),
            (SELECT nullif(s.vehicle_info, '') FROM support_tickets s WHERE s.id = t.ticket_id))
          FROM conversation_threads t WHERE t.id = p_thread);

-- One row per turn. id is the turn_id of the assistant.* events. A turn is claimed by one worker at a time
-- (status running, lease_until in the future); a worker that stops renewing its lease loses the job to the next
-- claim. The job of the thread's oldest unfinished message (lowest cursor) goes first: one turn at a time per
-- thread, in message order.
CREATE TABLE assistant_jobs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    thread_id         uuid NOT NULL REFERENCES conversation_threads (id) ON DELETE CASCADE,
    message_id        uuid NOT NULL UNIQUE REFERENCES chat_messages (id) ON DELETE CASCADE,
    -- The message's cursor: a thread's turns run in this order (commit order; created_at is not).
    message_seq       bigint NOT NULL,
    status            text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts          integer NOT NULL DEFAULT 0,
    lease_until       timestamptz,
    worker            text,
    cancel_requested  boolean NOT NULL DEFAULT false,
    error             text,
    reply_id          uuid,  -- the role=assistant chat_messages row of a done turn
    provider          text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz
);
CREATE INDEX assistant_jobs_open_idx ON assistant_jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX assistant_jobs_thread_idx ON assistant_jobs (thread_id, message_seq);
-- The database itself refuses a second running turn in one thread.
CREATE UNIQUE INDEX assistant_jobs_one_running_key ON assistant_jobs (thread_id) WHERE status = 'running';

-- A user message creates a job when the thread's assistant is on. Rows inserted with a created_at more than ten
-- minutes in the past are imported history (deploy/demo/demo_data.sql), not questions waiting for an answer.
CREATE FUNCTION tp_chat_messages_job() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    job uuid;
BEGIN
    IF NEW.created_at < now() - interval '10 minutes' THEN
        RETURN NULL;
    END IF;
    INSERT INTO assistant_jobs (thread_id, message_id, message_seq)
    SELECT NEW.thread_id, NEW.id, NEW.seq FROM conversation_threads t WHERE t.id = NEW.thread_id AND t.assistant_enabled
    RETURNING id INTO job;
    IF job IS NOT NULL THEN
        PERFORM pg_notify('tp_job', job::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_job AFTER INSERT ON chat_messages
    FOR EACH ROW WHEN (NEW.role = 'user') EXECUTE FUNCTION tp_chat_messages_job();
