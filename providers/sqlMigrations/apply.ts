import type * as Pg from "pg";
import type { Client, ClientConfig } from "pg";
import { errorText } from "../dynamic";
import { retry } from "../retry";
import {
  AppliedMigration, ChecksumPolicy, checksumChangeError, errorLocation, firstKeyword, lockKeyFor, Migration,
  parseTableName, planMigrations, splitStatements, Statement,
} from "./migrations";

export interface ApplyOptions {
  /** History table as schema.table (default public.lab_migrations); created if missing. */
  table?: string;
  /** What to do when an applied file's checksum changed: stop with an error (default) or run the file again. */
  onChecksumChange?: ChecksumPolicy;
  /** Progress lines (never contains the password). */
  log?: (line: string) => void;
  /** Advisory lock key serializing runs against one history table (default derived from the table name). */
  lockKey?: string;
  /** How long to wait for another run to release the lock. */
  lockTimeoutMs?: number;
  timeouts?: Partial<SqlTimeouts>;
}

/** Every connection and statement is bounded: a server that accepts and never answers must not hang `pulumi up`. */
export interface SqlTimeouts {
  /** TCP connect plus PostgreSQL's startup and authentication. */
  connectTimeoutMs: number;
  /** One statement (client side, and the server's statement_timeout). */
  statementTimeoutMs: number;
}

export const DEFAULT_SQL_TIMEOUTS: SqlTimeouts = { connectTimeoutMs: 5_000, statementTimeoutMs: 300_000 };
/** Reading or dropping the history table is one small statement. */
export const HISTORY_SQL_TIMEOUTS: SqlTimeouts = { connectTimeoutMs: 5_000, statementTimeoutMs: 15_000 };

/** The address in errors (never the password). */
export function describeConnection(conn: ClientConfig): string {
  return `${conn.user}@${conn.host}:${conn.port}/${conn.database}`;
}

export interface ApplyResult {
  applied: string[];
  skipped: string[];
}

/** Every place this module puts a table name in SQL: both parts were validated as plain identifiers. */
function qualified(schema: string, table: string): string {
  return `"${schema}"."${table}"`;
}

/**
 * A connected client whose background errors and notices do not crash the process, with a connect timeout and a
 * statement timeout. A failed connect names the address and the phase.
 */
async function connect(conn: ClientConfig, timeouts: SqlTimeouts, log?: (line: string) => void): Promise<Client> {
  // Required on first use, so that a no-op up (check and diff only) never loads pg in the provider host.
  const { Client: PgClient }: typeof Pg = require("pg");
  const client = new PgClient({
    ...conn, connectionTimeoutMillis: timeouts.connectTimeoutMs, query_timeout: timeouts.statementTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
  });
  client.on("error", () => { /* surfaced by the failing query instead */ });
  client.on("notice", (n) => log?.(`notice: ${n.message}`));
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw keepCode(e, `sql ${describeConnection(conn)}: connect (timeout ${timeouts.connectTimeoutMs} ms): ${errorText(e)}`);
  }
  return client;
}

/** A new message with the original's error code (ECONNREFUSED, 3D000...), which callers decide on. */
function keepCode(e: unknown, message: string): Error {
  const code = (e as { code?: unknown })?.code;
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

/** Runs `work` on its own bounded connection; an error names the address and what was being done. */
async function withClient<T>(conn: ClientConfig, timeouts: SqlTimeouts, phase: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = await connect(conn, timeouts);
  try {
    return await work(client);
  } catch (e) {
    throw keepCode(e, `sql ${describeConnection(conn)}: ${phase}: ${errorText(e)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** pg_try_advisory_lock in a bounded loop: a plain pg_advisory_lock could wait forever behind a stuck run. */
async function acquireLock(client: Client, key: string, timeoutMs: number, log?: (line: string) => void): Promise<void> {
  await retry(`advisory lock ${key}`, { timeoutMs, initialDelayMs: 100, maxDelayMs: 1_000, attemptTimeoutMs: 0 }, async (_ms, attempt) => {
    const { rows } = await client.query("select pg_try_advisory_lock($1::bigint) as locked", [key]);
    if (rows[0].locked) return { value: undefined };
    if (attempt === 1) log?.(`waiting for another migration run (advisory lock ${key})`);
    return { retry: "held by another migration run" };
  }, { failure: "not acquired" }).catch((e) => {
    throw new Error(`another migration run held advisory lock ${key} for more than ${timeoutMs} ms (${errorText(e)})`);
  });
}

async function tableExists(client: Client, schema: string, table: string): Promise<boolean> {
  const { rows } = await client.query(
    "select 1 from pg_catalog.pg_tables where schemaname = $1 and tablename = $2", [schema, table]);
  return rows.length > 0;
}

/** Checks before creating: IF NOT EXISTS still demands CREATE rights that a lab user may lack on an existing schema. */
async function ensureHistoryTable(client: Client, schema: string, table: string): Promise<void> {
  const { rows } = await client.query("select 1 from pg_catalog.pg_namespace where nspname = $1", [schema]);
  if (rows.length === 0) await client.query(`create schema "${schema}"`);
  if (await tableExists(client, schema, table)) return;
  await client.query(`create table ${qualified(schema, table)} (
    id text primary key,
    checksum text not null,
    applied_at timestamptz not null default now(),
    execution_ms integer not null
  )`);
}

async function historyOf(client: Client, schema: string, table: string): Promise<AppliedMigration[]> {
  if (!(await tableExists(client, schema, table))) return [];
  const { rows } = await client.query(
    `select id, checksum, applied_at from ${qualified(schema, table)} order by id`);
  return rows.map((r) => ({ id: r.id, checksum: r.checksum, appliedAt: new Date(r.applied_at).toISOString() }));
}

/** What the history table holds now ([] when it does not exist yet). */
export async function readHistory(conn: ClientConfig, tableName?: string, timeouts: SqlTimeouts = HISTORY_SQL_TIMEOUTS): Promise<AppliedMigration[]> {
  const { schema, table } = parseTableName(tableName);
  return withClient(conn, timeouts, `read ${schema}.${table}`, (client) => historyOf(client, schema, table));
}

/** Drops the history table (the objects the files created stay). Idempotent. */
export async function dropHistory(conn: ClientConfig, tableName?: string, timeouts: SqlTimeouts = HISTORY_SQL_TIMEOUTS): Promise<void> {
  const { schema, table } = parseTableName(tableName);
  await withClient(conn, timeouts, `drop ${schema}.${table}`, async (client) => { await client.query(`drop table if exists ${qualified(schema, table)}`); });
}

/** Update-then-insert instead of ON CONFLICT, which Greenplum 6 (PostgreSQL 9.4) lacks. */
async function record(client: Client, schema: string, table: string, m: Migration, ms: number): Promise<void> {
  const t = qualified(schema, table);
  const upd = await client.query(`update ${t} set checksum = $2, applied_at = now(), execution_ms = $3 where id = $1`, [m.id, m.checksum, ms]);
  if (upd.rowCount === 0) await client.query(`insert into ${t} (id, checksum, execution_ms) values ($1, $2, $3)`, [m.id, m.checksum, ms]);
}

// An array, not a Set: the closure serializer copies module values field by field and a Set arrives empty.
const TRANSACTION_CONTROL = ["begin", "commit", "rollback", "start", "end", "abort", "savepoint", "release"];

/** The statements of a file, refusing transaction control in a file that runs inside our own transaction. */
function statementsOf(m: Migration): Statement[] {
  const statements = splitStatements(m.sql);
  if (m.transactional) {
    for (const s of statements) {
      const keyword = firstKeyword(s.sql);
      if (TRANSACTION_CONTROL.includes(keyword)) {
        throw new Error(`${errorLocation(m.file, m.sql, s)}: ${keyword.toUpperCase()} inside a transactional file; ` +
          "remove it (each file already runs in one transaction) or start the file with `-- lab:no-transaction`");
      }
    }
  }
  return statements;
}

/** The error for a failed statement: file:line:column, the server's words, and what state the file is left in. */
function statementError(m: Migration, s: Statement, e: unknown, done: number): Error {
  const pgErr = e as { position?: string; code?: string; detail?: string; hint?: string; where?: string };
  const extra = [pgErr.detail && `detail: ${pgErr.detail}`, pgErr.hint && `hint: ${pgErr.hint}`, pgErr.where && `where: ${pgErr.where}`]
    .filter(Boolean).map((l) => `\n  ${l}`).join("");
  const state = m.transactional
    ? `nothing of ${m.id} was applied (its transaction was rolled back)`
    : `${m.id} is not transactional: its first ${done} statement(s) stay applied; it is not recorded, so the next run starts it over`;
  const code = pgErr.code ? ` [${pgErr.code}]` : "";
  return new Error(`${errorLocation(m.file, m.sql, s, pgErr.position)}: ${errorText(e)}${code}${extra}\n  ${state}`);
}

async function runMigration(client: Client, schema: string, table: string, m: Migration, log?: (line: string) => void): Promise<void> {
  const statements = statementsOf(m);
  const started = Date.now();
  log?.(`applying ${m.id} (${statements.length} statement${statements.length === 1 ? "" : "s"}${m.transactional ? ", one transaction" : ", no transaction"})`);
  if (m.transactional) await client.query("begin");
  let done = 0;
  try {
    for (const s of statements) {
      try { await client.query(s.sql); } catch (e) { throw statementError(m, s, e, done); }
      done++;
    }
    await record(client, schema, table, m, Date.now() - started);
    if (m.transactional) await client.query("commit");
  } catch (e) {
    if (m.transactional) await client.query("rollback").catch(() => undefined);
    throw e;
  }
  log?.(`applied ${m.id} in ${Date.now() - started} ms`);
}

/**
 * Applies the files not yet recorded in the history table, each in its own transaction unless it opts out, under
 * an advisory lock so concurrent runs apply each file once. Stops at the first failing file.
 */
export async function applyMigrations(conn: ClientConfig, migrations: Migration[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const { schema, table } = parseTableName(opts.table);
  const policy = opts.onChecksumChange ?? "error";
  const log = opts.log;
  const key = opts.lockKey ?? lockKeyFor(schema, table);
  const client = await connect(conn, { ...DEFAULT_SQL_TIMEOUTS, ...opts.timeouts }, log);
  try {
    await acquireLock(client, key, opts.lockTimeoutMs ?? 60_000, log);
    try {
      await ensureHistoryTable(client, schema, table);
      const history = await historyOf(client, schema, table);
      const plan = planMigrations(migrations, history, policy);
      const refusal = policy === "error" ? checksumChangeError(plan.changed, history) : undefined;
      if (refusal) throw refusal;
      if (plan.outOfOrder.length) log?.(`applying out of order (after later files): ${plan.outOfOrder.join(", ")}`);
      if (plan.skipped.length) log?.(`already applied: ${plan.skipped.join(", ")}`);
      for (const m of plan.toApply) await runMigration(client, schema, table, m, log);
      return { applied: plan.toApply.map((m) => m.id), skipped: plan.skipped };
    } finally {
      await client.query("select pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
