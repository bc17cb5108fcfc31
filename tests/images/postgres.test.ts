// images/debian/postgres in place of postgres:15.10-bookworm: POSTGRES_* really set the superuser, password and
// database, TCP clients need the password, initdb.d runs once, `postgres -c ...` reaches the server, and the lab's
// own primary init script and streaming-replica start script work on it as they do on the official image.
import * as assert from "assert";
import { Client } from "pg";
import { postgresHealthCheck, replicaHealthCheck, settingsArgs } from "../../components/postgres/postgresServer";
import { PRIMARY_SETTINGS, REPLICA_START_SCRIPT, renderPrimaryInitScript, replicaEnv } from "../../components/postgres/postgresReplicaConfig";
import { docker } from "../testbed/docker";
import { buildServiceImage, checkContract, imageSuite, runToExit, startContainer, testNetwork, testVolume, TestContainer, waitForCommand } from "./build";

const PASSWORD = "s3cret-Pass";
const PGDATA = "/var/lib/postgresql/data";


async function query(port: number, sql: string, o: { user?: string; password?: string; database?: string } = {}): Promise<any[]> {
  const client = new Client({ host: "127.0.0.1", port, user: o.user ?? "postgres", password: o.password ?? PASSWORD, database: o.database ?? "postgres", connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("images/debian/postgres: the official postgres image's contract", function () {
  let image: string;
  let server: TestContainer;
  let port: number;

  imageSuite(async () => {
    image = await buildServiceImage("postgres");
  });

  describe("a server on an empty volume", function () {
    before(async function () {
      this.timeout(120_000);
      const volume = await testVolume("pg-data");
      server = await startContainer({
        image, env: { POSTGRES_PASSWORD: PASSWORD, POSTGRES_DB: "app" },
        cmd: ["postgres", "-c", "wal_level=logical", "-c", "max_wal_senders=7"],
        ports: [5432], volumes: [{ name: volume, path: PGDATA }],
        files: [
        { path: "/docker-entrypoint-initdb.d/10-schema.sql", content: "CREATE TABLE init_runs (at timestamptz DEFAULT now());\nINSERT INTO init_runs DEFAULT VALUES;\n" },
        // Not executable: sourced, as the lab's primary init script is (it reads POSTGRES_USER and PGDATA).
        { path: "/docker-entrypoint-initdb.d/20-sourced.sh", content: `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "INSERT INTO init_runs DEFAULT VALUES"\necho "# sourced $PGDATA" >> "$PGDATA/pg_hba.conf"\n` },
          { path: "/docker-entrypoint-initdb.d/30-run.sh", content: "#!/bin/sh\nset -eu\ntouch \"$PGDATA/ran-executable\"\n", mode: 0o755 },
        ],
      });
      port = await server.hostPort(5432);
      await waitForCommand(server, postgresHealthCheck().slice(1), 60_000, 500);
    });

    it("keeps the generic contract (root image, drops to postgres; paths, tools, port 5432)", async function () {
      this.timeout(60_000);
      await checkContract("postgres", server);
      const id = await server.exec(["id", "postgres"]);
      assert.match(id.stdout, /^uid=999\(postgres\) gid=999\(postgres\)/, "postgres has the official image's uid/gid 999");
      const status = await server.exec(["sh", "-c", "grep '^Uid:' /proc/1/status"]);
      assert.match(status.stdout, /^Uid:\s+999\s+999/, `PID 1 (the server) runs as postgres: ${status.stdout}`);
      const which = await server.exec(["sh", "-c", "for t in psql pg_isready pg_basebackup; do command -v $t; done"]);
      assert.deepStrictEqual(which.stdout.trim().split("\n"), ["psql", "pg_isready", "pg_basebackup"].map((t) => `/usr/lib/postgresql/15/bin/${t}`));
      const env = await server.exec(["sh", "-c", "echo $PGDATA"]);
      assert.strictEqual(env.stdout.trim(), PGDATA);
    });

    it("POSTGRES_PASSWORD is the superuser's password over TCP; a wrong one is refused", async function () {
      const rows = await query(port, "SELECT current_user AS u, current_setting('server_version_num')::int AS v");
      assert.strictEqual(rows[0].u, "postgres");
      assert.ok(rows[0].v >= 150000 && rows[0].v < 160000, `PostgreSQL 15, got ${rows[0].v}`);
      await assert.rejects(query(port, "SELECT 1", { password: "wrong" }), /password authentication failed/);
    });

    it("POSTGRES_DB is created and UTF8; the server listens on all addresses", async function () {
      const rows = await query(port, "SELECT pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = 'app'");
      assert.deepStrictEqual(rows, [{ enc: "UTF8" }]);
      const listen = await query(port, "SHOW listen_addresses");
      assert.strictEqual(listen[0].listen_addresses, "*");
    });

    it("`postgres -c name=value` reaches the server", async function () {
      const rows = await query(port, "SELECT current_setting('wal_level') AS w, current_setting('max_wal_senders') AS s");
      assert.deepStrictEqual(rows, [{ w: "logical", s: "7" }]);
    });

    it("initdb.d: *.sql runs in POSTGRES_DB, *.sh is sourced or run, all once; a restart skips them", async function () {
      this.timeout(90_000);
      const before = await query(port, "SELECT count(*)::int AS n FROM init_runs", { database: "app" });
      assert.strictEqual(before[0].n, 2, "the .sql and the sourced .sh each inserted one row");
      const hba = await server.exec(["sh", "-c", `grep -c '^# sourced ${PGDATA}$' ${PGDATA}/pg_hba.conf; test -f ${PGDATA}/ran-executable`]);
      assert.strictEqual(hba.code, 0, `sourced script saw PGDATA and the executable one ran: ${hba.stdout}${hba.stderr}`);
      await docker.getContainer(server.id).restart({ t: 10 });
      await waitForCommand(server, postgresHealthCheck().slice(1), 60_000, 500);
      port = await server.hostPort(5432); // a restart picks a new free host port
      const after = await query(port, "SELECT count(*)::int AS n FROM init_runs", { database: "app" });
      assert.strictEqual(after[0].n, 2, "init scripts did not run again on restart");
      assert.match(await server.logs(), /appears to contain a database; Skipping initialization/);
    });

    it("loopback inside the container is trusted, as the official image's initdb leaves it (the replica healthcheck relies on it)", async function () {
      const r = await server.exec(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "select 42"], "postgres");
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(r.stdout.trim(), "42");
    });
  });

  it("POSTGRES_USER names the superuser and the default database (the Airflow metadata DB)", async function () {
    this.timeout(90_000);
    const c = await startContainer({ image, env: { POSTGRES_USER: "airflow", POSTGRES_PASSWORD: PASSWORD, POSTGRES_DB: "airflow" }, ports: [5432] });
    // The lab's healthcheck asks as postgres, a role that does not exist here: pg_isready still says "accepting".
    await waitForCommand(c, postgresHealthCheck().slice(1), 60_000, 500);
    const rows = await query(await c.hostPort(5432), "SELECT current_user AS u, current_database() AS d, rolsuper FROM pg_roles WHERE rolname = current_user", { user: "airflow", database: "airflow" });
    assert.deepStrictEqual(rows, [{ u: "airflow", d: "airflow", rolsuper: true }]);
  });

  it("refuses to initialize without POSTGRES_PASSWORD, naming it", async function () {
    this.timeout(60_000);
    const r = await runToExit({ image });
    assert.notStrictEqual(r.code, 0);
    assert.match(r.out, /POSTGRES_PASSWORD is empty/);
  });

  it("runs the lab's primary init script and streaming replica (pg_basebackup through the slot) like the official image", async function () {
    this.timeout(180_000);
    const network = await testNetwork("pg-repl");
    const primary = await startContainer({
      image, env: { POSTGRES_PASSWORD: PASSWORD, POSTGRES_DB: "shop", REPLICATION_PASSWORD: "repl-pass" },
      cmd: ["postgres", ...settingsArgs(PRIMARY_SETTINGS)],
      network, aliases: ["primary"], volumes: [{ name: await testVolume("pg-primary"), path: PGDATA }],
      files: [{ path: "/docker-entrypoint-initdb.d/10-replication.sh", content: renderPrimaryInitScript("replicator", "replica_1") }],
    });
    await waitForCommand(primary, postgresHealthCheck().slice(1), 60_000, 500);
    await primary.exec(["psql", "-U", "postgres", "-d", "shop", "-c", "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3)"]);

    const env = replicaEnv({ primaryHost: "primary", primaryPort: 5432, replicationUser: "replicator", slot: "replica_1", applicationName: "replica_1", passFile: "/var/lib/postgresql/.pgpass", waitTries: 60 });
    const replica = await startContainer({
      image, user: "postgres", entrypoint: ["/bin/sh", "/opt/lab/start-replica.sh"], cmd: settingsArgs(PRIMARY_SETTINGS),
      env: { ...env, PGDATA, REPLICATION_PASSWORD: "repl-pass" },
      healthcheck: { test: replicaHealthCheck() },
      network, volumes: [{ name: await testVolume("pg-replica"), path: PGDATA }],
      files: [{ path: "/opt/lab/start-replica.sh", content: REPLICA_START_SCRIPT, mode: 0o755 }],
    });
    await replica.waitHealthy(120_000);
    await primary.exec(["psql", "-U", "postgres", "-d", "shop", "-c", "INSERT INTO t VALUES (4)"]);
    await waitForCommand(replica, ["sh", "-c", `test "$(psql -h 127.0.0.1 -U postgres -d shop -tAc 'select count(*) from t')" = 4`], 30_000, 500);
    const slot = await primary.exec(["psql", "-U", "postgres", "-tAc", "select active from pg_replication_slots where slot_name = 'replica_1'"]);
    assert.strictEqual(slot.stdout.trim(), "t", "the replica streams through the physical slot the init script made");
  });
});
