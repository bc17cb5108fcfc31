import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LabDynamicResource } from "../resource";
import { ClientConfig } from "pg";
import { keyDiff, checkWith, errorText, VersionedInputs, withoutProviderKey, withSecretOutputs } from "../dynamic";
import { sqlProbe, waitUntilReady } from "../healthGate/probes";
import { normalizeRetryPolicy } from "../healthGate/policy";
import { applyMigrations, dropHistory, readHistory } from "./apply";
import {
  AppliedMigration, ChecksumPolicy, loadMigrations, Migration, MigrationSettings, normalizeSettings, normalizeTarget,
  parseTableName, validateMigrations,
} from "./migrations";

export * from "./migrations";
export { applyMigrations, readHistory, dropHistory } from "./apply";
export type { ApplyOptions, ApplyResult } from "./apply";

/** Bump when the provider's behaviour changes: the version input turns that into an update. */
export const SQL_MIGRATIONS_PROVIDER_VERSION = "1";

/** What the provider receives: connection fields flat, so `password` is a top-level (secret) property. */
export interface SqlMigrationsInputs extends VersionedInputs {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string | null;
  table?: string;
  onChecksumChange?: ChecksumPolicy;
  lockTimeoutMs?: number;
  readyTimeoutMs?: number;
  dropOnDelete?: boolean;
  migrations: Migration[];
}

export interface SqlMigrationsOutputs extends SqlMigrationsInputs {
  /** What the history table held after the last run (or refresh): id, checksum, time applied. */
  applied: AppliedMigration[];
}

/** A different database or history table is a different resource; everything else is an update. */
const REPLACE_KEYS = ["database", "table"] as const;
const UPDATE_KEYS = ["host", "port", "user", "password", "onChecksumChange", "lockTimeoutMs", "readyTimeoutMs",
  "dropOnDelete", "migrations", "version"] as const;

function validate(inputs: SqlMigrationsInputs): { settings: MigrationSettings; conn: ClientConfig; migrations: Migration[] } {
  const target = normalizeTarget(inputs as unknown as Record<string, unknown>);
  const settings = normalizeSettings(inputs as unknown as Record<string, unknown>);
  const migrations = validateMigrations(inputs.migrations);
  return { settings, migrations, conn: { ...target, password: inputs.password || undefined } };
}

/** A migration is its id, text and checksum; its `file` only names it in messages, so a moved file is no change. */
function withoutFiles<T extends { migrations?: unknown }>(inputs: T): T {
  const ms = inputs.migrations;
  return Array.isArray(ms) ? { ...inputs, migrations: ms.map(({ file: _file, ...m }) => m) } : inputs;
}

/** Files whose id and checksum the last-known history lacks: after a refresh that saw drift, they make an update. */
export function pendingMigrations(migrations: Migration[], applied: AppliedMigration[] | undefined): string[] {
  const done = new Set((applied ?? []).map((a) => `${a.id}:${a.checksum}`));
  return migrations.filter((m) => !done.has(`${m.id}:${m.checksum}`)).map((m) => m.id);
}

const tableOf = (s: MigrationSettings) => `${s.schema}.${s.table}`;

function progress(line: string): void {
  // The provider host forwards stderr to the engine's log; the line never carries the password.
  process.stderr.write(`[sqlMigrations] ${line}\n`);
}

/** Waits (bounded) for the database to answer `select 1`, applies what is missing, returns the history. */
async function migrate(inputs: SqlMigrationsInputs): Promise<SqlMigrationsOutputs> {
  const { settings, conn, migrations } = validate(inputs);
  const where = `${conn.user}@${conn.host}:${conn.port}/${conn.database}`;
  await waitUntilReady(`sql ${where}`, sqlProbe(conn as Parameters<typeof sqlProbe>[0]),
    normalizeRetryPolicy({ timeoutMs: settings.readyTimeoutMs, maxDelayMs: 2_000 }));
  await applyMigrations(conn, migrations, {
    table: tableOf(settings), onChecksumChange: settings.onChecksumChange, lockTimeoutMs: settings.lockTimeoutMs,
    log: (line) => progress(`${where}: ${line}`),
  });
  return { ...withoutProviderKey(inputs), applied: await readHistory(conn, tableOf(settings)) };
}

export const sqlMigrationsProvider: pulumi.dynamic.ResourceProvider<SqlMigrationsInputs, SqlMigrationsOutputs> = {
  async check(_olds, news) {
    return checkWith(news, validate);
  },
  async diff(_id, olds, news) {
    const { replaces, updates: changed } = keyDiff(withoutFiles(olds), withoutFiles(news), REPLACE_KEYS, UPDATE_KEYS);
    const drift = Array.isArray(news.migrations) ? pendingMigrations(news.migrations, olds.applied) : [];
    return {
      changes: replaces.length + changed.length + drift.length > 0,
      replaces,
      // With dropOnDelete, drop the old history first: dropped afterwards it could be the table the new run just filled.
      deleteBeforeReplace: olds.dropOnDelete === true,
    };
  },
  async create(inputs) {
    const outs = await migrate(inputs);
    const s = normalizeSettings(inputs as unknown as Record<string, unknown>);
    return { id: `${inputs.database}/${tableOf(s)}`, outs };
  },
  async update(_id, _olds, news) {
    return { outs: await migrate(news) };
  },
  async read(id, props) {
    if (!props) throw new Error(`sqlMigrations ${id}: refresh needs the recorded connection`);
    const { settings, conn } = validate(props);
    try {
      return { id, props: { ...withoutProviderKey(props), applied: await readHistory(conn, tableOf(settings)) } };
    } catch (e) {
      throw new Error(`sqlMigrations ${id}: cannot read ${tableOf(settings)} on ${conn.host}:${conn.port}/${conn.database}: ${errorText(e)}`);
    }
  },
  /**
   * Leaves the data by default: the tables the files created belong to the lab's database, and a destroy of this
   * resource alone (or a rename) must not wipe a student's work. With dropOnDelete only the history table goes.
   * Idempotent: a database that is already gone has nothing left to delete.
   */
  async delete(id, props) {
    if (props.dropOnDelete !== true) return;
    const { settings, conn } = validate(props);
    try {
      await dropHistory(conn, tableOf(settings));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "3D000") {
        progress(`${id}: database unreachable or gone (${errorText(e)}); nothing to drop`);
        return;
      }
      throw e;
    }
  },
};

export interface SqlConnection {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string;
}

export interface SqlMigrationsArgs {
  connection: pulumi.Input<SqlConnection> | { [K in keyof SqlConnection]: pulumi.Input<SqlConnection[K]> };
  /** A directory of NNN_name.sql files (read at program time), or migrations already loaded. */
  migrations: string | Migration[];
  /** History table, schema.table (default public.lab_migrations). */
  table?: string;
  onChecksumChange?: ChecksumPolicy;
  /** How long create/update wait for the database to answer `select 1` (default 120000). */
  readyTimeoutMs?: number;
  lockTimeoutMs?: number;
  /** Drop the history table when the resource is deleted (the lab's own tables always stay). */
  dropOnDelete?: boolean;
}

/**
 * The connection as one input per field. A secret password makes a whole Output object secret; only the password
 * should stay secret, so the other fields of such an object are unsecreted (a host and port are not secrets).
 */
function connectionFields(c: SqlMigrationsArgs["connection"]): { [K in keyof SqlConnection]: pulumi.Input<SqlConnection[K]> } {
  if (!pulumi.Output.isInstance(c) && !(c instanceof Promise)) return c as { [K in keyof SqlConnection]: pulumi.Input<SqlConnection[K]> };
  const whole = pulumi.output(c as pulumi.Input<SqlConnection>);
  const plain = <K extends keyof SqlConnection>(k: K) => pulumi.unsecret(whole.apply((v) => v[k]));
  return { host: plain("host"), port: plain("port"), user: plain("user"), database: plain("database"), password: whole.apply((v) => v.password) };
}

/** Applies a lab's SQL files to a database, once each, in name order; refresh reads back what was applied. */
export class SqlMigrations extends LabDynamicResource {
  // `declare`: with target es2022 a plain field would be re-initialised to undefined after super() set it.
  declare public readonly applied: pulumi.Output<AppliedMigration[]>;

  constructor(name: string, args: SqlMigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    const conn = connectionFields(args.connection);
    const loaded = typeof args.migrations === "string" ? loadMigrations(args.migrations) : args.migrations;
    // Paths relative to the project keep the state the same on every machine.
    const migrations = loaded.map((m) => ({ ...m, file: path.isAbsolute(m.file) ? path.relative(process.cwd(), m.file) : m.file }));
    parseTableName(args.table);
    super(sqlMigrationsProvider, "SqlMigrations", name, {
      ...conn, password: pulumi.secret(pulumi.output(conn.password).apply((p) => p ?? null)),
      table: args.table, onChecksumChange: args.onChecksumChange, readyTimeoutMs: args.readyTimeoutMs,
      lockTimeoutMs: args.lockTimeoutMs, dropOnDelete: args.dropOnDelete,
      migrations, version: SQL_MIGRATIONS_PROVIDER_VERSION, applied: undefined,
    }, withSecretOutputs(opts, ["password"]));
  }
}
