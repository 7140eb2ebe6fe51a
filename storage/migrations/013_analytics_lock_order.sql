-- A hard DELETE (or an UPDATE) of a message takes the thread's row lock before the analytics rollups' rows, as an
-- INSERT does (its BEFORE trigger takes the cursor from conversation_threads first). AFTER triggers fire in name
-- order, so 012's chat_messages_analytics_delete ran before 007's chat_messages_delete_notify and locked the hour
-- and first-answer rows first: a delete racing an insert into the same thread and hour could deadlock. When the
-- thread itself is being deleted (a cascade), its row is locked by that delete already.
CREATE OR REPLACE FUNCTION tp_chat_messages_analytics_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM conversation_threads WHERE id = OLD.thread_id FOR NO KEY UPDATE;
    PERFORM tp_analytics_count(OLD.thread_id, OLD.created_at, OLD.role, OLD.metadata, -1);
    IF TG_OP = 'UPDATE' THEN
        PERFORM tp_analytics_count(NEW.thread_id, NEW.created_at, NEW.role, NEW.metadata, 1);
    END IF;
    IF OLD.role IN ('user', 'assistant') OR (TG_OP = 'UPDATE' AND NEW.role IN ('user', 'assistant')) THEN
        PERFORM tp_analytics_firsts(OLD.thread_id);
    END IF;
    RETURN NULL;
END $$;
