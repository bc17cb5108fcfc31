// Pure half of the loader: one Debezium change event of the bookings schema → the Data Vault rows it implies.
// No I/O here: the same event always maps to the same rows, which is what makes a replay change nothing.
import { createHash } from "crypto";

export type Scalar = string | number | boolean | null;

export interface HubRow {
  kind: "hub";
  table: string;
  hkColumn: string;
  hk: string;
  bkColumn: string;
  bk: string;
  recordSource: string;
}

export interface LinkRow {
  kind: "link";
  table: string;
  hkColumn: string;
  hk: string;
  /** Hub key columns → hash keys (and extra plain columns such as the airport's role). */
  columns: Record<string, string>;
  recordSource: string;
}

export interface SatRow {
  kind: "sat";
  table: string;
  hkColumn: string;
  hk: string;
  /** Debezium's source.lsn: orders versions of one hub's attributes. */
  lsn: string;
  hashDiff: string;
  deleted: boolean;
  attributes: Record<string, Scalar>;
  recordSource: string;
}

export type DvRow = HubRow | LinkRow | SatRow;

/** The Debezium envelope fields the loader reads. */
export interface ChangeEvent {
  op: "c" | "u" | "d" | "r" | "t" | string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  source: { schema?: string; table: string; lsn?: number | string | null; ts_ms?: number };
  ts_ms?: number;
}

/** md5 (hex) of the business key parts, each trimmed and upper-cased, joined by '||' (the DWH's convention). */
export function hashKey(...parts: Scalar[]): string {
  return md5(parts.map(normalizeKeyPart).join("||"));
}

export function normalizeKeyPart(v: Scalar): string {
  if (v === null) return "";
  return String(v).trim().toUpperCase();
}

/** md5 of the attribute values in a fixed order; NULL and '' differ (NULL is spelled \N, as COPY does). */
export function hashDiff(values: Scalar[]): string {
  return md5(values.map((v) => (v === null ? "\\N" : String(v).trim())).join("||"));
}

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

/**
 * The event from a Kafka record value: JSON text or a parsed object, with or without the JsonConverter's
 * {schema, payload} wrapper. A null value (tombstone after a delete) yields undefined: nothing to load.
 */
export function parseChangeEvent(value: string | Buffer | object | null | undefined): ChangeEvent | undefined {
  if (value === null || value === undefined) return undefined;
  const text = Buffer.isBuffer(value) ? value.toString("utf8") : value;
  if (text === "") return undefined;
  let parsed: any;
  if (typeof text === "string") {
    try { parsed = JSON.parse(text); } catch (e) { throw new Error(`record value is not JSON: ${(e as Error).message}: ${text.slice(0, 200)}`); }
  } else parsed = text;
  if (parsed && typeof parsed === "object" && "payload" in parsed && "schema" in parsed) parsed = parsed.payload;
  if (parsed === null) return undefined;
  if (typeof parsed !== "object" || typeof parsed.op !== "string" || typeof parsed.source?.table !== "string") {
    throw new Error(`record value is not a Debezium change event (needs op and source.table): ${JSON.stringify(parsed).slice(0, 200)}`);
  }
  return parsed as ChangeEvent;
}

function scalar(row: Record<string, unknown>, column: string): Scalar {
  const v = row[column];
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}

function required(row: Record<string, unknown>, column: string, table: string): string {
  const v = scalar(row, column);
  if (v === null || String(v).trim() === "") throw new Error(`${table}: business key ${column} is missing in ${JSON.stringify(row).slice(0, 200)}`);
  return String(v).trim();
}

interface HubSpec { table: string; hkColumn: string; bkColumn: string }

export const HUBS = {
  booking: { table: "hub_booking", hkColumn: "booking_hk", bkColumn: "book_ref" },
  ticket: { table: "hub_ticket", hkColumn: "ticket_hk", bkColumn: "ticket_no" },
  airport: { table: "hub_airport", hkColumn: "airport_hk", bkColumn: "airport_code" },
  aircraft: { table: "hub_aircraft", hkColumn: "aircraft_hk", bkColumn: "aircraft_code" },
  flight: { table: "hub_flight", hkColumn: "flight_hk", bkColumn: "flight_id" },
} as const satisfies Record<string, HubSpec>;
type HubName = keyof typeof HUBS;

function hub(name: HubName, bk: string, recordSource: string): HubRow {
  const h = HUBS[name];
  return { kind: "hub", table: h.table, hkColumn: h.hkColumn, hk: hashKey(bk), bkColumn: h.bkColumn, bk, recordSource };
}

function link(table: string, hkColumn: string, ends: [HubName, string][], recordSource: string, role?: string): LinkRow {
  const columns: Record<string, string> = {};
  for (const [name, bk] of ends) columns[HUBS[name].hkColumn] = hashKey(bk);
  if (role) columns.role = role;
  return { kind: "link", table, hkColumn, hk: hashKey(...ends.map(([, bk]) => bk), ...(role ? [role] : [])), columns, recordSource };
}

/** A satellite's attributes read from the source row, in the order the hash diff uses. */
type AttributeReader = Record<string, (row: Record<string, unknown>) => Scalar>;

const col = (c: string) => (row: Record<string, unknown>) => scalar(row, c);

interface SourceTable {
  hub?: { name: HubName; key: string; sat: string; attributes: AttributeReader };
  /** Hubs referenced by the row (created if absent) and links to them. */
  links?: (row: Record<string, unknown>, table: string, rs: string) => DvRow[];
}

/** Source tables of sql/bookings by name. */
export const SOURCE_TABLES: Record<string, SourceTable> = {
  bookings: {
    hub: { name: "booking", key: "book_ref", sat: "sat_booking", attributes: { book_date: col("book_date"), total_amount: col("total_amount") } },
  },
  tickets: {
    hub: {
      name: "ticket", key: "ticket_no", sat: "sat_ticket",
      attributes: { passenger_id: col("passenger_id"), passenger_name: col("passenger_name"), contact_data: col("contact_data") },
    },
    links: (row, table, rs) => {
      const ticket = required(row, "ticket_no", table);
      const booking = required(row, "book_ref", table);
      return [hub("booking", booking, rs), link("link_ticket_booking", "ticket_booking_hk", [["ticket", ticket], ["booking", booking]], rs)];
    },
  },
  airports: {
    hub: {
      name: "airport", key: "airport_code", sat: "sat_airport",
      attributes: { airport_name: col("airport_name"), city: col("city"), longitude: col("longitude"), latitude: col("latitude"), timezone: col("timezone") },
    },
  },
  aircrafts: {
    hub: { name: "aircraft", key: "aircraft_code", sat: "sat_aircraft", attributes: { model: col("model"), range: col("range") } },
  },
  flights: {
    hub: {
      name: "flight", key: "flight_id", sat: "sat_flight",
      attributes: {
        flight_no: col("flight_no"), scheduled_departure: col("scheduled_departure"), scheduled_arrival: col("scheduled_arrival"),
        status: col("status"), actual_departure: col("actual_departure"), actual_arrival: col("actual_arrival"),
      },
    },
    links: (row, table, rs) => {
      const flight = required(row, "flight_id", table);
      const dep = required(row, "departure_airport", table);
      const arr = required(row, "arrival_airport", table);
      const aircraft = required(row, "aircraft_code", table);
      return [
        hub("airport", dep, rs), hub("airport", arr, rs), hub("aircraft", aircraft, rs),
        link("link_flight_airport", "flight_airport_hk", [["flight", flight], ["airport", dep]], rs, "departure"),
        link("link_flight_airport", "flight_airport_hk", [["flight", flight], ["airport", arr]], rs, "arrival"),
        link("link_flight_aircraft", "flight_aircraft_hk", [["flight", flight], ["aircraft", aircraft]], rs),
      ];
    },
  },
  ticket_flights: {
    links: (row, table, rs) => {
      const ticket = required(row, "ticket_no", table);
      const flight = required(row, "flight_id", table);
      return [hub("ticket", ticket, rs), hub("flight", flight, rs), link("link_ticket_flight", "ticket_flight_hk", [["ticket", ticket], ["flight", flight]], rs)];
    },
  },
};

/** The source tables the loader subscribes to (one Debezium topic each). */
export const LOADED_TABLES = ["bookings", "tickets", "airports", "aircrafts", "flights", "ticket_flights"] as const;

/**
 * The Data Vault rows one change event implies, hubs first, then links, then satellites (the order foreign keys
 * need). Inserts, updates and snapshot reads load the new image; a delete records a deleted satellite version;
 * truncates and tables the vault does not model yield nothing.
 */
export function mapChangeEvent(event: ChangeEvent): DvRow[] {
  const table = event.source.table;
  const spec = SOURCE_TABLES[table];
  if (!spec || event.op === "t") return [];
  const deleted = event.op === "d";
  const row = (deleted ? event.before : event.after) ?? undefined;
  if (!row) {
    // A delete without a before image (REPLICA IDENTITY DEFAULT keeps only the key) still carries the key.
    if (deleted) throw new Error(`${table}: delete event without a before image: ${JSON.stringify(event).slice(0, 200)}`);
    throw new Error(`${table}: ${event.op} event without an after image`);
  }
  const recordSource = `${event.source.schema ?? "bookings"}.${table}`;
  const rows: DvRow[] = [];
  let sat: SatRow | undefined;
  if (spec.hub) {
    const h = spec.hub;
    const bk = required(row, h.key, table);
    rows.push(hub(h.name, bk, recordSource));
    const lsn = event.source.lsn ?? (event.op === "r" ? INCREMENTAL_READ_LSN : undefined);
    if (lsn === undefined) throw new Error(`${table}: ${event.op} event without source.lsn`);
    const attributes: Record<string, Scalar> = {};
    for (const [name, read] of Object.entries(h.attributes)) attributes[name] = read(row);
    const values = Object.values(attributes);
    sat = {
      kind: "sat", table: h.sat, hkColumn: HUBS[h.name].hkColumn, hk: hashKey(bk), lsn: String(lsn),
      hashDiff: hashDiff(deleted ? ["deleted", ...values] : values), deleted, attributes, recordSource,
    };
  }
  // A deleted row's relationships stay recorded: links are facts that once held.
  if (spec.links && !deleted) rows.push(...spec.links(row, table, recordSource));
  if (sat) rows.push(sat);
  return orderForLoad(rows);
}

/**
 * Incremental-snapshot reads (after `lab signal-snapshot`) carry no LSN. They count as the oldest possible version:
 * they fill a hub's satellite when it has none, and never override a streamed version (planSatellites skips them).
 */
export const INCREMENTAL_READ_LSN = "0";

const KIND_ORDER = { hub: 0, link: 1, sat: 2 } as const;

/** Hubs, links, satellites; stable within a kind. */
export function orderForLoad(rows: DvRow[]): DvRow[] {
  return rows.map((r, i) => [r, i] as const).sort((a, b) => KIND_ORDER[a[0].kind] - KIND_ORDER[b[0].kind] || a[1] - b[1]).map(([r]) => r);
}

/** The Debezium topic of a source table. */
export function topicOf(topicPrefix: string, schema: string, table: string): string {
  return `${topicPrefix}.${schema}.${table}`;
}

/** The newest satellite version of a hub key already in the vault. */
export interface LatestVersion { lsn: string; hashDiff: string }

/**
 * Which satellite rows to insert, given the newest stored version per hash key: an event is loaded only when it
 * is newer (by LSN) than everything stored for its key and its hash diff differs from the newest version. So a
 * replayed or re-snapshotted event, or an update that changed nothing the satellite holds, adds no row.
 */
export function planSatellites(latest: Map<string, LatestVersion>, rows: SatRow[]): SatRow[] {
  const current = new Map(latest);
  const out: SatRow[] = [];
  for (const row of rows) {
    const key = `${row.table}/${row.hk}`;
    const newest = current.get(key);
    if (newest && BigInt(row.lsn) <= BigInt(newest.lsn)) continue;
    if (!newest || newest.hashDiff !== row.hashDiff) out.push(row);
    current.set(key, { lsn: row.lsn, hashDiff: newest && newest.hashDiff === row.hashDiff ? newest.hashDiff : row.hashDiff });
  }
  return out;
}
