import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import {
  REPLICA_START_SCRIPT, pgpassLine, primaryReplicationSql, replicaEnv,
} from "../../components/postgres/postgresReplicaConfig";
import { freePort, waitForTcp } from "../testbed/ports";
import { LocalPostgres, PG_BIN, PG_USER, startPostgres } from "../testbed/postgres";
import { Managed, chown, start, stopAll, tempDir, waitFor } from "../testbed/proc";

/**
 * The replica container's start script, run for real: a local primary (startPostgres), the replication role and
 * slot from primaryReplicationSql (through psql, as the primary's init script does), and the script cloning it.
 */
describe("real: PostgreSQL primary + streaming replica from the replica start script", function () {
  this.timeout(120_000);
  const SLOT = "replica_slot";
  const USER = "replicator";
  const PASSWORD = "repl-secret-42";
  let primary: LocalPostgres;
  let replica: Managed;
  let root: string;
  let replicaPort: number;

  /** Starts the script and waits until the standby answers queries (it listens before it accepts them). */
  const startReplica = async () => {
    const env = {
      ...replicaEnv({ primaryHost: "127.0.0.1", primaryPort: primary.port, replicationUser: USER, slot: SLOT, applicationName: "replica", passFile: path.join(root, "pgpass"), waitTries: 30 }),
      PGDATA: path.join(root, "data"), PG_BIN, REPLICATION_PASSWORD: PASSWORD,
    };
    replica = start({
      name: "replica", cmd: "/bin/sh", user: PG_USER, logDir: root, env,
      args: [path.join(root, "start-replica.sh"), "-c", `port=${replicaPort}`, "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${root}`],
    });
    await waitForTcp(replicaPort, 60_000).catch((e) => { throw new Error(`${e.message}\n${replica.tail()}`); });
    await waitFor("the standby to accept queries", 30_000, async () => (await onReplica("select 1 as ok"))[0]?.ok);
  };
  const onReplica = async <T = any>(sql: string): Promise<T[]> => {
    const c = new Client({ host: "127.0.0.1", port: replicaPort, user: "postgres", database: "postgres" });
    await c.connect();
    try { return (await c.query(sql)).rows; } finally { await c.end(); }
  };

  before(async () => {
    primary = await startPostgres({ name: "repl-primary", settings: { wal_level: "logical", max_wal_senders: 10, max_replication_slots: 10 } });
    const psql = spawnSync(path.join(PG_BIN, "psql"), ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-d", "postgres",
      "-v", "ON_ERROR_STOP=1", "-v", `replication_password=${PASSWORD}`], { input: primaryReplicationSql(USER, SLOT), encoding: "utf8" });
    assert.strictEqual(psql.status, 0, `psql: ${psql.stderr}`);
    // The harness trusts 127.0.0.1: put a password rule for the replication user first, so the clone must log in.
    const hba = path.join(primary.dataDir, "pg_hba.conf");
    fs.writeFileSync(hba, `host replication ${USER} 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, "utf8")}`);
    await primary.query("select pg_reload_conf()");
    root = tempDir("lab-replica", PG_USER);
    fs.writeFileSync(path.join(root, "start-replica.sh"), REPLICA_START_SCRIPT, { mode: 0o755 });
    chown(root, PG_USER);
    replicaPort = await freePort();
    await primary.query("create table owners (id int primary key, name text not null)");
    await primary.query("insert into owners values (1, 'before the clone')");
    await startReplica();
  });
  after(async () => {
    await replica?.stop(10_000).catch(() => undefined);
    await primary?.stop().catch(() => undefined);
    await stopAll();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("clones the primary into a standby that streams through the named slot", async () => {
    assert.deepStrictEqual(await onReplica("select pg_is_in_recovery() as standby"), [{ standby: true }]);
    const conf = fs.readFileSync(path.join(root, "data", "postgresql.auto.conf"), "utf8");
    assert.match(conf, /primary_slot_name = 'replica_slot'/);
    assert.ok(!conf.includes(PASSWORD), "the replication password was written into postgresql.auto.conf");
    assert.ok(fs.existsSync(path.join(root, "data", "standby.signal")));
    const passfile = path.join(root, "pgpass");
    assert.strictEqual(fs.readFileSync(passfile, "utf8"), pgpassLine("127.0.0.1", primary.port, USER, PASSWORD));
    assert.strictEqual(fs.statSync(passfile).mode & 0o077, 0, "the password file is readable by others");
    const rep = await waitFor("the replica to stream", 30_000, async () => {
      const rows = await primary.query("select application_name, state from pg_stat_replication");
      return rows.length === 1 && rows[0].state === "streaming" ? rows : undefined;
    });
    assert.deepStrictEqual(rep, [{ application_name: "replica", state: "streaming" }]);
    assert.deepStrictEqual(await primary.query("select slot_type, active from pg_replication_slots where slot_name = $1", [SLOT]),
      [{ slot_type: "physical", active: true }]);
  });

  it("shows the primary's rows and later writes on the replica", async () => {
    await primary.query("insert into owners select g, 'owner ' || g from generate_series(2, 500) g");
    await primary.query("update owners set name = 'renamed' where id = 1");
    const want = await primary.query("select count(*)::int as n, md5(string_agg(id || name, ',' order by id)) as h from owners");
    const got = await waitFor("the replica to equal the primary", 30_000, async () => {
      const rows = await onReplica("select count(*)::int as n, md5(string_agg(id || name, ',' order by id)) as h from owners");
      return JSON.stringify(rows) === JSON.stringify(want) ? rows : undefined;
    });
    assert.deepStrictEqual(got, want);
  });

  it("refuses writes on the replica", async () => {
    await assert.rejects(onReplica("insert into owners values (1000, 'on the replica')"), (e: any) =>
      e.code === "25006" && /read-only transaction/.test(e.message));
    await assert.rejects(onReplica("create table nope (id int)"), /read-only transaction/);
  });

  it("restarts without cloning again and catches up on what it missed", async () => {
    await replica.stop(10_000);
    await primary.query("insert into owners values (9999, 'while the replica was down')");
    await startReplica();
    const rows = await waitFor("the missed row on the replica", 30_000, async () => {
      const r = await onReplica("select name from owners where id = 9999").catch(() => []);
      return r.length === 1 ? r : undefined;
    });
    assert.deepStrictEqual(rows, [{ name: "while the replica was down" }]);
    const log = fs.readFileSync(replica.logFile, "utf8");
    assert.strictEqual(log.match(/replica: cloning/g)?.length, 1, "the second start cloned again");
  });
});
