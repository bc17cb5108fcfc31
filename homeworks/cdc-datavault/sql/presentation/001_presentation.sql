-- The presentation database (port 5436): what simple_dag copies from the primary, one row per day and
-- departure airport. The DAG upserts by the primary key, so a re-run replaces figures instead of adding rows.
CREATE TABLE IF NOT EXISTS public.presentation (
  flight_date       date          NOT NULL,
  departure_airport char(3)       NOT NULL,
  flights           integer       NOT NULL,
  passengers        integer       NOT NULL,
  revenue           numeric(14,2) NOT NULL,
  loaded_at         timestamptz   NOT NULL DEFAULT now(),
  PRIMARY KEY (flight_date, departure_airport)
);
