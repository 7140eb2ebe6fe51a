-- Identity and access: ticket access, and the NOTIFY triggers that carry ticket, work order and thread changes
-- (channel tp_event) and the changes that can revoke access (channel tp_access) to every gateway node, whoever
-- wrote them.

-- May this profile subscribe to this ticket? The assigned technician (support_tickets or tickets) and admins.
CREATE FUNCTION tp_can_access_ticket(p_user uuid, p_ticket uuid) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (
        SELECT 1 FROM profiles p
         WHERE p.id = p_user
           AND (p.role = 'admin'
                OR (p.role = 'technician' AND (
                        EXISTS (SELECT 1 FROM support_tickets s WHERE s.id = p_ticket AND s.assigned_technician = p_user)
                     OR EXISTS (SELECT 1 FROM tickets k WHERE k.id = p_ticket AND k.assigned_technician_id = p_user)))));

-- Event objects stay small (long text is cut) so that a NOTIFY payload stays under its 8000-byte limit.
CREATE FUNCTION tp_support_ticket_json(s support_tickets) RETURNS text
    LANGUAGE sql STABLE
    RETURN jsonb_build_object(
        'id', s.id, 'kind', 'support_ticket', 'ticket_number', s.ticket_number, 'status', s.status,
        'priority', s.priority, 'assigned_technician', s.assigned_technician, 'customer_name', s.customer_name,
        'vehicle_info', s.vehicle_info, 'vin', s.vin, 'issue_summary', left(s.issue_summary, 1000),
        'created_at', tp_ts(s.created_at), 'updated_at', tp_ts(s.updated_at))::text;

CREATE FUNCTION tp_ticket_json(k tickets) RETURNS text
    LANGUAGE sql STABLE
    RETURN jsonb_build_object(
        'id', k.id, 'kind', 'ticket', 'title', left(k.title, 500), 'status', k.status, 'priority', k.priority,
        'assigned_technician', k.assigned_technician_id, 'customer_id', k.customer_id,
        'vehicle_make', k.vehicle_make, 'vehicle_model', k.vehicle_model, 'vehicle_year', k.vehicle_year,
        'vin', k.vin, 'created_at', tp_ts(k.created_at), 'updated_at', tp_ts(k.updated_at),
        'resolved_at', tp_ts(k.resolved_at))::text;

CREATE FUNCTION tp_work_order_json(w work_orders) RETURNS text
    LANGUAGE sql STABLE
    RETURN jsonb_build_object(
        'id', w.id, 'ticket_id', w.ticket_id, 'work_order_number', w.work_order_number,
        'description', left(w.description, 1000), 'status', w.status, 'estimated_hours', w.estimated_hours,
        'actual_hours', w.actual_hours, 'parts_needed', left(w.parts_needed, 1000), 'labor_cost', w.labor_cost,
        'parts_cost', w.parts_cost, 'total_cost', w.total_cost, 'assigned_technician', w.assigned_technician,
        'created_at', tp_ts(w.created_at), 'completed_at', tp_ts(w.completed_at))::text;

-- tp_event payloads: '<K>|<key uuid>|<json>' where K is
--   T ticket.updated on ticket:<key>       W work_order.updated on ticket:<key>
--   H thread.updated on user:<key>         A ticket.assigned / R ticket.unassigned on user:<key>
-- tp_access payloads: 'u|<profile uuid>' (re-check that user's sessions), 't|<thread uuid>' (re-check the
-- sessions subscribed to that thread).
CREATE FUNCTION tp_support_tickets_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    body text := tp_support_ticket_json(NEW);
BEGIN
    PERFORM pg_notify('tp_event', 'T|' || NEW.id || '|' || body);
    IF OLD.assigned_technician IS DISTINCT FROM NEW.assigned_technician THEN
        IF OLD.assigned_technician IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || OLD.assigned_technician);
            PERFORM pg_notify('tp_event', 'R|' || OLD.assigned_technician || '|' || body);
        END IF;
        IF NEW.assigned_technician IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || NEW.assigned_technician);
            PERFORM pg_notify('tp_event', 'A|' || NEW.assigned_technician || '|' || body);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER support_tickets_notify AFTER UPDATE ON support_tickets
    FOR EACH ROW EXECUTE FUNCTION tp_support_tickets_notify();

CREATE FUNCTION tp_tickets_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    body text := tp_ticket_json(NEW);
BEGIN
    PERFORM pg_notify('tp_event', 'T|' || NEW.id || '|' || body);
    IF OLD.assigned_technician_id IS DISTINCT FROM NEW.assigned_technician_id THEN
        IF OLD.assigned_technician_id IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || OLD.assigned_technician_id);
            PERFORM pg_notify('tp_event', 'R|' || OLD.assigned_technician_id || '|' || body);
        END IF;
        IF NEW.assigned_technician_id IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || NEW.assigned_technician_id);
            PERFORM pg_notify('tp_event', 'A|' || NEW.assigned_technician_id || '|' || body);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_notify AFTER UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION tp_tickets_notify();

CREATE FUNCTION tp_work_orders_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ticket_id IS NOT NULL THEN
        PERFORM pg_notify('tp_event', 'W|' || NEW.ticket_id || '|' || tp_work_order_json(NEW));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER work_orders_notify AFTER INSERT OR UPDATE ON work_orders
    FOR EACH ROW EXECUTE FUNCTION tp_work_orders_notify();

CREATE FUNCTION tp_threads_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id IS NOT NULL THEN
        PERFORM pg_notify('tp_event', 'H|' || NEW.user_id || '|' || tp_thread_json(NEW));
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.user_id IS NOT NULL AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
            PERFORM pg_notify('tp_event', 'H|' || OLD.user_id || '|' || tp_thread_json(NEW));
        END IF;
        IF OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id THEN
            PERFORM pg_notify('tp_access', 't|' || NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER conversation_threads_insert_notify AFTER INSERT ON conversation_threads
    FOR EACH ROW EXECUTE FUNCTION tp_threads_notify();
-- A new message bumps last_seq only: that is not a thread update.
CREATE TRIGGER conversation_threads_update_notify AFTER UPDATE ON conversation_threads
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.assistant_enabled IS DISTINCT FROM NEW.assistant_enabled
          OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id OR OLD.user_id IS DISTINCT FROM NEW.user_id
          OR OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.ai_response IS DISTINCT FROM NEW.ai_response)
    EXECUTE FUNCTION tp_threads_notify();

CREATE FUNCTION tp_profiles_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tp_access', 'u|' || NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER profiles_role_notify AFTER UPDATE OF role ON profiles
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role) EXECUTE FUNCTION tp_profiles_notify();
