-- The Data Vault the dv-loader fills from the Debezium topics of the bookings schema.
-- Hash keys are md5 (hex) of the normalised business keys (trimmed, upper-cased, joined by '||'): the loader and
-- this database compute the same key for the same booking, ticket, airport, aircraft or flight, on every replay.
create schema if not exists dv;

create table dv.hub_booking (
  booking_hk    char(32) primary key,
  book_ref      text not null unique,
  load_date     timestamptz not null default clock_timestamp(),
  record_source text not null
);

create table dv.hub_ticket (
  ticket_hk     char(32) primary key,
  ticket_no     text not null unique,
  load_date     timestamptz not null default clock_timestamp(),
  record_source text not null
);

create table dv.hub_airport (
  airport_hk    char(32) primary key,
  airport_code  text not null unique,
  load_date     timestamptz not null default clock_timestamp(),
  record_source text not null
);

create table dv.hub_aircraft (
  aircraft_hk   char(32) primary key,
  aircraft_code text not null unique,
  load_date     timestamptz not null default clock_timestamp(),
  record_source text not null
);

create table dv.hub_flight (
  flight_hk     char(32) primary key,
  flight_id     text not null unique,
  load_date     timestamptz not null default clock_timestamp(),
  record_source text not null
);

-- Satellites: one row per version of a hub's attributes. source_lsn orders versions (Debezium's source.lsn):
-- the loader inserts only an event newer than the newest row whose hash_diff differs from it, so a replay adds nothing.
create table dv.sat_booking (
  booking_hk    char(32) not null references dv.hub_booking,
  source_lsn    bigint not null,
  load_date     timestamptz not null default clock_timestamp(),
  hash_diff     char(32) not null,
  record_source text not null,
  is_deleted    boolean not null default false,
  book_date     timestamptz,
  total_amount  numeric(10, 2),
  primary key (booking_hk, source_lsn)
);

create table dv.sat_ticket (
  ticket_hk      char(32) not null references dv.hub_ticket,
  source_lsn     bigint not null,
  load_date      timestamptz not null default clock_timestamp(),
  hash_diff      char(32) not null,
  record_source  text not null,
  is_deleted     boolean not null default false,
  passenger_id   text,
  passenger_name text,
  contact_data   jsonb,
  primary key (ticket_hk, source_lsn)
);

create table dv.sat_airport (
  airport_hk    char(32) not null references dv.hub_airport,
  source_lsn    bigint not null,
  load_date     timestamptz not null default clock_timestamp(),
  hash_diff     char(32) not null,
  record_source text not null,
  is_deleted    boolean not null default false,
  airport_name  text,
  city          text,
  longitude     double precision,
  latitude      double precision,
  timezone      text,
  primary key (airport_hk, source_lsn)
);

create table dv.sat_aircraft (
  aircraft_hk   char(32) not null references dv.hub_aircraft,
  source_lsn    bigint not null,
  load_date     timestamptz not null default clock_timestamp(),
  hash_diff     char(32) not null,
  record_source text not null,
  is_deleted    boolean not null default false,
  model         text,
  range         integer,
  primary key (aircraft_hk, source_lsn)
);

create table dv.sat_flight (
  flight_hk           char(32) not null references dv.hub_flight,
  source_lsn          bigint not null,
  load_date           timestamptz not null default clock_timestamp(),
  hash_diff           char(32) not null,
  record_source       text not null,
  is_deleted          boolean not null default false,
  flight_no           text,
  scheduled_departure timestamptz,
  scheduled_arrival   timestamptz,
  status              text,
  actual_departure    timestamptz,
  actual_arrival      timestamptz,
  primary key (flight_hk, source_lsn)
);

-- Links: one row per relationship, keyed by the md5 of the business keys they join (and the role, for airports).
create table dv.link_ticket_booking (
  ticket_booking_hk char(32) primary key,
  ticket_hk         char(32) not null references dv.hub_ticket,
  booking_hk        char(32) not null references dv.hub_booking,
  load_date         timestamptz not null default clock_timestamp(),
  record_source     text not null
);

create table dv.link_ticket_flight (
  ticket_flight_hk char(32) primary key,
  ticket_hk        char(32) not null references dv.hub_ticket,
  flight_hk        char(32) not null references dv.hub_flight,
  load_date        timestamptz not null default clock_timestamp(),
  record_source    text not null
);

create table dv.link_flight_airport (
  flight_airport_hk char(32) primary key,
  flight_hk         char(32) not null references dv.hub_flight,
  airport_hk        char(32) not null references dv.hub_airport,
  role              text not null check (role in ('departure', 'arrival')),
  load_date         timestamptz not null default clock_timestamp(),
  record_source     text not null
);

create table dv.link_flight_aircraft (
  flight_aircraft_hk char(32) primary key,
  flight_hk          char(32) not null references dv.hub_flight,
  aircraft_hk        char(32) not null references dv.hub_aircraft,
  load_date          timestamptz not null default clock_timestamp(),
  record_source      text not null
);
