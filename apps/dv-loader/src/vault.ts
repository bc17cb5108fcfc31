// The I/O half of the loader: writes mapped rows into the Data Vault in one transaction per batch.
// Hubs and links: insert-if-absent. Satellites: only what planSatellites keeps (newer and changed).
import { ClientBase } from "pg";
import { DvRow, HubRow, LatestVersion, LinkRow, SatRow, planSatellites } from "./mapping";

export const DV_SCHEMA = "dv";

/** What one batch added to the vault, per table. */
export type Inserted = Record<string, number>;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const table = (name: string) => `${DV_SCHEMA}.${ident(name)}`;

/** Bind parameters per statement stay far below PostgreSQL's 65535. */
const ROWS_PER_STATEMENT = 500;

/**
 * Multi-row INSERT ... VALUES: PostgreSQL types each placeholder from its target column, so timestamps, numeric
 * and jsonb arrive as text without casts. Returns the rows actually inserted.
 */
async function insertRows(client: ClientBase, tableName: string, columns: string[], rows: unknown[][]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const values = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(", ")})`).join(", ");
    const res = await client.query(
      `insert into ${table(tableName)} (${columns.map(ident).join(", ")}) values ${values} on conflict do nothing`, chunk.flat());
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

function groupBy<T extends DvRow>(rows: T[]): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const r of rows) by.set(r.table, [...(by.get(r.table) ?? []), r]);
  return by;
}

/** One row per hash key: a batch often names the same airport many times. */
function uniqueByHk<T extends HubRow | LinkRow>(rows: T[]): T[] {
  return [...new Map(rows.map((r) => [r.hk, r])).values()];
}

async function latestVersions(client: ClientBase, tableName: string, hkColumn: string, hks: string[]): Promise<Map<string, LatestVersion>> {
  const { rows } = await client.query(
    `select distinct on (${ident(hkColumn)}) ${ident(hkColumn)} as hk, source_lsn::text as lsn, hash_diff
       from ${table(tableName)} where ${ident(hkColumn)} = any($1) order by ${ident(hkColumn)}, source_lsn desc`, [hks]);
  return new Map(rows.map((r) => [`${tableName}/${r.hk}`, { lsn: r.lsn, hashDiff: r.hash_diff }]));
}

/** Writes one batch of mapped rows (in event order) inside the caller's transaction. */
export async function writeRows(client: ClientBase, rows: DvRow[]): Promise<Inserted> {
  const inserted: Inserted = {};
  const add = (t: string, n: number) => { if (n > 0) inserted[t] = (inserted[t] ?? 0) + n; };
  for (const [t, hubs] of groupBy(rows.filter((r): r is HubRow => r.kind === "hub"))) {
    const h = uniqueByHk(hubs);
    add(t, await insertRows(client, t, [h[0].hkColumn, h[0].bkColumn, "record_source"], h.map((r) => [r.hk, r.bk, r.recordSource])));
  }
  for (const [t, links] of groupBy(rows.filter((r): r is LinkRow => r.kind === "link"))) {
    const l = uniqueByHk(links);
    const cols = Object.keys(l[0].columns);
    add(t, await insertRows(client, t, [l[0].hkColumn, ...cols, "record_source"], l.map((r) => [r.hk, ...cols.map((c) => r.columns[c]), r.recordSource])));
  }
  for (const [t, sats] of groupBy(rows.filter((r): r is SatRow => r.kind === "sat"))) {
    const latest = await latestVersions(client, t, sats[0].hkColumn, [...new Set(sats.map((s) => s.hk))]);
    const keep = planSatellites(latest, sats);
    if (keep.length === 0) continue;
    const attrs = Object.keys(keep[0].attributes);
    add(t, await insertRows(client, t, [keep[0].hkColumn, "source_lsn", "hash_diff", "record_source", "is_deleted", ...attrs],
      keep.map((s) => [s.hk, s.lsn, s.hashDiff, s.recordSource, s.deleted, ...attrs.map((a) => s.attributes[a])])));
  }
  return inserted;
}

/** Row counts of every vault table (for tests, the bench and `lab` checks). */
export async function vaultCounts(client: ClientBase): Promise<Record<string, number>> {
  const { rows } = await client.query(
    `select table_name from information_schema.tables where table_schema = $1 order by table_name`, [DV_SCHEMA]);
  const out: Record<string, number> = {};
  for (const r of rows) out[r.table_name] = Number((await client.query(`select count(*) as n from ${table(r.table_name)}`)).rows[0].n);
  return out;
}
