-- The access rules that every persisted message passes through are plpgsql from here on; the rules themselves
-- are unchanged (the bodies below are 006's and 008's, word for word).
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

CREATE OR REPLACE FUNCTION tp_ticket_customer(p_ticket uuid) RETURNS uuid
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT customer_id FROM tickets WHERE id = p_ticket),
                    (SELECT customer_id FROM support_tickets WHERE id = p_ticket));
END $$;

CREATE OR REPLACE FUNCTION tp_link_holds(p_owner uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN p_ticket IS NOT NULL AND (
        p_owner IS NULL
        OR EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_owner AND p.role IN ('technician', 'admin'))
        OR tp_ticket_customer(p_ticket) = p_owner);
END $$;

CREATE OR REPLACE FUNCTION tp_thread_ticket(p_thread uuid) RETURNS uuid
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT t.ticket_id FROM conversation_threads t
             WHERE t.id = p_thread AND tp_link_holds(t.user_id, t.ticket_id));
END $$;

CREATE OR REPLACE FUNCTION tp_thread_rule(p_user uuid, t_user uuid, t_ticket uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM profiles p
         WHERE p.id = p_user
           AND (p.role = 'admin'
                OR t_user = p_user
                OR (p.role = 'technician' AND t_ticket IS NOT NULL AND tp_link_holds(t_user, t_ticket) AND (
                        EXISTS (SELECT 1 FROM support_tickets s
                                 WHERE s.id = t_ticket AND s.assigned_technician = p_user)
                     OR EXISTS (SELECT 1 FROM tickets k
                                 WHERE k.id = t_ticket AND k.assigned_technician_id = p_user)))));
END $$;

CREATE OR REPLACE FUNCTION tp_can_access(p_user uuid, p_thread uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM conversation_threads t
                    WHERE t.id = p_thread AND tp_thread_rule(p_user, t.user_id, t.ticket_id));
END $$;

CREATE OR REPLACE FUNCTION tp_ticket_staff_rule(p_user uuid, p_assigned uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM profiles p
                    WHERE p.id = p_user AND (p.role = 'admin' OR (p.role = 'technician' AND p_assigned = p_user)));
END $$;

CREATE OR REPLACE FUNCTION tp_ticket_customer_rule(p_user uuid, p_customer uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_user AND p.role = 'customer' AND p_customer = p_user);
END $$;

CREATE OR REPLACE FUNCTION tp_can_access_ticket(p_user uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN tp_ticket_staff_rule(p_user, NULL)
        OR EXISTS (SELECT 1 FROM support_tickets s
                    WHERE s.id = p_ticket AND tp_ticket_staff_rule(p_user, s.assigned_technician))
        OR EXISTS (SELECT 1 FROM tickets k
                    WHERE k.id = p_ticket AND tp_ticket_staff_rule(p_user, k.assigned_technician_id));
END $$;
