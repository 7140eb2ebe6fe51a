-- The outbox trigger of 015 asked tp_thread_ticket twice per thread of a statement instead of once: its subquery
-- `t` (one row per thread, with the thread's effective ticket) is pulled up into the outer query, and the planner
-- then evaluates the STABLE function at each place that reads `t.ticket` (counted with track_functions: 300 calls
-- for 100 messages in 100 threads, the notify trigger's 100 included; 200 with this change). Each call is a
-- plpgsql function running a statement and calling tp_link_holds, about 11 µs here (docs/benchmarks.md, issue 18
-- step 21). OFFSET 0 keeps the subquery as it is, so each thread's ticket is computed once. Nothing else of the
-- function changes: its stored body (015's) is read back and only that line is rewritten, and the migration fails
-- if the body is not 015's.
DO $$
DECLARE
    def text := pg_get_functiondef('tp_chat_messages_outbox()'::regprocedure);
    old text := E'interval ''10 minutes'') d) t\n';
    new text := E'interval ''10 minutes'') d\n                    OFFSET 0) t\n';
BEGIN
    IF (length(def) - length(replace(def, old, ''))) / length(old) <> 1 THEN
        RAISE EXCEPTION 'tp_chat_messages_outbox() is not the function of 015_write_triggers.sql';
    END IF;
    EXECUTE replace(def, old, new);
END $$;
