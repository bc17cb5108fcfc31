-- A small deterministic data set: the same rows on every run (no random(), no now()), so no table is empty
-- and DAG results can be checked. The demo's "now" is 2024-03-16 00:00 UTC: earlier flights have arrived.
-- Each insert runs only while its table is empty, so applying the file again changes nothing.

-- 12 routes, both ways, daily over March 2024.
INSERT INTO bookings.flights (flight_id, flight_no, scheduled_departure, scheduled_arrival, departure_airport,
                              arrival_airport, status, aircraft_code, actual_departure, actual_arrival)
SELECT f.flight_id, f.flight_no, f.dep, f.dep + f.duration, f.from_code, f.to_code,
       CASE WHEN f.flight_id % 53 = 0 THEN 'Cancelled'
            WHEN f.dep + f.duration + f.delay <= timestamptz '2024-03-16 00:00+00' THEN 'Arrived'
            WHEN f.dep + f.delay <= timestamptz '2024-03-16 00:00+00' THEN 'Departed'
            WHEN f.dep <= timestamptz '2024-03-17 00:00+00' THEN 'On Time'
            ELSE 'Scheduled' END,
       f.aircraft_code,
       CASE WHEN f.flight_id % 53 <> 0 AND f.dep + f.delay <= timestamptz '2024-03-16 00:00+00' THEN f.dep + f.delay END,
       CASE WHEN f.flight_id % 53 <> 0 AND f.dep + f.duration + f.delay <= timestamptz '2024-03-16 00:00+00' THEN f.dep + f.duration + f.delay END
FROM (
  SELECT (row_number() OVER (ORDER BY d.day, r.route_no, w.way))::integer AS flight_id,
         'PG' || lpad((r.route_no * 2 + w.way)::text, 4, '0') AS flight_no,
         d.day + make_interval(hours => 5 + (r.route_no * 3 + w.way * 7) % 17, mins => (r.route_no * 13) % 60) AS dep,
         make_interval(mins => r.minutes) AS duration,
         make_interval(mins => ((r.route_no * 37 + d.n * 11 + w.way * 5) % 23)) AS delay,
         CASE w.way WHEN 0 THEN r.a ELSE r.b END AS from_code,
         CASE w.way WHEN 0 THEN r.b ELSE r.a END AS to_code,
         r.aircraft_code
  FROM (VALUES (1, 'SVO', 'LED',  80, '320'), (2, 'SVO', 'KZN',  95, 'SU9'), (3, 'SVO', 'AER', 150, '321'),
               (4, 'SVO', 'SVX', 150, '320'), (5, 'SVO', 'OVB', 240, '763'), (6, 'SVO', 'VVO', 520, '773'),
               (7, 'DME', 'KJA', 270, '763'), (8, 'DME', 'KGD', 120, 'SU9'), (9, 'LED', 'AER', 200, '321'),
               (10, 'LED', 'KGD', 95, 'SU9'), (11, 'KZN', 'SVX', 110, 'SU9'), (12, 'OVB', 'VVO', 330, '773'))
       AS r(route_no, a, b, minutes, aircraft_code)
  CROSS JOIN (VALUES (0), (1)) AS w(way)
  CROSS JOIN (SELECT n, timestamptz '2024-03-01 00:00+00' + make_interval(days => n) AS day
              FROM generate_series(0, 30) AS n) AS d
) f
WHERE NOT EXISTS (SELECT 1 FROM bookings.flights);

-- 1200 bookings; book_ref is a bijective hash of the number (odd multiplier mod 2^24), so refs are unique.
INSERT INTO bookings.bookings (book_ref, book_date, total_amount)
-- Booked 1-30 days before the first of its flights (the flights are chosen as for ticket_flights below).
SELECT upper(lpad(to_hex(((n::bigint * 2654435761) % 16777216)::integer), 6, '0')),
       (SELECT min(fl.scheduled_departure) FROM bookings.flights fl
        WHERE fl.flight_id IN (1 + (n * 7) % 744, CASE WHEN n % 4 = 0 THEN 1 + (n * 13 + 5) % 744 END))
         - make_interval(days => 1 + n % 30, mins => (n * 17) % 1440),
       0
FROM generate_series(1, 1200) AS n
WHERE NOT EXISTS (SELECT 1 FROM bookings.bookings);

-- One to three passengers per booking.
INSERT INTO bookings.tickets (ticket_no, book_ref, passenger_id, passenger_name, contact_data)
SELECT '0005' || lpad(t.seq::text, 9, '0'),
       t.book_ref,
       lpad(((t.seq::bigint * 104729) % 10000000000)::text, 10, '0'),
       (ARRAY['IVAN', 'OLGA', 'PETR', 'ANNA', 'SERGEY', 'ELENA', 'DMITRY', 'NATALIA', 'ALEKSEY', 'MARIA'])[1 + t.seq % 10]
         || ' ' ||
       (ARRAY['IVANOV', 'SMIRNOVA', 'KUZNETSOV', 'POPOVA', 'VASILEV', 'PETROVA', 'SOKOLOV', 'MIKHAILOVA', 'NOVIKOV'])[1 + (t.seq * 7) % 9],
       json_build_object('phone', '+7' || lpad(((t.seq::bigint * 7919) % 10000000000)::text, 10, '0'))::jsonb
FROM (
  SELECT row_number() OVER (ORDER BY b.n, p.i) AS seq, b.book_ref
  FROM (SELECT n, upper(lpad(to_hex(((n::bigint * 2654435761) % 16777216)::integer), 6, '0')) AS book_ref
        FROM generate_series(1, 1200) AS n) b
  CROSS JOIN LATERAL generate_series(1, 1 + b.n % 3) AS p(i)
) t
WHERE NOT EXISTS (SELECT 1 FROM bookings.tickets);

-- Every ticket flies its booking's flight; every fourth booking adds a second flight.
INSERT INTO bookings.ticket_flights (ticket_no, flight_id, fare_conditions, amount)
SELECT x.ticket_no, x.flight_id, x.fare,
       round((extract(epoch FROM fl.scheduled_arrival - fl.scheduled_departure) / 60)
             * CASE x.fare WHEN 'Business' THEN 150 ELSE 45 END, -2)
FROM (
  SELECT t.ticket_no, f.flight_id,
         CASE WHEN substr(t.ticket_no, 13, 1) = '0' THEN 'Business' ELSE 'Economy' END AS fare
  FROM bookings.tickets t
  JOIN (SELECT n, upper(lpad(to_hex(((n::bigint * 2654435761) % 16777216)::integer), 6, '0')) AS book_ref
        FROM generate_series(1, 1200) AS n) b ON b.book_ref = t.book_ref
  CROSS JOIN LATERAL (
    SELECT 1 + (b.n * 7) % 744 AS flight_id
    UNION ALL
    SELECT 1 + (b.n * 13 + 5) % 744 WHERE b.n % 4 = 0 AND (b.n * 13 + 5) % 744 <> (b.n * 7) % 744
  ) f
) x
JOIN bookings.flights fl ON fl.flight_id = x.flight_id
WHERE NOT EXISTS (SELECT 1 FROM bookings.ticket_flights);

-- A booking costs what its tickets' flights cost.
UPDATE bookings.bookings b SET total_amount = s.total
FROM (SELECT t.book_ref, sum(tf.amount) AS total
      FROM bookings.tickets t JOIN bookings.ticket_flights tf ON tf.ticket_no = t.ticket_no
      GROUP BY t.book_ref) s
WHERE s.book_ref = b.book_ref AND b.total_amount IS DISTINCT FROM s.total;

-- Boarding passes for flights that have departed: boarding order by ticket, the n-th free seat of the fare class.
INSERT INTO bookings.boarding_passes (ticket_no, flight_id, boarding_no, seat_no)
SELECT p.ticket_no, p.flight_id, p.boarding_no, s.seat_no
FROM (
  SELECT tf.ticket_no, tf.flight_id, fl.aircraft_code, tf.fare_conditions,
         row_number() OVER (PARTITION BY tf.flight_id ORDER BY tf.ticket_no) AS boarding_no,
         row_number() OVER (PARTITION BY tf.flight_id, tf.fare_conditions ORDER BY tf.ticket_no) AS nth_in_class
  FROM bookings.ticket_flights tf
  JOIN bookings.flights fl ON fl.flight_id = tf.flight_id
  WHERE fl.status IN ('Departed', 'Arrived')
) p
JOIN (
  SELECT aircraft_code, fare_conditions, seat_no,
         row_number() OVER (PARTITION BY aircraft_code, fare_conditions
                            ORDER BY substring(seat_no FROM '^[0-9]+')::integer, seat_no) AS nth
  FROM bookings.seats
) s ON s.aircraft_code = p.aircraft_code AND s.fare_conditions = p.fare_conditions AND s.nth = p.nth_in_class
WHERE NOT EXISTS (SELECT 1 FROM bookings.boarding_passes);
