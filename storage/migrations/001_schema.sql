-- The ten tables of the seed (../shared/seed/schema-analysis.md) with real types, plus the columns the
-- gateway needs: conversation_threads.user_id/.title/.assistant_enabled/.last_seq, profiles.role,
-- chat_messages.seq/.client_msg_id.

CREATE TABLE profiles (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    username    text UNIQUE,
    full_name   text,
    avatar_url  text,
    email       text,
    role        text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'technician', 'admin'))
);

CREATE TABLE vehicles (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    year         integer CHECK (year BETWEEN 1886 AND 2100),
    make         text NOT NULL,
    model        text NOT NULL,
    submodel     text,
    engine_size  text,
    cam_type     text,
    body         text,
    drive_type   text
);

CREATE TABLE support_tickets (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_number        text UNIQUE,
    customer_phone       text,
    customer_name        text,
    vehicle_info         text,
    vin                  text,
    issue_summary        text,
    call_transcript      text,
    ai_analysis          text,
    priority             text NOT NULL DEFAULT 'normal',
    status               text NOT NULL DEFAULT 'open',
    assigned_technician  uuid REFERENCES profiles (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_tickets_assigned_idx ON support_tickets (assigned_technician);

CREATE TABLE tickets (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title                   text NOT NULL,
    description             text,
    status                  text NOT NULL DEFAULT 'open',
    priority                text NOT NULL DEFAULT 'normal',
    customer_id             uuid REFERENCES profiles (id) ON DELETE SET NULL,
    assigned_technician_id  uuid REFERENCES profiles (id) ON DELETE SET NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    resolved_at             timestamptz,
    vehicle_make            text,
    vehicle_model           text,
    vehicle_year            integer,
    vin                     text
);
CREATE INDEX tickets_assigned_idx ON tickets (assigned_technician_id);

-- work_orders.ticket_id, like conversation_threads.ticket_id, names a row of support_tickets or of tickets
-- (the seed uses both), so it carries no foreign key.
CREATE TABLE work_orders (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id            uuid,
    work_order_number    text UNIQUE,
    description          text,
    estimated_hours      numeric(7, 2),
    actual_hours         numeric(7, 2),
    parts_needed         text,
    labor_cost           numeric(12, 2),
    parts_cost           numeric(12, 2),
    total_cost           numeric(12, 2),
    status               text NOT NULL DEFAULT 'pending',
    assigned_technician  uuid REFERENCES profiles (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    completed_at         timestamptz
);
CREATE INDEX work_orders_ticket_idx ON work_orders (ticket_id);

CREATE TABLE conversation_threads (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id          uuid,
    interaction_type   text NOT NULL DEFAULT 'chat',
    content            text,
    ai_response        text,
    "timestamp"        timestamptz NOT NULL DEFAULT now(),
    confidence_score   numeric(5, 4),
    metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
    user_id            uuid REFERENCES profiles (id) ON DELETE SET NULL,
    title              text,
    assistant_enabled  boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- The per-thread message counter: chat_messages.seq is taken from it inside the inserting transaction, so
    -- the row lock orders the writers of one thread and seq order is commit order.
    last_seq           bigint NOT NULL DEFAULT 0
);
CREATE INDEX conversation_threads_user_idx ON conversation_threads (user_id, created_at DESC, id DESC);
CREATE INDEX conversation_threads_ticket_idx ON conversation_threads (ticket_id);

CREATE TABLE chat_messages (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    thread_id      uuid NOT NULL REFERENCES conversation_threads (id) ON DELETE CASCADE,
    sender_id      uuid REFERENCES profiles (id) ON DELETE SET NULL,
    role           text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'assistant', 'system', 'technician')),
    content        text NOT NULL,
    message_type   text NOT NULL DEFAULT 'text' CHECK (message_type IN ('text', 'voice', 'image', 'file')),
    metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    seq            bigint NOT NULL,
    client_msg_id  text CHECK (length(client_msg_id) BETWEEN 1 AND 128),
    CONSTRAINT chat_messages_thread_seq_key UNIQUE (thread_id, seq)
);
CREATE UNIQUE INDEX chat_messages_client_msg_id_key
    ON chat_messages (thread_id, sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL;

CREATE TABLE knowledge_base (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title            text NOT NULL,
    content          text NOT NULL,
    category         text,
    vehicle_context  text,
    tags             text[] NOT NULL DEFAULT '{}',
    embedding        real[],
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE retrieval_logs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    thread_id    uuid REFERENCES conversation_threads (id) ON DELETE CASCADE,
    query_text   text NOT NULL,
    source_type  text NOT NULL DEFAULT 'knowledge_base',
    result_ids   uuid[] NOT NULL DEFAULT '{}',
    returned_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retrieval_logs_thread_idx ON retrieval_logs (thread_id, returned_at);

CREATE TABLE relationships (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_entity_id   uuid NOT NULL,
    target_entity_id   uuid NOT NULL,
    relationship_type  text NOT NULL,
    metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX relationships_source_idx ON relationships (source_entity_id, relationship_type);
CREATE INDEX relationships_target_idx ON relationships (target_entity_id, relationship_type);
