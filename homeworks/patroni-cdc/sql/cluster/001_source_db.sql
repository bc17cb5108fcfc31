-- lab:no-transaction
-- Runs on the leader's `postgres` database (through HAProxy's read-write port). Patroni creates the permanent slot
-- source_slot in source_db as soon as the database exists, and copies it to every replica from then on.
CREATE DATABASE source_db
