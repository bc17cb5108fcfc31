import * as assert from "assert";
import { createHash } from "crypto";
import {
  ChangeEvent, DvRow, SatRow, hashDiff, hashKey, mapChangeEvent, parseChangeEvent, planSatellites,
} from "../../apps/dv-loader/src/mapping";
import { isHealthy, loaderOptionsFromEnv } from "../../apps/dv-loader/src/main";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

function event(table: string, op: string, row: Record<string, unknown>, lsn = 100, before?: Record<string, unknown>): ChangeEvent {
  return {
    op, before: op === "d" ? row : before ?? null, after: op === "d" ? null : row,
    source: { schema: "bookings", table, lsn, ts_ms: 1 },
  };
}

const FLIGHT = {
  flight_id: 7, flight_no: "PG0002", scheduled_departure: "2024-03-01T05:13:00Z", scheduled_arrival: "2024-03-01T06:33:00Z",
  departure_airport: "SVO", arrival_airport: "LED", status: "Arrived", aircraft_code: "320",
  actual_departure: "2024-03-01T05:20:00Z", actual_arrival: "2024-03-01T06:40:00Z",
};

const kinds = (rows: DvRow[]) => rows.map((r) => `${r.kind}:${r.table}`);

describe("dv-loader mapping (Debezium envelope → Data Vault rows)", () => {
  it("hashes business keys as md5 of trimmed, upper-cased parts joined by ||", () => {
    assert.strictEqual(hashKey(" ab12cd "), md5("AB12CD"));
    assert.strictEqual(hashKey("0005432000987", 7), md5("0005432000987||7"));
    assert.strictEqual(hashKey("svo"), hashKey("SVO"), "case must not change the key");
    assert.notStrictEqual(hashKey("A", "BC"), hashKey("AB", "C"), "the separator keeps parts apart");
  });

  it("tells NULL from empty text in the hash diff", () => {
    assert.notStrictEqual(hashDiff([null]), hashDiff([""]));
    assert.strictEqual(hashDiff(["x", 1]), md5("x||1"));
  });

  it("unwraps the JsonConverter's {schema, payload} and ignores tombstones", () => {
    const e = event("bookings", "r", { book_ref: "00A1B2", book_date: "2024-03-01T00:00:00Z", total_amount: "100.00" });
    assert.deepStrictEqual(parseChangeEvent(JSON.stringify({ schema: {}, payload: e })), e);
    assert.deepStrictEqual(parseChangeEvent(Buffer.from(JSON.stringify(e))), e);
    assert.strictEqual(parseChangeEvent(null), undefined);
    assert.strictEqual(parseChangeEvent(JSON.stringify({ schema: null, payload: null })), undefined);
    assert.throws(() => parseChangeEvent("{not json"), /record value is not JSON/);
    assert.throws(() => parseChangeEvent(JSON.stringify({ op: "c" })), /not a Debezium change event/);
  });

  it("maps a booking to its hub and a satellite carrying the hash diff and the LSN", () => {
    const rows = mapChangeEvent(event("bookings", "r", { book_ref: "00A1B2", book_date: "2024-03-01T00:00:00Z", total_amount: "100.00" }, 42));
    assert.deepStrictEqual(kinds(rows), ["hub:hub_booking", "sat:sat_booking"]);
    const [hub, sat] = rows as [any, SatRow];
    assert.strictEqual(hub.hk, hashKey("00A1B2"));
    assert.strictEqual(hub.bk, "00A1B2");
    assert.strictEqual(sat.hk, hub.hk);
    assert.strictEqual(sat.lsn, "42");
    assert.strictEqual(sat.hashDiff, hashDiff(["2024-03-01T00:00:00Z", "100.00"]));
    assert.deepStrictEqual(sat.attributes, { book_date: "2024-03-01T00:00:00Z", total_amount: "100.00" });
    assert.strictEqual(sat.recordSource, "bookings.bookings");
  });

  it("maps a flight to its hub, the airports and aircraft it names, both airport roles and the aircraft link", () => {
    const rows = mapChangeEvent(event("flights", "c", FLIGHT));
    assert.deepStrictEqual(kinds(rows), [
      "hub:hub_flight", "hub:hub_airport", "hub:hub_airport", "hub:hub_aircraft",
      "link:link_flight_airport", "link:link_flight_airport", "link:link_flight_aircraft", "sat:sat_flight",
    ]);
    const links = rows.filter((r) => r.kind === "link") as any[];
    assert.deepStrictEqual(links[0].columns, { flight_hk: hashKey("7"), airport_hk: hashKey("SVO"), role: "departure" });
    assert.deepStrictEqual(links[1].columns, { flight_hk: hashKey("7"), airport_hk: hashKey("LED"), role: "arrival" });
    assert.notStrictEqual(links[0].hk, links[1].hk, "departure and arrival are two links");
    assert.strictEqual(links[2].hk, hashKey("7", "320"));
  });

  it("maps ticket_flights to the ticket–flight link (and the two hubs, created if absent) without a satellite", () => {
    const rows = mapChangeEvent(event("ticket_flights", "r", { ticket_no: "0005432000001", flight_id: 7, fare_conditions: "Economy", amount: "50.00" }));
    assert.deepStrictEqual(kinds(rows), ["hub:hub_ticket", "hub:hub_flight", "link:link_ticket_flight"]);
    assert.strictEqual(rows[2].hk, hashKey("0005432000001", "7"));
  });

  it("links a ticket to its booking", () => {
    const rows = mapChangeEvent(event("tickets", "r", { ticket_no: "0005432000001", book_ref: "00A1B2", passenger_id: "1234 567890", passenger_name: "IVAN PETROV", contact_data: "{\"phone\": \"+7\"}" }));
    assert.deepStrictEqual(kinds(rows), ["hub:hub_ticket", "hub:hub_booking", "link:link_ticket_booking", "sat:sat_ticket"]);
  });

  it("records a delete as a deleted satellite version with its own hash diff, and no links", () => {
    const rows = mapChangeEvent(event("flights", "d", FLIGHT, 300));
    assert.deepStrictEqual(kinds(rows), ["hub:hub_flight", "sat:sat_flight"]);
    const sat = rows[1] as SatRow;
    assert.strictEqual(sat.deleted, true);
    assert.notStrictEqual(sat.hashDiff, (mapChangeEvent(event("flights", "u", FLIGHT, 300)).at(-1) as SatRow).hashDiff);
  });

  it("ignores truncates and tables the vault does not model; names the table when a key is missing", () => {
    assert.deepStrictEqual(mapChangeEvent({ op: "t", source: { table: "flights", lsn: 1 } }), []);
    assert.deepStrictEqual(mapChangeEvent(event("boarding_passes", "c", { ticket_no: "1" })), []);
    assert.throws(() => mapChangeEvent(event("bookings", "c", { book_date: "x" })), /bookings: business key book_ref is missing/);
    assert.throws(() => mapChangeEvent({ op: "c", after: { book_ref: "A" }, source: { table: "bookings" } }), /bookings: c event without source.lsn/);
  });

  it("is deterministic: the same event maps to the same rows", () => {
    assert.deepStrictEqual(mapChangeEvent(event("flights", "r", FLIGHT)), mapChangeEvent(event("flights", "r", FLIGHT)));
  });
});

describe("dv-loader satellite planning (idempotent versions)", () => {
  const sat = (lsn: number, status: string): SatRow =>
    mapChangeEvent(event("flights", "u", { ...FLIGHT, status }, lsn)).at(-1) as SatRow;

  it("keeps the first version, a changed one, and a change back; drops an unchanged update", () => {
    const kept = planSatellites(new Map(), [sat(10, "On Time"), sat(20, "On Time"), sat(30, "Delayed"), sat(40, "On Time")]);
    assert.deepStrictEqual(kept.map((s) => s.lsn), ["10", "30", "40"]);
  });

  it("lets an incremental-snapshot read (no LSN) fill a missing version but never override a streamed one", () => {
    const read = mapChangeEvent({ op: "r", after: { ...FLIGHT, status: "Delayed" }, source: { schema: "bookings", table: "flights", lsn: null } }).at(-1) as SatRow;
    assert.strictEqual(read.lsn, "0");
    assert.deepStrictEqual(planSatellites(new Map(), [read]), [read]);
    const stored = new Map([[`sat_flight/${hashKey("7")}`, { lsn: "40", hashDiff: sat(40, "On Time").hashDiff }]]);
    assert.deepStrictEqual(planSatellites(stored, [read]), []);
  });

  it("drops everything of a replay: no event is newer than the stored newest version", () => {
    const stored = new Map([[`sat_flight/${hashKey("7")}`, { lsn: "40", hashDiff: sat(40, "On Time").hashDiff }]]);
    assert.deepStrictEqual(planSatellites(stored, [sat(10, "On Time"), sat(30, "Delayed"), sat(40, "On Time")]), []);
  });

  it("adds a newer changed version after the stored one, compared as 64-bit LSNs", () => {
    const big = 2n ** 40n;
    const stored = new Map([[`sat_flight/${hashKey("7")}`, { lsn: String(big), hashDiff: sat(1, "On Time").hashDiff }]]);
    const newer = { ...sat(1, "Delayed"), lsn: String(big + 1n) };
    const older = { ...sat(1, "Arrived"), lsn: "999" };
    assert.deepStrictEqual(planSatellites(stored, [older, newer]).map((s) => s.lsn), [String(big + 1n)]);
  });
});

describe("dv-loader settings and health", () => {
  const env = { KAFKA_BOOTSTRAP: "kafka:9092", DV_TOPIC_PREFIX: "cdc", DWH_URL: "postgresql://dv:pw@dwh:5432/dwh" };

  it("reads the environment with defaults", () => {
    const o = loaderOptionsFromEnv(env);
    assert.deepStrictEqual(o.bootstrap, ["kafka:9092"]);
    assert.strictEqual(o.sourceSchema, "bookings");
    assert.strictEqual(o.mode, "committed");
    assert.strictEqual(o.healthPort, 8090);
  });

  it("names a missing or bad variable, hiding the DWH password", () => {
    assert.throws(() => loaderOptionsFromEnv({ ...env, KAFKA_BOOTSTRAP: "" }), /KAFKA_BOOTSTRAP is not set/);
    assert.throws(() => loaderOptionsFromEnv({ ...env, DV_START_FROM: "latest" }), /DV_START_FROM = "latest": must be committed or earliest/);
    assert.throws(() => loaderOptionsFromEnv({ ...env, DV_BATCH_SIZE: "0" }), /DV_BATCH_SIZE = "0"/);
    assert.throws(() => loaderOptionsFromEnv({ ...env, DWH_URL: "mysql://u:secret@h/db" }), (e: Error) => /DWH_URL/.test(e.message) && !e.message.includes("secret"));
  });

  it("is healthy only while consuming, no batch is stuck, and the DWH answered recently", () => {
    const s = { consuming: true, lastDwhOkAt: 1_000, records: 0, batches: 0, inserted: {}, positions: {} };
    assert.strictEqual(isHealthy(s, 2_000), true);
    assert.strictEqual(isHealthy({ ...s, consuming: false }, 2_000), false);
    assert.strictEqual(isHealthy({ ...s, lastDwhOkAt: undefined }, 2_000), false);
    assert.strictEqual(isHealthy({ ...s, failingBatch: "batch: flights: u event without source.lsn" }, 2_000), false);
    assert.strictEqual(isHealthy(s, 1_000 + 31_000), false);
  });
});
