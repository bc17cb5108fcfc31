-- destination_db, as the seed's setup_destination.sql: the table the JDBC sink upserts into (same columns as the
-- source, so the types are the lab's and not whatever the sink would guess).
CREATE TABLE public.debezium_table (
  id         bigint      PRIMARY KEY,
  name       text        NOT NULL,
  amount     bigint      NOT NULL DEFAULT 0,
  written_at timestamptz NOT NULL
);
