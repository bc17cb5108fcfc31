import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ClientConfig } from "pg";
import { startPostgres, LocalPostgres } from "../testbed/postgres";
import { stopAll, tempDir } from "../testbed/proc";
import {
  applyMigrations, loadMigrations, Migration, migrationFrom, readHistory, SQL_MIGRATIONS_PROVIDER_VERSION,
  sqlMigrationsProvider, SqlMigrationsInputs,
} from "../../providers/sqlMigrations";

// The loader the dynamic provider host uses, found where @pulumi/pulumi finds it.
const REQUIRE_FROM_STRING = require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] });

/** A migrations directory written by the test: { "001_a.sql": "..." }. */
function writeDir(files: Record<string, string>): string {
  const dir = tempDir("lab-sql");
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

describe("real: SqlMigrations on PostgreSQL 15", function () {
  this.timeout(120_000);
  let pg: LocalPostgres;
  let db = 0;
  /** A fresh database per test: tests stay independent on one server. */
  async function freshDb(): Promise<ClientConfig> {
    const name = `mig_${++db}`;
    await pg.createDatabase(name);
    return pg.config(name);
  }
  const q = async (conn: ClientConfig, sql: string) => pg.query(sql, [], conn.database);

  before(async () => { pg = await startPostgres({ name: "sql-migrations" }); });
  after(async () => { await pg?.stop(); await stopAll(); });

  const base = {
    "001_owners.sql": "create table owners (id serial primary key, name text not null);\n",
    "002_events.sql": "create table events (\n  id serial primary key,\n  owner_id int references owners(id),\n  at timestamptz default now()\n);\ninsert into owners(name) values ('alice');\n",
  };

  it("applies files once, in name order, and a second run is a no-op", async () => {
    const conn = await freshDb();
    const migrations = loadMigrations(writeDir(base));
    const lines: string[] = [];
    const first = await applyMigrations(conn, migrations, { log: (l) => lines.push(l) });
    assert.deepStrictEqual(first, { applied: ["001_owners", "002_events"], skipped: [] });
    assert.ok(lines.some((l) => /applying 002_events \(2 statements, one transaction\)/.test(l)), lines.join("\n"));
    const second = await applyMigrations(conn, migrations);
    assert.deepStrictEqual(second, { applied: [], skipped: ["001_owners", "002_events"] });
    const owners = await q(conn, "select name from owners");
    assert.deepStrictEqual(owners, [{ name: "alice" }], "the insert ran exactly once");
    const history = await readHistory(conn);
    assert.deepStrictEqual(history.map((h) => [h.id, h.checksum]), migrations.map((m) => [m.id, m.checksum]));
  });

  it("runs only a new file", async () => {
    const conn = await freshDb();
    await applyMigrations(conn, loadMigrations(writeDir(base)));
    const more = loadMigrations(writeDir({ ...base, "003_more.sql": "insert into owners(name) values ('bob');" }));
    const r = await applyMigrations(conn, more);
    assert.deepStrictEqual(r, { applied: ["003_more"], skipped: ["001_owners", "002_events"] });
    assert.deepStrictEqual((await q(conn, "select name from owners order by id")).map((r) => r.name), ["alice", "bob"]);
  });

  it("refuses a changed file by name, then re-applies it under the reapply policy", async () => {
    const conn = await freshDb();
    await applyMigrations(conn, loadMigrations(writeDir(base)));
    const changed = loadMigrations(writeDir({ ...base, "002_events.sql": base["002_events.sql"].replace("alice", "carol").replace("create table events", "create table if not exists events") }));
    await assert.rejects(applyMigrations(conn, changed), (e: Error) => {
      assert.match(e.message, /002_events\.sql: applied .* with sha256/);
      assert.match(e.message, /onChecksumChange = "reapply"/);
      return true;
    });
    assert.deepStrictEqual((await q(conn, "select name from owners")).map((r) => r.name), ["alice"], "nothing ran on refusal");
    const before = (await readHistory(conn)).find((h) => h.id === "002_events")!;
    const r = await applyMigrations(conn, changed, { onChecksumChange: "reapply" });
    assert.deepStrictEqual(r.applied, ["002_events"]);
    assert.deepStrictEqual((await q(conn, "select name from owners order by id")).map((r) => r.name), ["alice", "carol"]);
    const after = (await readHistory(conn)).find((h) => h.id === "002_events")!;
    assert.strictEqual(after.checksum, changed[1].checksum);
    assert.notStrictEqual(after.checksum, before.checksum);
  });

  it("reports bad SQL as file:line:column with the server's message and keeps nothing of that file", async () => {
    const conn = await freshDb();
    const dir = writeDir({
      ...base,
      "003_bad.sql": "-- adds a column and a broken view\nalter table owners add column email text;\ninsert into owners(name) values ('dave');\n\ncreate view v as\n  select nme\n  from owners;\n",
    });
    await assert.rejects(applyMigrations(conn, loadMigrations(dir)), (e: Error) => {
      assert.match(e.message, /003_bad\.sql:6:10: column "nme" does not exist \[42703\]/);
      assert.match(e.message, /nothing of 003_bad was applied/);
      return true;
    });
    const cols = await q(conn, "select column_name from information_schema.columns where table_name = 'owners' and column_name = 'email'");
    assert.strictEqual(cols.length, 0, "the alter of the failing file was rolled back");
    assert.deepStrictEqual((await q(conn, "select name from owners")).map((r) => r.name), ["alice"]);
    assert.deepStrictEqual((await readHistory(conn)).map((h) => h.id), ["001_owners", "002_events"], "earlier files stay recorded");
  });

  it("reports a runtime error (no server position) at the failing statement's line", async () => {
    const conn = await freshDb();
    const dir = writeDir({ "001_div.sql": "create table t (x int);\ninsert into t values (1);\n  select 1 / 0;\n" });
    await assert.rejects(applyMigrations(conn, loadMigrations(dir)), /001_div\.sql:3:3: division by zero \[22012\]/);
    assert.strictEqual((await q(conn, "select count(*)::int as n from pg_tables where tablename = 't'"))[0].n, 0);
  });

  it("points at the right column after non-ASCII text (the server counts characters)", async () => {
    const conn = await freshDb();
    const dir = writeDir({ "001_emoji.sql": "select 'привет 😀' as greeting, nme;\n" });
    await assert.rejects(applyMigrations(conn, loadMigrations(dir)), /001_emoji\.sql:1:32: column "nme" does not exist/);
  });

  it("runs a -- lab:no-transaction file statement by statement (CREATE INDEX CONCURRENTLY)", async () => {
    const conn = await freshDb();
    const dir = writeDir({
      ...base,
      "003_index.sql": "-- lab:no-transaction\ncreate index concurrently if not exists owners_name on owners(name);\nvacuum analyze owners;\n",
    });
    const r = await applyMigrations(conn, loadMigrations(dir));
    assert.deepStrictEqual(r.applied, ["001_owners", "002_events", "003_index"]);
    const idx = await q(conn, "select indexname from pg_indexes where indexname = 'owners_name'");
    assert.strictEqual(idx.length, 1);
  });

  it("refuses BEGIN/COMMIT inside a transactional file, naming the line", async () => {
    const conn = await freshDb();
    const dir = writeDir({ "001_tx.sql": "create table a (x int);\nbegin;\ncreate table b (x int);\ncommit;\n" });
    await assert.rejects(applyMigrations(conn, loadMigrations(dir)), /001_tx\.sql:2:1: BEGIN inside a transactional file/);
  });

  it("two concurrent runs apply each file exactly once", async () => {
    const conn = await freshDb();
    await q(conn, "create table runs (file text not null)");
    const files: Record<string, string> = {};
    for (let i = 1; i <= 6; i++) {
      files[`00${i}_step.sql`] = `insert into runs values ('00${i}');\nselect pg_sleep(0.05);\n`;
    }
    const migrations = loadMigrations(writeDir(files));
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const [a, b] = await Promise.all([applyMigrations(conn, migrations, { log }), applyMigrations(conn, migrations, { log })]);
    assert.ok(lines.some((l) => l.startsWith("waiting for another migration run")), `one run waited for the lock:\n${lines.join("\n")}`);
    assert.deepStrictEqual([...a.applied, ...b.applied].sort(), migrations.map((m) => m.id), "each file applied by exactly one run");
    const counts = await q(conn, "select file, count(*)::int as n from runs group by file order by file");
    assert.deepStrictEqual(counts.map((c) => c.n), [1, 1, 1, 1, 1, 1]);
  });

  it("keeps the history table where it is told, schema-qualified", async () => {
    const conn = await freshDb();
    await applyMigrations(conn, loadMigrations(writeDir(base)), { table: "lab_meta.history" });
    const rows = await q(conn, "select count(*)::int as n from lab_meta.history");
    assert.strictEqual(rows[0].n, 2);
    assert.deepStrictEqual(await readHistory(conn), [], "the default table was not used");
  });

  describe("the provider's own methods", () => {
    function inputs(conn: ClientConfig, migrations: Migration[], extra: Partial<SqlMigrationsInputs> = {}): SqlMigrationsInputs {
      return {
        host: conn.host!, port: conn.port!, user: conn.user!, database: conn.database!, password: null,
        migrations, version: SQL_MIGRATIONS_PROVIDER_VERSION, readyTimeoutMs: 10_000, ...extra,
      };
    }
    const p = sqlMigrationsProvider;

    it("create, diff, update, read (drift), delete", async () => {
      const conn = await freshDb();
      const first = loadMigrations(writeDir(base));
      const created = await p.create(inputs(conn, first));
      assert.strictEqual(created.id, `${conn.database}/public.lab_migrations`);
      assert.deepStrictEqual(created.outs!.applied.map((a) => a.id), ["001_owners", "002_events"]);

      const same = await p.diff!(created.id, created.outs!, inputs(conn, first));
      assert.strictEqual(same.changes, false, "same files: no change");

      const next = [...first, migrationFrom("003_more.sql", "insert into owners(name) values ('bob');")];
      const d = await p.diff!(created.id, created.outs!, inputs(conn, next));
      assert.deepStrictEqual([d.changes, d.replaces], [true, []]);
      const updated = await p.update!(created.id, created.outs!, inputs(conn, next));
      assert.deepStrictEqual(updated.outs!.applied.map((a) => a.id), ["001_owners", "002_events", "003_more"]);

      // Someone deletes a history row by hand: refresh (read) sees it, and the next diff asks for an update.
      await q(conn, "delete from lab_migrations where id = '003_more'");
      const read = await p.read!(created.id, updated.outs!);
      assert.strictEqual(read.id, created.id);
      assert.deepStrictEqual(read.props!.applied.map((a: { id: string }) => a.id), ["001_owners", "002_events"]);
      const drift = await p.diff!(created.id, read.props!, inputs(conn, next));
      assert.strictEqual(drift.changes, true, "drift shows as an update");

      const other = await p.diff!(created.id, created.outs!, inputs(conn, first, { table: "other.history" }));
      assert.deepStrictEqual(other.replaces, ["table"]);

      await p.delete!(created.id, updated.outs!);
      assert.strictEqual((await readHistory(conn)).length, 2, "default delete leaves history and data");
      await p.delete!(created.id, { ...updated.outs!, dropOnDelete: true });
      await p.delete!(created.id, { ...updated.outs!, dropOnDelete: true });
      assert.deepStrictEqual(await q(conn, "select tablename from pg_tables where tablename = 'lab_migrations'"), []);
      assert.strictEqual((await q(conn, "select count(*)::int as n from owners"))[0].n, 2, "the lab's data stays");
    });

    it("create waits for a database that comes up late, within readyTimeoutMs", async () => {
      const late = await startPostgres({ name: "sql-migrations-late" });
      const conn = late.config("postgres");
      await late.proc.stop();
      // Restart the same data directory on the same port after a pause, while create is already waiting.
      const restarted = (async () => {
        await new Promise((r) => setTimeout(r, 1500));
        return startPostgresOn(late);
      })();
      const started = Date.now();
      const created = await p.create(inputs(conn, loadMigrations(writeDir(base)), { readyTimeoutMs: 30_000 }));
      assert.ok(Date.now() - started >= 1000, "it really waited");
      assert.strictEqual(created.outs!.applied.length, 2);
      await (await restarted).stop();
      await late.stop();
    });

    it("delete with dropOnDelete is idempotent when the database or the server is already gone", async () => {
      const gone = inputs({ host: "127.0.0.1", port: pg.port, user: "postgres", database: "never_created" }, [], { dropOnDelete: true });
      await p.delete!("x", { ...gone, applied: [] });
      await p.delete!("x", { ...gone, port: 1, applied: [] });
    });

    it("create fails within the bound, naming the target, when nothing listens", async () => {
      const conn: ClientConfig = { host: "127.0.0.1", port: 1, user: "postgres", database: "nowhere" };
      const started = Date.now();
      await assert.rejects(p.create(inputs(conn, [], { readyTimeoutMs: 1500 })), /sql postgres@127\.0\.0\.1:1\/nowhere not ready after \d+ ms .*last failure: .*ECONNREFUSED/);
      assert.ok(Date.now() - started < 5000);
    });

    it("check names the bad key and value without touching the database", async () => {
      const r = await p.check!({} as any, inputs({ host: "127.0.0.1", port: 70000, user: "u", database: "d" }, []));
      assert.deepStrictEqual(r.failures, [{ property: "port", reason: "port = 70000: must be an integer 1..65535" }]);
    });

    it("survives Pulumi's closure serialization: a plain node process loads it and migrates", async () => {
      const conn = await freshDb();
      const sf = await pulumi.runtime.serializeFunction(() => sqlMigrationsProvider, { allowSecrets: true });
      const dir = tempDir("lab-provider");
      fs.writeFileSync(path.join(dir, "provider.js"), sf.text);
      // What the dynamic provider host does: require-from-string, then call the methods (no ts-node here).
      const script = `
        const code = require("fs").readFileSync(${JSON.stringify(path.join(dir, "provider.js"))}, "utf8");
        const p = require(${JSON.stringify(REQUIRE_FROM_STRING)})(code).handler();
        const inputs = JSON.parse(process.argv[1]);
        p.create(inputs).then(async (r) => {
          const again = await p.update(r.id, r.outs, inputs);
          console.log(JSON.stringify({ id: r.id, applied: again.outs.applied.map((a) => a.id) }));
        }).catch((e) => { console.error(e.message); process.exit(1); });`;
      const input = inputs(conn, loadMigrations(writeDir(base)));
      const run = spawnSync(process.execPath, ["-e", script, JSON.stringify(input)], { cwd: process.cwd(), encoding: "utf8", timeout: 60_000 });
      assert.strictEqual(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout.trim().split("\n").pop()!);
      assert.deepStrictEqual(out, { id: `${conn.database}/public.lab_migrations`, applied: ["001_owners", "002_events"] });
      assert.ok(!/require\("\.\.?\//.test(sf.text), "no relative requires: the host cannot resolve them");
    });
  });
});

/** Starts postgres again on a stopped harness cluster's data directory and port. */
async function startPostgresOn(old: LocalPostgres): Promise<{ stop(): Promise<void> }> {
  const { start } = await import("../testbed/proc");
  const { PG_BIN, PG_USER } = await import("../testbed/postgres");
  const root = path.dirname(old.dataDir);
  const proc = start({
    name: `postgres-restart-${old.port}`, cmd: path.join(PG_BIN, "postgres"), user: PG_USER, logDir: root,
    args: ["-D", old.dataDir, "-c", "listen_addresses=127.0.0.1", "-c", `port=${old.port}`, "-c", `unix_socket_directories=${root}`, "-c", "fsync=off"],
  });
  return { stop: () => proc.stop() };
}
