-- tp_event payloads over NOTIFY's 8000-byte limit. Before this, an UPDATE whose event JSON was too long (a ticket
-- with a long description, say) failed with "payload string too long": a SQL writer's update was refused because of
-- the realtime layer. Now such an event names its row instead ('<K>|<key>|#<table>|<id>') and the listener fetches
-- the JSON (the row as it is when fetched).
CREATE FUNCTION tp_notify_event(kind text, key uuid, body text, src text, src_id uuid) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF octet_length(body) > 7900 THEN
        PERFORM pg_notify('tp_event', kind || '|' || key || '|#' || src || '|' || src_id);
    ELSE
        PERFORM pg_notify('tp_event', kind || '|' || key || '|' || body);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION tp_support_tickets_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    body text := tp_support_ticket_json(NEW);
BEGIN
    PERFORM tp_notify_event('T', NEW.id, body, 'support_tickets', NEW.id);
    IF OLD.assigned_technician IS DISTINCT FROM NEW.assigned_technician THEN
        IF OLD.assigned_technician IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || OLD.assigned_technician);
            PERFORM tp_notify_event('R', OLD.assigned_technician, body, 'support_tickets', NEW.id);
        END IF;
        IF NEW.assigned_technician IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || NEW.assigned_technician);
            PERFORM tp_notify_event('A', NEW.assigned_technician, body, 'support_tickets', NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tp_tickets_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    body text := tp_ticket_json(NEW);
BEGIN
    PERFORM tp_notify_event('T', NEW.id, body, 'tickets', NEW.id);
    IF OLD.assigned_technician_id IS DISTINCT FROM NEW.assigned_technician_id THEN
        IF OLD.assigned_technician_id IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || OLD.assigned_technician_id);
            PERFORM tp_notify_event('R', OLD.assigned_technician_id, body, 'tickets', NEW.id);
        END IF;
        IF NEW.assigned_technician_id IS NOT NULL THEN
            PERFORM pg_notify('tp_access', 'u|' || NEW.assigned_technician_id);
            PERFORM tp_notify_event('A', NEW.assigned_technician_id, body, 'tickets', NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tp_work_orders_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ticket_id IS NOT NULL THEN
        PERFORM tp_notify_event('W', NEW.ticket_id, tp_work_order_json(NEW), 'work_orders', NEW.id);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tp_threads_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id IS NOT NULL THEN
        PERFORM tp_notify_event('H', NEW.user_id, tp_thread_json(NEW), 'conversation_threads', NEW.id);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.user_id IS NOT NULL AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
            PERFORM tp_notify_event('H', OLD.user_id, tp_thread_json(NEW), 'conversation_threads', NEW.id);
        END IF;
        IF OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id THEN
            PERFORM pg_notify('tp_access', 't|' || NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END $$;
