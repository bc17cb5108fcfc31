import { BOOKINGS_SQL_DIR } from "../../program/paths";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { LocalPostgres, startPostgres } from "../testbed/postgres";

const DIR = BOOKINGS_SQL_DIR;
const TABLES = ["airports", "aircrafts", "seats", "flights", "bookings", "tickets", "ticket_flights", "boarding_passes"];

describe("datasets/bookings: the demo source database (real PostgreSQL 15)", function () {
  this.timeout(120_000);
  let pg: LocalPostgres;
  const apply = async (db: string) => {
    for (const f of fs.readdirSync(DIR).filter((n) => /^\d{3}_[a-z_]+\.sql$/.test(n)).sort()) {
      await pg.query(fs.readFileSync(path.join(DIR, f), "utf8"), [], db);
    }
  };
  /** md5 of every table's rows in key order: equal digests = identical data. */
  const digest = async (db: string) => {
    const out: Record<string, string> = {};
    for (const t of TABLES) {
      const [r] = await pg.query(`SELECT count(*)::int AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM bookings.${t} x`, [], db);
      out[t] = `${r.n}:${r.h}`;
    }
    return out;
  };

  before(async () => {
    pg = await startPostgres({ name: "bookings" });
    await pg.createDatabase("demo_a");
    await pg.createDatabase("demo_b");
  });
  after(async () => { await pg?.stop(); });

  it("fills every table, bookings.bookings included, with the same rows on every database", async () => {
    const t0 = Date.now();
    await apply("demo_a");
    const ms = Date.now() - t0;
    await apply("demo_b");
    const a = await digest("demo_a");
    assert.deepEqual(await digest("demo_b"), a, "the data set is deterministic");
    for (const t of TABLES) assert.ok(Number(a[t].split(":")[0]) > 0, `bookings.${t} is empty`);
    console.log(`      applied in ${ms} ms: ${TABLES.map((t) => `${t}=${a[t].split(":")[0]}`).join(" ")}`);
  });

  it("is safe to apply again: nothing changes", async () => {
    const before = await digest("demo_a");
    await apply("demo_a");
    assert.deepEqual(await digest("demo_a"), before);
  });

  it("is consistent: totals match ticket amounts, passes only for departed flights, seats match fares", async () => {
    const one = async (sql: string) => (await pg.query(sql, [], "demo_a"))[0];
    assert.equal((await one(`SELECT count(*)::int AS n FROM bookings.bookings b
      WHERE total_amount <> (SELECT sum(tf.amount) FROM bookings.tickets t JOIN bookings.ticket_flights tf USING (ticket_no) WHERE t.book_ref = b.book_ref)`)).n, 0);
    assert.equal((await one(`SELECT count(*)::int AS n FROM bookings.bookings WHERE total_amount <= 0`)).n, 0);
    assert.equal((await one(`SELECT count(*)::int AS n FROM bookings.boarding_passes bp JOIN bookings.flights f USING (flight_id)
      WHERE f.status NOT IN ('Departed', 'Arrived')`)).n, 0);
    assert.equal((await one(`SELECT count(*)::int AS n FROM bookings.boarding_passes bp JOIN bookings.ticket_flights tf USING (ticket_no, flight_id)
      JOIN bookings.flights f USING (flight_id) JOIN bookings.seats s ON s.aircraft_code = f.aircraft_code AND s.seat_no = bp.seat_no
      WHERE s.fare_conditions <> tf.fare_conditions`)).n, 0);
    const passes = await one(`SELECT count(*)::int AS n FROM bookings.boarding_passes`);
    const departed = await one(`SELECT count(*)::int AS n FROM bookings.ticket_flights JOIN bookings.flights USING (flight_id) WHERE status IN ('Departed', 'Arrived')`);
    assert.equal(passes.n, departed.n, "every departed ticket has a boarding pass");
    assert.equal((await one(`SELECT count(*)::int AS n FROM bookings.bookings b WHERE book_date >= (SELECT min(f.scheduled_departure)
      FROM bookings.tickets t JOIN bookings.ticket_flights tf USING (ticket_no) JOIN bookings.flights f USING (flight_id) WHERE t.book_ref = b.book_ref)`)).n, 0,
      "bookings are made before the first flight");
  });
});
