-- Late joiners see the whole answer (issue 17, item 4): the text of a running assistant turn so far lives in the
-- database, so a subscriber on any node can be sent an assistant.snapshot, and every tp_assistant payload names the
-- transaction that published it, so the subscriber can tell which events its snapshot already holds
-- (docs/assistant.md, "Late joiners").

-- One row per published delta of a running turn, written by the statement that NOTIFYs the delta (so the row and the
-- event commit together). Only the current attempt's rows are read; they are deleted when the turn ends or is taken
-- again, so the table holds the deltas of the turns running right now and nothing more.
CREATE TABLE assistant_deltas (
    job_id   uuid NOT NULL REFERENCES assistant_jobs (id) ON DELETE CASCADE,
    attempt  integer NOT NULL,
    idx      integer NOT NULL,
    text     text NOT NULL,
    PRIMARY KEY (job_id, attempt, idx)
);

CREATE FUNCTION tp_assistant_deltas_prune() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM assistant_deltas WHERE job_id = NEW.id AND (NEW.status <> 'running' OR attempt < NEW.attempts);
    RETURN NULL;
END $$;

-- A running turn that ends (done, failed, cancelled) or is claimed again (a new attempt starts from index 0).
CREATE TRIGGER assistant_jobs_prune_deltas AFTER UPDATE OF status, attempts ON assistant_jobs
    FOR EACH ROW WHEN (OLD.status = 'running' AND (NEW.status <> 'running' OR NEW.attempts <> OLD.attempts))
    EXECUTE FUNCTION tp_assistant_deltas_prune();

-- Every assistant.* event goes out through here: '<thread>|<ticket or empty>|<xid>|<event json>', head being
-- '<thread>|<ticket>|'. The xid is the publishing transaction's: a subscriber compares it with the snapshot it read
-- the turn's text under (pg_current_snapshot) to drop the events already in that text.
CREATE FUNCTION tp_assistant_notify(head text, event text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_notify('tp_assistant', head || pg_current_xact_id()::text || '|' || event);
    RETURN true;
END $$;

-- One delta of a turn: stored and published in one statement, only while the job is this claim's (attempt) and
-- running. FOR SHARE makes a claim of the job by another worker wait for it, and a delta that comes after such a
-- claim finds the new attempt and writes nothing. True when the delta was published.
CREATE FUNCTION tp_assistant_delta(p_job uuid, p_attempt integer, p_idx integer, p_text text, head text, event text)
    RETURNS boolean
    LANGUAGE sql VOLATILE AS $$
    WITH j AS (SELECT id FROM assistant_jobs
                WHERE id = p_job AND attempts = p_attempt AND status = 'running' FOR SHARE),
    d AS (INSERT INTO assistant_deltas (job_id, attempt, idx, text)
          SELECT id, p_attempt, p_idx, p_text FROM j RETURNING 1)
    SELECT coalesce(bool_and(tp_assistant_notify(head, event)), false) FROM d
$$;
