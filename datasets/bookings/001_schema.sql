-- The demo `bookings` schema (a subset of the PostgresPro demo database) that Greenplum reads through
-- PXF server bookings-db. Safe to apply again: every object is created only when missing.
CREATE SCHEMA IF NOT EXISTS bookings;

CREATE TABLE IF NOT EXISTS bookings.airports (
  airport_code char(3) PRIMARY KEY,
  airport_name text NOT NULL,
  city         text NOT NULL,
  longitude    double precision NOT NULL,
  latitude     double precision NOT NULL,
  timezone     text NOT NULL
);

CREATE TABLE IF NOT EXISTS bookings.aircrafts (
  aircraft_code char(3) PRIMARY KEY,
  model         text NOT NULL,
  range         integer NOT NULL CHECK (range > 0)
);

CREATE TABLE IF NOT EXISTS bookings.seats (
  aircraft_code   char(3) NOT NULL REFERENCES bookings.aircrafts ON DELETE CASCADE,
  seat_no         varchar(4) NOT NULL,
  fare_conditions varchar(10) NOT NULL CHECK (fare_conditions IN ('Economy', 'Comfort', 'Business')),
  PRIMARY KEY (aircraft_code, seat_no)
);

CREATE TABLE IF NOT EXISTS bookings.flights (
  flight_id           integer PRIMARY KEY,
  flight_no           char(6) NOT NULL,
  scheduled_departure timestamptz NOT NULL,
  scheduled_arrival   timestamptz NOT NULL,
  departure_airport   char(3) NOT NULL REFERENCES bookings.airports,
  arrival_airport     char(3) NOT NULL REFERENCES bookings.airports,
  status              varchar(20) NOT NULL CHECK (status IN ('On Time', 'Delayed', 'Departed', 'Arrived', 'Scheduled', 'Cancelled')),
  aircraft_code       char(3) NOT NULL REFERENCES bookings.aircrafts,
  actual_departure    timestamptz,
  actual_arrival      timestamptz,
  UNIQUE (flight_no, scheduled_departure),
  CHECK (scheduled_arrival > scheduled_departure),
  CHECK (departure_airport <> arrival_airport)
);

CREATE TABLE IF NOT EXISTS bookings.bookings (
  book_ref     char(6) PRIMARY KEY,
  book_date    timestamptz NOT NULL,
  total_amount numeric(10,2) NOT NULL
);

CREATE TABLE IF NOT EXISTS bookings.tickets (
  ticket_no      char(13) PRIMARY KEY,
  book_ref       char(6) NOT NULL REFERENCES bookings.bookings,
  passenger_id   varchar(20) NOT NULL,
  passenger_name text NOT NULL,
  contact_data   jsonb
);

CREATE TABLE IF NOT EXISTS bookings.ticket_flights (
  ticket_no       char(13) NOT NULL REFERENCES bookings.tickets,
  flight_id       integer NOT NULL REFERENCES bookings.flights,
  fare_conditions varchar(10) NOT NULL CHECK (fare_conditions IN ('Economy', 'Comfort', 'Business')),
  amount          numeric(10,2) NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (ticket_no, flight_id)
);

CREATE TABLE IF NOT EXISTS bookings.boarding_passes (
  ticket_no   char(13) NOT NULL,
  flight_id   integer NOT NULL,
  boarding_no integer NOT NULL,
  seat_no     varchar(4) NOT NULL,
  PRIMARY KEY (ticket_no, flight_id),
  UNIQUE (flight_id, boarding_no),
  UNIQUE (flight_id, seat_no),
  FOREIGN KEY (ticket_no, flight_id) REFERENCES bookings.ticket_flights
);
