-- Runs on the primary after sql/bookings (numbered 100 to sort after its files): what Debezium needs there besides wal_level=logical.
-- Deletes and updates carry the whole old row, so the vault can record a deleted version with its attributes.
ALTER TABLE bookings.bookings REPLICA IDENTITY FULL;
ALTER TABLE bookings.tickets REPLICA IDENTITY FULL;
ALTER TABLE bookings.airports REPLICA IDENTITY FULL;
ALTER TABLE bookings.aircrafts REPLICA IDENTITY FULL;
ALTER TABLE bookings.flights REPLICA IDENTITY FULL;
ALTER TABLE bookings.ticket_flights REPLICA IDENTITY FULL;

-- Debezium's signal table: `npm run lab -- signal-snapshot` inserts an execute-snapshot row here.
CREATE TABLE IF NOT EXISTS bookings.debezium_signal (
  id   varchar(42) PRIMARY KEY,
  type varchar(32) NOT NULL,
  data varchar(2048)
);
