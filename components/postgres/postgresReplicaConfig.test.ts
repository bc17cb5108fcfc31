import * as assert from "assert";
import { spawnSync } from "child_process";
import {
  REPLICA_START_SCRIPT, pgpassLine, primaryReplicationSql, renderPrimaryInitScript, replicaEnv,
} from "./postgresReplicaConfig";

const settings = { primaryHost: "postgres-primary", primaryPort: 5432, replicationUser: "replicator", slot: "replica_slot", applicationName: "replica", passFile: "/var/lib/postgresql/.pgpass" };

describe("postgres replica config (pure)", () => {
  it("maps the settings to the start script's environment", () => {
    assert.deepStrictEqual(replicaEnv(settings), {
      PRIMARY_HOST: "postgres-primary", PRIMARY_PORT: "5432", REPLICATION_USER: "replicator", REPLICA_SLOT: "replica_slot",
      REPLICA_APPLICATION_NAME: "replica", PGPASSFILE: "/var/lib/postgresql/.pgpass", PRIMARY_WAIT_TRIES: "120",
    });
  });

  it("rejects names that would break the SQL or the conninfo, naming the key and the value", () => {
    assert.throws(() => replicaEnv({ ...settings, slot: "replica-slot" }), /replica.slot = "replica-slot": must be a lower-case SQL identifier/);
    assert.throws(() => replicaEnv({ ...settings, replicationUser: "x'; drop" }), /replica.replicationUser = /);
    assert.throws(() => replicaEnv({ ...settings, primaryPort: 0 }), /replica.primaryPort = 0: must be 1..65535/);
    assert.throws(() => replicaEnv({ ...settings, primaryHost: "a b" }), /replica.primaryHost = "a b"/);
  });

  it("escapes ':' and '\\' in the password file line", () => {
    assert.strictEqual(pgpassLine("primary", 5432, "replicator", "a:b\\c"), "primary:5432:replication:replicator:a\\:b\\\\c\n");
  });

  it("keeps the password out of the primary's init SQL and script, and never trusts the replication user", () => {
    const sql = primaryReplicationSql("replicator", "replica_slot");
    assert.match(sql, /CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'replication_password';/);
    assert.match(sql, /pg_create_physical_replication_slot\('replica_slot'\)/);
    const script = renderPrimaryInitScript("replicator", "replica_slot");
    assert.match(script, /-v replication_password="\$REPLICATION_PASSWORD"/);
    assert.match(script, /host replication replicator all scram-sha-256/);
    assert.doesNotMatch(script, /trust/);
  });

  it("renders start scripts that sh accepts", () => {
    for (const text of [REPLICA_START_SCRIPT, renderPrimaryInitScript("replicator", "replica_slot")]) {
      const r = spawnSync("sh", ["-n"], { input: text, encoding: "utf8" });
      assert.strictEqual(r.status, 0, r.stderr);
    }
  });

  it("fails the start script fast, naming the variable, when one is missing", () => {
    const r = spawnSync("sh", ["-c", REPLICA_START_SCRIPT], { env: { PATH: process.env.PATH, PGDATA: "/nonexistent" }, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /PRIMARY_HOST is not set/);
  });
});
