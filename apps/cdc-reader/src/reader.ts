// The reader: what destination_db.public.debezium_table holds (the seed's read-destination-table.sh), and the
// row-by-row comparison with source_db the lab's checks use (duplicates are harmless upserts; a missing row is a loss).
import { Client, ClientConfig } from "pg";

export interface TableRow {
  id: number;
  name: string;
  amount: number;
  /** written_at in microseconds since the epoch: exact through Debezium's ZonedTimestamp and the sink. */
  writtenUs: number;
}

export interface DestinationSummary {
  rows: number;
  maxId: number | null;
  /** How far the newest row's written_at is behind now (ms), a rough replication lag. */
  lagMs: number | null;
}

export interface TableDiff {
  /** In the source, not in the destination: changes lost (or not arrived yet). */
  missing: number[];
  /** Present on both sides with different values. */
  different: number[];
  /** In the destination only (a source delete not applied). */
  extra: number[];
}

const ROWS_SQL = `SELECT id, name, amount, (extract(epoch FROM written_at) * 1000000)::bigint AS written_us
  FROM public.debezium_table ORDER BY id`;

async function withClient<T>(conn: ClientConfig | string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client(typeof conn === "string" ? { connectionString: conn } : conn);
  await c.connect();
  try { return await work(c); } finally { await c.end().catch(() => undefined); }
}

export async function readRows(conn: ClientConfig | string): Promise<TableRow[]> {
  return withClient(conn, async (c) => (await c.query(ROWS_SQL)).rows.map((r) => ({
    id: Number(r.id), name: r.name, amount: Number(r.amount), writtenUs: Number(r.written_us),
  })));
}

export async function summarizeDestination(conn: ClientConfig | string): Promise<DestinationSummary> {
  return withClient(conn, async (c) => {
    const [r] = (await c.query(`SELECT count(*) AS rows, max(id) AS max_id,
      (extract(epoch FROM clock_timestamp() - max(written_at)) * 1000)::bigint AS lag_ms FROM public.debezium_table`)).rows;
    return { rows: Number(r.rows), maxId: r.max_id === null ? null : Number(r.max_id), lagMs: r.lag_ms === null ? null : Number(r.lag_ms) };
  });
}

/** Pure: compares by id; rows are equal when every column is. */
export function diffTables(source: TableRow[], destination: TableRow[]): TableDiff {
  const dest = new Map(destination.map((r) => [r.id, r]));
  const src = new Set(source.map((r) => r.id));
  const missing: number[] = [];
  const different: number[] = [];
  for (const r of source) {
    const d = dest.get(r.id);
    if (!d) missing.push(r.id);
    else if (d.name !== r.name || d.amount !== r.amount || d.writtenUs !== r.writtenUs) different.push(r.id);
  }
  const extra = destination.filter((r) => !src.has(r.id)).map((r) => r.id);
  return { missing, different, extra };
}

/** "3 missing (ids 7, 8, 9), 0 different, 0 extra", with at most `max` ids shown per kind. */
export function describeDiff(d: TableDiff, max = 10): string {
  const part = (name: string, ids: number[]) =>
    `${ids.length} ${name}${ids.length ? ` (ids ${ids.slice(0, max).join(", ")}${ids.length > max ? ", ..." : ""})` : ""}`;
  return [part("missing", d.missing), part("different", d.different), part("extra", d.extra)].join(", ");
}
