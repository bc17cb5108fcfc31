-- Airports, aircraft and their seat maps: fixed reference rows, inserted only when missing.
INSERT INTO bookings.airports (airport_code, airport_name, city, longitude, latitude, timezone)
SELECT v.* FROM (VALUES
  ('SVO', 'Sheremetyevo',  'Moscow',          37.414589, 55.972642, 'Europe/Moscow'),
  ('DME', 'Domodedovo',    'Moscow',          37.906111, 55.408611, 'Europe/Moscow'),
  ('LED', 'Pulkovo',       'St. Petersburg',  30.262503, 59.800292, 'Europe/Moscow'),
  ('KZN', 'Kazan',         'Kazan',           49.278728, 55.606186, 'Europe/Moscow'),
  ('AER', 'Sochi',         'Sochi',           39.956589, 43.449928, 'Europe/Moscow'),
  ('SVX', 'Koltsovo',      'Yekaterinburg',   60.802700, 56.743099, 'Asia/Yekaterinburg'),
  ('OVB', 'Tolmachevo',    'Novosibirsk',     82.650656, 55.012622, 'Asia/Novosibirsk'),
  ('KJA', 'Yemelyanovo',   'Krasnoyarsk',     92.493278, 56.172947, 'Asia/Krasnoyarsk'),
  ('VVO', 'Vladivostok',   'Vladivostok',    132.148017, 43.398953, 'Asia/Vladivostok'),
  ('KGD', 'Khrabrovo',     'Kaliningrad',     20.592633, 54.890050, 'Europe/Kaliningrad')
) AS v(airport_code, airport_name, city, longitude, latitude, timezone)
WHERE NOT EXISTS (SELECT 1 FROM bookings.airports a WHERE a.airport_code = v.airport_code);

INSERT INTO bookings.aircrafts (aircraft_code, model, range)
SELECT v.* FROM (VALUES
  ('773', 'Boeing 777-300',       11100),
  ('763', 'Boeing 767-300',        7900),
  ('SU9', 'Sukhoi Superjet-100',   3000),
  ('320', 'Airbus A320-200',       5700),
  ('321', 'Airbus A321-200',       5600)
) AS v(aircraft_code, model, range)
WHERE NOT EXISTS (SELECT 1 FROM bookings.aircrafts a WHERE a.aircraft_code = v.aircraft_code);

-- Seat maps: rows x letters per aircraft; the first rows Business, the next Comfort (777 only), the rest Economy.
INSERT INTO bookings.seats (aircraft_code, seat_no, fare_conditions)
SELECT m.aircraft_code, r.row_no || l.letter,
       CASE WHEN r.row_no <= m.business_rows THEN 'Business'
            WHEN r.row_no <= m.business_rows + m.comfort_rows THEN 'Comfort'
            ELSE 'Economy' END
FROM (VALUES ('773', 30, 4, 3, 'ABCDEFGH'), ('763', 25, 3, 0, 'ABCDEFG'), ('SU9', 20, 2, 0, 'ACDEF'),
             ('320', 25, 3, 0, 'ABCDEF'), ('321', 28, 4, 0, 'ABCDEF'))
     AS m(aircraft_code, rows_total, business_rows, comfort_rows, letters)
CROSS JOIN LATERAL generate_series(1, m.rows_total) AS r(row_no)
CROSS JOIN LATERAL regexp_split_to_table(m.letters, '') AS l(letter)
WHERE NOT EXISTS (SELECT 1 FROM bookings.seats s WHERE s.aircraft_code = m.aircraft_code);
