import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { PATRONI_VENV } from "../../tests/testbed/cache";
import {
  FAST_FAILOVER_DCS, PATRONI_CONFIG_PATH, PATRONI_DATA_DIR, PATRONI_PASSWORD_ENV, PATRONI_VOLUME_PATH, PatroniNode, labPgHba, patroniPasswordEnv, renderPatroniConfig, validateDcsTimings,
} from "./patroniConfig";

function node(over: Partial<PatroniNode> = {}): PatroniNode {
  return {
    scope: "pg-ha", name: "patroni1",
    restApi: { listen: "0.0.0.0:8008", connectAddress: "patroni1:8008" },
    postgres: { listen: "0.0.0.0:5432", connectAddress: "patroni1:5432", dataDir: "/var/lib/postgresql/patroni/data" },
    etcd3Hosts: ["etcd1:2379", "etcd2:2379", "etcd3:2379"],
    dcs: { ...FAST_FAILOVER_DCS },
    pgHba: labPgHba("replicator", "10.0.0.0/8"),
    usernames: { superuser: "postgres", replication: "replicator" },
    ...over,
  };
}

// Parsed the way Patroni reads it (YAML 1.1, where a bare on/off would be a boolean).
const render = (n: PatroniNode) => parse(renderPatroniConfig(n), { version: "1.1" });

describe("renderPatroniConfig", () => {
  it("renders members, DCS timings and authentication from typed inputs", () => {
    const c = render(node());
    assert.strictEqual(c.scope, "pg-ha");
    assert.strictEqual(c.name, "patroni1");
    assert.deepStrictEqual(c.restapi, { listen: "0.0.0.0:8008", connect_address: "patroni1:8008" });
    assert.deepStrictEqual(c.etcd3.hosts, ["etcd1:2379", "etcd2:2379", "etcd3:2379"]);
    const dcs = c.bootstrap.dcs;
    assert.deepStrictEqual([dcs.ttl, dcs.loop_wait, dcs.retry_timeout], [20, 1, 5]);
    assert.strictEqual(dcs.synchronous_mode, true);
    assert.strictEqual(dcs.maximum_lag_on_failover, 1048576);
    assert.strictEqual(dcs.postgresql.use_pg_rewind, true);
    assert.strictEqual(c.postgresql.data_dir, "/var/lib/postgresql/patroni/data");
    assert.deepStrictEqual(c.postgresql.authentication, { superuser: { username: "postgres" }, replication: { username: "replicator" } });
    assert.deepStrictEqual(c.postgresql.pg_hba, ["local all all trust", "host replication replicator 10.0.0.0/8 scram-sha-256", "host all all 10.0.0.0/8 scram-sha-256"]);
    assert.strictEqual(c.watchdog.mode, "off", "a bare off would reach Patroni as false");
    assert.strictEqual(dcs.postgresql.parameters.hot_standby, "on");
  });

  it("never writes a password; Patroni reads them from the environment", () => {
    const text = renderPatroniConfig(node());
    assert.ok(!/password/i.test(text), text);
    assert.deepStrictEqual(patroniPasswordEnv({ superuser: "s3cret", replication: "r3pl" }), {
      PATRONI_SUPERUSER_PASSWORD: "s3cret", PATRONI_REPLICATION_PASSWORD: "r3pl",
    });
    assert.deepStrictEqual(Object.values(PATRONI_PASSWORD_ENV), ["PATRONI_SUPERUSER_PASSWORD", "PATRONI_REPLICATION_PASSWORD"]);
  });

  it("declares permanent logical slots and cluster parameters for CDC", () => {
    const c = render(node({
      parameters: { wal_level: "logical" },
      slots: { source_slot: { type: "logical", database: "source_db", plugin: "pgoutput" } },
      postInit: "/usr/local/bin/post-init.sh",
    }));
    assert.deepStrictEqual(c.bootstrap.dcs.slots, { source_slot: { type: "logical", database: "source_db", plugin: "pgoutput" } });
    assert.strictEqual(c.bootstrap.dcs.postgresql.parameters.wal_level, "logical");
    assert.strictEqual(c.bootstrap.post_bootstrap, "/usr/local/bin/post-init.sh");
  });

  it("switches synchronous mode off and keeps local settings on the member", () => {
    const c = render(node({
      dcs: { ...FAST_FAILOVER_DCS, synchronousMode: false },
      postgres: { ...node().postgres, binDir: "/usr/lib/postgresql/15/bin", pgpass: "/tmp/pgpass", localParameters: { unix_socket_directories: "/tmp/x" } },
    }));
    assert.strictEqual(c.bootstrap.dcs.synchronous_mode, false);
    assert.strictEqual(c.postgresql.bin_dir, "/usr/lib/postgresql/15/bin");
    assert.strictEqual(c.postgresql.pgpass, "/tmp/pgpass");
    assert.deepStrictEqual(c.postgresql.parameters, { unix_socket_directories: "/tmp/x" });
    assert.strictEqual(c.bootstrap.slots, undefined);
  });

  it("is pure: same input, same text", () => {
    assert.strictEqual(renderPatroniConfig(node()), renderPatroniConfig(node()));
  });

  it("rejects timings Patroni would rewrite, naming the key and value", () => {
    assert.throws(() => validateDcsTimings({ ...FAST_FAILOVER_DCS, ttl: 10 }), /dcs\.ttl = 10: must be an integer >= 20/);
    assert.throws(() => validateDcsTimings({ ...FAST_FAILOVER_DCS, loopWait: 0 }), /dcs\.loopWait = 0/);
    assert.throws(() => validateDcsTimings({ ...FAST_FAILOVER_DCS, retryTimeout: 2 }), /dcs\.retryTimeout = 2/);
    assert.throws(() => validateDcsTimings({ ttl: 20, loopWait: 10, retryTimeout: 6, maximumLagOnFailover: 0, synchronousMode: true }),
      /dcs\.ttl = 20: Patroni needs loopWait \+ 2\*retryTimeout <= ttl \(10 \+ 2\*6 = 22 > 20\)/);
    assert.doesNotThrow(() => validateDcsTimings({ ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 0, synchronousMode: false }));
  });

  it("rejects bad members, addresses and slots, naming the key and value", () => {
    assert.throws(() => renderPatroniConfig(node({ name: "bad name" })), /patroni name = "bad name"/);
    assert.throws(() => renderPatroniConfig(node({ restApi: { listen: "0.0.0.0", connectAddress: "p:8008" } })), /restApi\.listen = "0\.0\.0\.0": must be host:port/);
    assert.throws(() => renderPatroniConfig(node({ etcd3Hosts: [] })), /etcd3Hosts = \[\]/);
    assert.throws(() => renderPatroniConfig(node({ etcd3Hosts: ["etcd1:99999"] })), /etcd3Hosts\[0\] = "etcd1:99999"/);
    assert.throws(() => renderPatroniConfig(node({ pgHba: [] })), /pgHba = \[\]/);
    assert.throws(() => renderPatroniConfig(node({ postgres: { ...node().postgres, dataDir: "data" } })), /postgres\.dataDir = "data"/);
    assert.throws(() => renderPatroniConfig(node({ usernames: { superuser: "Postgres", replication: "r" } })), /usernames\.superuser = "Postgres"/);
    const slots = { source_slot: { type: "logical" as const, database: "source_db", plugin: "pgoutput" } };
    assert.throws(() => renderPatroniConfig(node({ slots })), /parameters\.wal_level = undefined: must be 'logical'/);
    assert.throws(() => renderPatroniConfig(node({ parameters: { wal_level: "logical" }, slots: { "Bad-Slot": slots.source_slot } })), /slots\.Bad-Slot/);
    assert.throws(() => renderPatroniConfig(node({ parameters: { wal_level: "logical" }, slots: { s: { ...slots.source_slot, plugin: "" } } })), /slots\.s\.plugin = ""/);
  });
});

describe("renderPatroniConfig against Patroni's own validator", () => {
  it("passes `patroni --validate-config` (the venv of .ci/install.d/20-patroni.sh)", async () => {
    const bin = path.join(PATRONI_VENV, "bin", "patroni");
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`bash .ci/install.d/20-patroni.sh\` first`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patroni-check-"));
    // The validator wants etcd reachable and connect addresses that are not loopback: a listener stands in for etcd,
    // this machine's host name for the container names, and local bin_dir/data_dir for the image's.
    const etcd = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => etcd.listen(0, "127.0.0.1", resolve));
    const etcdPort = (etcd.address() as net.AddressInfo).port;
    const host = os.hostname();
    try {
      const file = path.join(dir, "patroni.yml");
      fs.writeFileSync(file, renderPatroniConfig(node({
        etcd3Hosts: [`127.0.0.1:${etcdPort}`],
        restApi: { listen: "127.0.0.1:8008", connectAddress: `${host}:8008` },
        postgres: { listen: "127.0.0.1:5432", connectAddress: `${host}:5432`, dataDir: path.join(dir, "data"), binDir: "/usr/lib/postgresql/15/bin" },
        parameters: { wal_level: "logical" },
        slots: { source_slot: { type: "logical", database: "source_db", plugin: "pgoutput" } },
      })));
      const r = spawnSync(bin, ["--validate-config", file], { encoding: "utf8", timeout: 30_000 });
      assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
    } finally {
      etcd.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("images/patroni stays in step with the renderer and the tests", () => {
  const dockerfile = fs.readFileSync(path.join(__dirname, "../../images/patroni/Dockerfile"), "utf8");
  const install = fs.readFileSync(path.join(__dirname, "../../.ci/install.d/20-patroni.sh"), "utf8");
  const pin = (text: string, name: string) => new RegExp(`${name}="?([0-9.]+)"?`).exec(text)?.[1];

  it("pins the Patroni and psycopg2 versions the real tests install", () => {
    assert.ok(pin(dockerfile, "PATRONI_VERSION"), "Dockerfile must pin PATRONI_VERSION");
    assert.strictEqual(pin(dockerfile, "PATRONI_VERSION"), pin(install, "PATRONI_VERSION"));
    assert.strictEqual(pin(dockerfile, "PSYCOPG2_VERSION"), pin(install, "PSYCOPG2_VERSION"));
    assert.match(dockerfile, /patroni\[etcd3\]==\$\{PATRONI_VERSION\}/);
  });

  it("uses the config path and volume the components mount", () => {
    assert.ok(dockerfile.includes(`LAB_PATRONI_CONFIG=${PATRONI_CONFIG_PATH}`));
    assert.ok(dockerfile.includes(`VOLUME ["${PATRONI_VOLUME_PATH}"]`));
    assert.ok(PATRONI_DATA_DIR.startsWith(`${PATRONI_VOLUME_PATH}/`));
    assert.match(dockerfile, /^USER postgres$/m);
    assert.match(dockerfile, /^ARG POSTGRES_IMAGE=postgres:15\.\d+/m);
  });
});
