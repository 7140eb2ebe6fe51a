-- tp_thread_rule (008, plpgsql since 014) is asked for every persisted message (tp_can_access in the writer's
-- statement, storage/chat_store.cpp) and for every subscription. Its one statement is an OR of conditions on its
-- parameters (the sender is the thread's owner, the thread has a ticket, ...), so a plan made for the given values
-- folds most of it away and always looks cheaper than the generic plan: the plan cache never settled on the
-- generic one and planned the statement again on every call (pg_stat_statements: as many plans as calls, about
-- 25 µs each; docs/benchmarks.md, issue 18 step 20). The generic plan gives the same answer (the same expression,
-- evaluated at run time): a customer's check took 25 µs and takes 10, a technician's 56 and 21. The setting holds
-- while the function runs, for the rules it calls too; the rule itself is not restated.
ALTER FUNCTION tp_thread_rule(uuid, uuid, uuid) SET plan_cache_mode = force_generic_plan;
