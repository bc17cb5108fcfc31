// patroni-ha for real: etcd x3 + Patroni x3 + HAProxy as local processes, the homework's SQL applied through
// HAProxy, the traffic generator running, then the leader is SIGKILLed (like a container kill) and an etcd member
// dies. Proves: a new leader, writes resume through the same read-write port, and no acked write is lost.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { Client } from "pg";
import { startTraffic, TrafficRun } from "../../apps/traffic-generator/src/generator";
import { TrafficSummary } from "../../apps/traffic-generator/src/stats";
import { FAST_FAILOVER_DCS } from "../../components/patroni/patroniConfig";
import { applyMigrations, loadMigrations } from "../../providers/sqlMigrations";
import { LocalPatroniCluster, startPatroniCluster } from "../testbed/patroniCluster";
import { stopAll, waitFor } from "../testbed/proc";

const SQL_DIR = path.join(__dirname, "../../homeworks/patroni-ha/sql");
const RATE = 20;
const execFileAsync = promisify(execFile); // writes per second: a 50 ms grid, fine enough to measure the outage

async function queryOne<T>(conn: ReturnType<LocalPatroniCluster["readWrite"]>, sql: string): Promise<T> {
  const c = new Client({ ...conn, connectionTimeoutMillis: 3000 });
  await c.connect();
  try { return (await c.query(sql)).rows[0] as T; } finally { await c.end(); }
}

describe("real: Patroni failover under traffic (patroni-ha)", function () {
  this.timeout(120_000);
  let cluster: LocalPatroniCluster;
  let traffic: TrafficRun | undefined;
  let summary: TrafficSummary | undefined;
  let firstLeader: string;
  let secondLeader: string;

  before(async function () {
    this.timeout(150_000);
    cluster = await startPatroniCluster({ scope: "failover" });
    firstLeader = await cluster.waitForLeader({ replicas: 2, timeoutMs: 120_000 });
  });

  after(async function () {
    this.timeout(60_000);
    await traffic?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await stopAll();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && cluster) console.error(cluster.logs(25));
  });

  it("applies sql/patroni-ha through the read-write port and the replicas serve it", async () => {
    const result = await applyMigrations(cluster.readWrite(), loadMigrations(SQL_DIR));
    assert.deepStrictEqual(result.applied, ["001_owners_events"]);
    // Right after bootstrap HAProxy may still route reads to the leader (its fallback) until a replica's
    // /replica check has passed: within the bound, the read-only port must land on a replica holding the rows.
    const owners = await waitFor("the read-only port to land on a replica holding the 3 owners", 20_000, async () => {
      const row = await queryOne<{ n: number; replica: boolean }>(cluster.readOnly(),
        "select count(*)::int as n, pg_is_in_recovery() as replica from owners");
      return row.n === 3 && row.replica ? row : undefined;
    });
    assert.strictEqual(owners.n, 3);
    const again = await applyMigrations(cluster.readWrite(), loadMigrations(SQL_DIR));
    assert.deepStrictEqual(again.applied, []);
  });

  it("runs in synchronous mode: one replica is the synchronous standby", async () => {
    const members = await waitFor("a sync_standby", 20_000, async () => {
      const m = await cluster.members();
      return m.some((x) => x.role === "sync_standby") ? m : undefined;
    });
    assert.strictEqual(members.filter((m) => m.role === "leader").length, 1);
    assert.strictEqual(members.filter((m) => m.role === "sync_standby").length, 1);
  });

  it("SIGKILL of the leader: a new leader is elected and writes resume through the same port", async () => {
    traffic = startTraffic({
      readWriteUrl: cluster.readWriteUrl(), readOnlyUrl: cluster.readOnlyUrl(), rate: RATE, durationS: 0,
      runId: "failover", timeoutMs: 1000, owner: "traffic-generator", verbose: false,
    });
    await waitFor("traffic to be acked", 20_000, async () => (traffic!.stats().acked >= 2 * RATE ? true : undefined));
    const killedAt = Date.now();
    await cluster.kill(firstLeader, "SIGKILL");

    const ttlMs = FAST_FAILOVER_DCS.ttl * 1000;
    secondLeader = await cluster.waitForLeader({ not: firstLeader, timeoutMs: ttlMs + 30_000 });
    const newPort = cluster.patroni.find((p) => p.name === secondLeader)!.pgPort;
    const resumed = await waitFor("a write acked by the new leader", 20_000, async () =>
      traffic!.records.find((r) => r.op === "write" && r.ok && r.endedAt > killedAt && r.server === `127.0.0.1:${newPort}`));
    const outageS = (resumed.endedAt - killedAt) / 1000;
    console.log(`      leader ${firstLeader} -> ${secondLeader}; writes resumed ${outageS.toFixed(1)}s after the kill`);
    assert.ok(traffic.records.some((r) => r.op === "write" && !r.ok && r.endedAt > killedAt), "the kill must have interrupted writes");
    // Goal from bench/README-failover.md: the leader key expires after ttl, then promotion + HAProxy check.
    assert.ok(outageS <= FAST_FAILOVER_DCS.ttl + 8, `writes were down ${outageS}s, more than ttl + 8 s`);
  });

  it("losing one etcd member (of three) keeps the leader and the writes", async () => {
    const before = traffic!.stats().acked;
    const killedAt = Date.now();
    await cluster.killEtcd(0, "SIGKILL");
    // Long enough for Patroni to notice its etcd is gone and renew the leader key elsewhere, several times over.
    const windowMs = (FAST_FAILOVER_DCS.retryTimeout + 3 * FAST_FAILOVER_DCS.loopWait) * 1000;
    await new Promise((r) => setTimeout(r, windowMs));
    const acks = traffic!.records.filter((r) => r.op === "write" && r.ok && r.endedAt > killedAt).map((r) => r.endedAt);
    const gaps = acks.map((t, i) => t - (i ? acks[i - 1] : killedAt));
    assert.ok(traffic!.stats().acked - before >= (windowMs / 1000) * RATE * 0.5, `too few writes acked after the etcd kill: ${traffic!.stats().acked - before}`);
    assert.ok(Math.max(...gaps) < 3000, `writes stalled ${Math.max(...gaps)} ms after the etcd kill`);
    assert.strictEqual(await cluster.leader(), secondLeader, "the leader must not change when one etcd member dies");
  });

  it("the CLI runs against the cluster, prints its summary, and its health command passes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "traffic-cli-"));
    const statusFile = path.join(dir, "status.json");
    try {
      const main = path.join(__dirname, "../../apps/traffic-generator/src/main.ts");
      const env = { ...process.env, TRAFFIC_RW_URL: cluster.readWriteUrl(), TRAFFIC_RO_URL: cluster.readOnlyUrl() };
      const run = await execFileAsync(process.execPath, ["-r", "ts-node/register/transpile-only", main, "--duration", "2", "--rate", "10", "--run-id", "cli", "--status-file", statusFile],
        { env, timeout: 60_000, encoding: "utf8" });
      assert.match(run.stdout, /write ok .*127\.0\.0\.1:\d+ seq=1/);
      assert.match(run.stdout, /read  ok .*replica/);
      assert.match(run.stdout, /acked writes missing afterwards: 0\n/);
      const health = await execFileAsync(process.execPath, ["-r", "ts-node/register/transpile-only", main, "health", "--status-file", statusFile, "--max-age-s", "30"],
        { env, timeout: 30_000, encoding: "utf8" });
      assert.match(health.stdout, /run cli: last write acked/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lost zero acked writes, and the old leader rejoins as a replica", async () => {
    await cluster.restart(firstLeader);
    summary = await traffic!.stop();
    console.log(summary && `      ${JSON.stringify({ acked: summary.writes.acked, failed: summary.writes.failed, missing: summary.missingAckedWrites, longestWriteOutageS: summary.longestWriteOutageS, longestReadOutageS: summary.longestReadOutageS, readErrors: summary.reads.failed })}`);
    assert.strictEqual(summary.missingAckedWrites, 0, `acked writes missing after failover: seq ${summary.missingSeqs.join(",")}`);
    assert.ok(summary.writes.acked > 10 * RATE, `only ${summary.writes.acked} writes acked`);
    assert.ok(summary.reads.ok > 10 * RATE, `only ${summary.reads.ok} reads ok`);
    // Reads go to replicas (or the leader when none is up), so the leader's death barely touches them.
    assert.ok(summary.longestReadOutageS <= 5, `reads were down ${summary.longestReadOutageS}s`);
    assert.strictEqual(Object.keys(summary.writeServers).length, 2, `writes served by ${JSON.stringify(summary.writeServers)}`);
    const members = await waitFor(`${firstLeader} streaming again`, 60_000, async () => {
      const m = await cluster.members();
      return m.find((x) => x.name === firstLeader)?.state === "streaming" ? m : undefined;
    });
    assert.strictEqual(members.find((m) => m.name === firstLeader)?.role === "leader", false);
  });
});
