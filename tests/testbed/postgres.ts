import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Client, ClientConfig } from "pg";
import { freePort, waitForTcp } from "./ports";
import { Managed, requireBinary, start, tempDir, waitFor } from "./proc";

export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
export const PG_USER = "postgres"; // the unprivileged OS user Debian's package creates

export interface LocalPostgres {
  port: number;
  dataDir: string;
  proc: Managed;
  /** Connection settings for the superuser `postgres` (trust auth on 127.0.0.1). */
  config(database?: string): ClientConfig;
  url(database?: string): string;
  query<T = any>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Extra `-c name=value` server settings, e.g. { wal_level: "logical" }. */
  settings?: Record<string, string | number>;
  name?: string;
}

/** A throwaway PostgreSQL 15 cluster on a free 127.0.0.1 port, run as the `postgres` OS user. */
export async function startPostgres(opts: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const initdb = requireBinary(path.join(PG_BIN, "initdb"), ".ci/install.d/10-debian.sh");
  const root = tempDir(`lab-${opts.name ?? "pg"}`, PG_USER);
  const dataDir = path.join(root, "data");
  const asUser = process.getuid?.() === 0 ? ["setpriv", "--reuid", PG_USER, "--regid", PG_USER, "--init-groups", "--"] : [];
  const init = spawnSync(asUser[0] ?? initdb, [...asUser.slice(1), ...(asUser.length ? [initdb] : []),
    "-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addresses: "127.0.0.1", port, unix_socket_directories: root, fsync: "off",
    shared_buffers: "32MB", max_connections: 60, ...opts.settings,
  };
  const args = ["-D", dataDir, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  const proc = start({ name: opts.name ?? `postgres-${port}`, cmd: path.join(PG_BIN, "postgres"), args, user: PG_USER, logDir: root });
  await waitForTcp(port, 30_000).catch((e) => { throw new Error(`${e.message}\n${proc.tail()}`); });
  const config = (database = "postgres"): ClientConfig => ({ host: "127.0.0.1", port, user: "postgres", database });
  const pg: LocalPostgres = {
    port, dataDir, proc, config,
    url: (database = "postgres") => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async query(sql, params, database) {
      const c = new Client(config(database));
      await c.connect();
      try { return (await c.query(sql, params as any[])).rows; } finally { await c.end(); }
    },
    async createDatabase(name) { await pg.query(`CREATE DATABASE "${name}"`); },
    async stop() { await proc.stop(); fs.rmSync(root, { recursive: true, force: true }); },
  };
  await waitFor("postgres to accept queries", 30_000, async () => (await pg.query("select 1 as ok"))[0]?.ok);
  return pg;
}
