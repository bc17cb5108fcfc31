// The writer: changes public.debezium_table through HAProxy at a fixed rate, one transaction per batch; with the
// outbox on, the same statement also writes one `Person` event per row. Any error drops the connection and the next
// batch reconnects (to whoever leads by then); rows of a failed batch are not acknowledged.
import { Client } from "pg";
import { WriterOptions } from "./options";

export interface AckedBatch {
  /** Ids the committed statement returned (changed rows). */
  ids: number[];
  /** When the commit was acknowledged to the writer (ms since epoch). */
  ackedAt: number;
}

export interface WriterStats {
  batches: number;
  ackedRows: number;
  failedBatches: number;
  /** Committed on the old leader but not confirmed by a synchronous standby: may or may not survive a failover. */
  unconfirmedBatches: number;
  lastError?: string;
  lastAckedAt?: number;
}

export interface WriterRun {
  stats(): WriterStats;
  /** Every acknowledged batch, in commit order. */
  readonly acked: readonly AckedBatch[];
  /** Stops after the batch in flight; resolves with the final counters. Idempotent. */
  stop(): Promise<WriterStats>;
}

/** PostgreSQL's warning when a commit stopped waiting for the synchronous standby: committed locally, not acked. */
const SYNC_WAIT_CANCELLED = /canceling (the )?wait for synchronous replication/i;

/** The one statement a batch runs: rows first (a CTE), then their outbox events, returning the changed ids. */
export function batchStatement(o: Pick<WriterOptions, "rows" | "outbox">): string {
  const rows = o.rows === 0
    ? `INSERT INTO public.debezium_table AS t (name, amount)
       SELECT $1 || '-' || g, g FROM generate_series($2::bigint, $3::bigint) g`
    // DISTINCT: a batch longer than `rows` must not touch one row twice (ON CONFLICT refuses that).
    : `INSERT INTO public.debezium_table AS t (id, name, amount)
       SELECT DISTINCT ((g - 1) % ${o.rows}) + 1, $1, 1 FROM generate_series($2::bigint, $3::bigint) g
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, amount = t.amount + 1, written_at = clock_timestamp()`;
  const outbox = o.outbox
    ? `, events AS (INSERT INTO public.outbox (aggregatetype, aggregateid, type, payload)
       SELECT 'Person', id::text, 'PersonChanged', jsonb_build_object('id', id, 'name', name, 'amount', amount) FROM w)`
    : "";
  return `WITH w AS (${rows} RETURNING t.id, t.name, t.amount)${outbox} SELECT id FROM w ORDER BY id`;
}

/**
 * Moves the table's identity past the writer's explicit ids 1..rows (never back): a plain `INSERT ... (name, amount)`
 * then takes the next free id instead of colliding with row 1. One statement per connection; no-op in append mode.
 */
export const IDENTITY_PAST_ROWS = `SELECT setval(s, GREATEST($1::bigint, COALESCE(pg_sequence_last_value(s), 0)))
  FROM (SELECT pg_get_serial_sequence('public.debezium_table', 'id')::regclass AS s) q`;

function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return `${err.code ? `${err.code} ` : ""}${err.message ?? String(e)}`.replace(/\s+/g, " ").slice(0, 200);
}

export function startWriter(opts: WriterOptions, label = `w${Date.now().toString(36)}`): WriterRun {
  const sql = batchStatement(opts);
  const acked: AckedBatch[] = [];
  const stats: WriterStats = { batches: 0, ackedRows: 0, failedBatches: 0, unconfirmedBatches: 0 };
  let client: Client | undefined;
  let notices: string[] = [];
  let stopping = false;
  let seq = 0;

  const drop = () => {
    const c = client;
    client = undefined;
    c?.end().catch(() => undefined);
  };
  const connect = async (): Promise<Client> => {
    if (client) return client;
    const c = new Client({
      connectionString: opts.sourceUrl, connectionTimeoutMillis: opts.timeoutMs, statement_timeout: opts.timeoutMs,
      query_timeout: opts.timeoutMs + 500, keepAlive: true, application_name: "cdc-writer",
    });
    c.on("error", () => { if (client === c) drop(); });
    c.on("notice", (n) => notices.push(n.message ?? String(n)));
    client = c;
    try {
      await c.connect();
      if (opts.rows > 0) await c.query(IDENTITY_PAST_ROWS, [opts.rows]);
    } catch (e) { drop(); throw e; }
    return c;
  };

  /** Runs one batch; false when it failed (nothing acknowledged). */
  async function batch(rowsDue: number): Promise<boolean> {
    const from = seq + 1;
    seq += rowsDue;
    stats.batches++;
    notices = [];
    try {
      const c = await connect();
      const res = await c.query<{ id: string }>(sql, [label, from, seq]);
      if (notices.some((n) => SYNC_WAIT_CANCELLED.test(n))) {
        stats.unconfirmedBatches++;
        return true;
      }
      const ackedAt = Date.now();
      acked.push({ ids: res.rows.map((r) => Number(r.id)), ackedAt });
      stats.ackedRows += res.rows.length;
      stats.lastAckedAt = ackedAt;
      return true;
    } catch (e) {
      stats.failedBatches++;
      stats.lastError = errorText(e);
      drop();
      return false;
    }
  }

  const loop = (async () => {
    const t0 = Date.now();
    let written = 0;
    while (!stopping) {
      // Rows due by now at the fixed rate; a slow batch is caught up by the next one, not dropped.
      const due = Math.floor(((Date.now() - t0) * opts.ratePerSecond) / 1000) - written;
      if (due > 0) {
        const n = Math.min(due, Math.max(1, Math.ceil((opts.ratePerSecond * opts.batchMs) / 1000) * 4));
        written += n;
        // After a failure, pause so a dead leader is not hammered; that batch's rows are not written again.
        if (!(await batch(n))) await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, opts.batchMs));
    }
  })();

  return {
    acked,
    stats: () => ({ ...stats }),
    async stop() {
      stopping = true;
      await loop;
      drop();
      return { ...stats };
    },
  };
}
