-- The access rules that every persisted message passes through are plpgsql from here on. The rules themselves are
-- not restated: each function below keeps its own body as 006 and 008 defined it (read back with
-- pg_get_function_sqlbody, `RETURN <expression>`, which is a plpgsql statement as it is), and only its language
-- changes.
--
-- Why: a SQL function whose body has a subquery cannot be inlined, and PostgreSQL 15 keeps no plan for it across
-- calls. Each call from a new executor (every row of a trigger, every call from inside another such function)
-- parses and plans its body again, and again for every function it calls. One row of the writer's INSERT
-- (storage/chat_store.cpp) asked tp_can_access (→ tp_thread_rule → tp_link_holds → tp_ticket_customer), and its
-- notify and outbox triggers asked tp_thread_ticket (→ tp_link_holds → tp_ticket_customer). A plpgsql function
-- plans its statements once per connection and reuses the plans. EXPLAIN ANALYZE of one 256-row batch on the
-- benchmark's database went from 136 ms to 65 ms (docs/benchmarks.md, issue 18 step 18).
--
-- Each of these functions is STABLE, as before: it sees the calling statement's snapshot. The other SQL functions
-- stay as they are: those without a subquery of their own (tp_can_see_ticket, tp_row_visible) are inlined into
-- their callers, and those with one are not on the per-message write path. Names resolve through search_path, as
-- in every other plpgsql function of the schema.

DO $$
DECLARE
    f regprocedure;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'tp_ticket_customer(uuid)', 'tp_link_holds(uuid, uuid)', 'tp_thread_ticket(uuid)',
        'tp_thread_rule(uuid, uuid, uuid)', 'tp_can_access(uuid, uuid)', 'tp_ticket_staff_rule(uuid, uuid)',
        'tp_ticket_customer_rule(uuid, uuid)', 'tp_can_access_ticket(uuid, uuid)']::regprocedure[] LOOP
        IF pg_get_function_sqlbody(f) IS NULL THEN
            RAISE EXCEPTION '% has no SQL-standard body to convert', f;
        END IF;
        EXECUTE format('CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql STABLE AS %L',
                       f::oid::regproc, pg_get_function_arguments(f), pg_get_function_result(f),
                       E'BEGIN\n    ' || pg_get_function_sqlbody(f) || E';\nEND');
    END LOOP;
END $$;
