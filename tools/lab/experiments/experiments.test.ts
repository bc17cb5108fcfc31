import * as assert from "assert";
import { ContainerSummary, numbered, pickService, prefixesOf, publishedAddress, summarize } from "../docker";
import {
  allRunning, longestGap, lostIds, readOnlyRefusals, readWritePortOf, renderFigures, rowDiff, workerService,
} from ".";
import { startTraffic } from "./traffic";
import { leaderOf, parseMembers, replicasOf } from "../patroni";
import { renderHaproxyConfig } from "../../../components/haproxy/haproxyConfig";

const container = (service: string, over: Partial<ContainerSummary> = {}): ContainerSummary => ({
  Id: `id-${service}`, Names: [`/lab-ha-${service}`], State: "running", Status: "Up 5 minutes (healthy)",
  Labels: { "lab.prefix": "lab-ha", "lab.service": service }, Ports: [], ...over,
});

describe("lab CLI: containers found by their labels (pure)", () => {
  it("reads name, service, health and the published IPv4 address of each port", () => {
    const s = summarize(container("connect-2", {
      Ports: [{ IP: "127.0.0.1", PrivatePort: 8083, PublicPort: 8084, Type: "tcp" }, { IP: "::1", PrivatePort: 8083, PublicPort: 8084, Type: "tcp" }, { PrivatePort: 9999, Type: "tcp" }],
    }));
    assert.deepStrictEqual(s, { name: "lab-ha-connect-2", id: "id-connect-2", prefix: "lab-ha", service: "connect-2", state: "running", health: "healthy", ports: { "8083/tcp": { ip: "127.0.0.1", port: 8084 } }, oneShot: false });
    assert.strictEqual(publishedAddress(s, 8083), "127.0.0.1:8084");
    assert.strictEqual(publishedAddress(s, 9999), undefined);
    assert.strictEqual(summarize(container("pg-1", { Status: "Up 3 seconds (health: starting)" })).health, "starting");
    assert.strictEqual(summarize(container("pg-1", { State: "exited", Status: "Exited (137) 2 seconds ago" })).health, "-");
    const job = summarize(container("airflow-init", { State: "exited", Status: "Exited (0) 1 minute ago", Labels: { "lab.prefix": "lab-ha", "lab.service": "airflow-init", "lab.oneShot": "true" } }));
    assert.deepStrictEqual([job.oneShot, job.exitCode], [true, 0]);
  });

  it("picks a service by name or says what the lab has; numbered services in number order", () => {
    const list = ["pg-10", "pg-2", "haproxy", "pg-1", "etcd-1"].map((s) => summarize(container(s)));
    assert.deepStrictEqual(numbered(list, "pg").map((s) => s.service), ["pg-1", "pg-2", "pg-10"]);
    assert.strictEqual(pickService(list, "haproxy", "lab-ha").name, "lab-ha-haproxy");
    assert.throws(() => pickService(list, "pg-4", "lab-ha"), /no container with labels lab.prefix=lab-ha, lab.service=pg-4; the lab has: pg-10, pg-2, haproxy, pg-1, etcd-1/);
    assert.deepStrictEqual(prefixesOf([container("a"), container("b", { Labels: { "lab.prefix": "lab-cdc" } }), { Id: "x" }]), ["lab-cdc", "lab-ha"]);
  });

  it("reads Patroni's roles from patronictl list -f json and picks the sync standby first", () => {
    const members = parseMembers(JSON.stringify([
      { Cluster: "lab-ha-pg", Member: "pg-1", Host: "pg-1", Role: "Replica", State: "streaming", TL: 3, "Lag in MB": 0 },
      { Cluster: "lab-ha-pg", Member: "pg-2", Host: "pg-2", Role: "Leader", State: "running", TL: 3 },
      { Cluster: "lab-ha-pg", Member: "pg-3", Host: "pg-3", Role: "Sync Standby", State: "streaming", TL: 3, "Lag in MB": 0 },
    ]));
    assert.strictEqual(leaderOf(members), "pg-2");
    assert.deepStrictEqual(replicasOf(members).map((m) => m.member), ["pg-3", "pg-1"]);
    assert.deepStrictEqual(replicasOf(members.map((m) => (m.member === "pg-3" ? { ...m, state: "stopped" } : m))).map((m) => m.member), ["pg-1"]);
    assert.throws(() => parseMembers("Error: no cluster"), /patronictl list -f json printed no JSON: Error: no cluster/);
  });

  it("finds HAProxy's read-write port in the config the lab renders", () => {
    const cfg = renderHaproxyConfig({
      members: [{ name: "pg-1", host: "pg-1", pgPort: 5432, apiPort: 8008 }], ports: { readWrite: 15001, readOnly: 15002, stats: 17001 }, bindAddress: "0.0.0.0",
    });
    assert.strictEqual(readWritePortOf(cfg), 15001);
    assert.throws(() => readWritePortOf("global\n"), /no "frontend pg_read_write_in"/);
  });
});

describe("lab experiments: figures (pure)", () => {
  it("takes the longest gap between acknowledged writes, the fault window's edges included", () => {
    const acks = [100, 200, 300, 2300, 2400].map((t, i) => ({ id: i, ackedAt: t }));
    assert.deepStrictEqual(longestGap(acks, 250, 2500), { ms: 2000, start: 300, end: 2300 });
    // No ack after the fault at all: the outage lasts until the end.
    assert.deepStrictEqual(longestGap(acks, 2450, 5000), { ms: 2550, start: 2450, end: 5000 });
    assert.strictEqual(longestGap([], 0, 10).ms, 10);
  });

  it("finds acknowledged ids missing afterwards, and CDC rows missing in the destination", () => {
    assert.deepStrictEqual(lostIds([5, 1, 2, 3, 3], [1, 3, 4]), [2, 5]);
    assert.deepStrictEqual(lostIds([1, 2], [2, 1]), []);
    assert.deepStrictEqual(rowDiff([1, 2, 3], [3, 1, 9]), { missing: [2], extra: [9] });
  });

  it("counts the writes a read-only member refused after the fault, no other failure", () => {
    const failures = [
      { at: 90, error: "cannot execute INSERT in a read-only transaction" },
      { at: 110, error: "Connection terminated unexpectedly" },
      { at: 120, error: "cannot execute INSERT in a read-only transaction" },
      { at: 130, error: "Query read timeout" },
    ];
    assert.strictEqual(readOnlyRefusals(failures, 100), 1);
    assert.strictEqual(readOnlyRefusals(failures, 0), 2);
    assert.strictEqual(readOnlyRefusals([], 0), 0);
  });

  it("judges connectors RUNNING only when every connector and task runs off the dead worker", () => {
    const st = (w: string, state = "RUNNING") => ({ connector: { state, worker_id: `${w}:8083` }, tasks: [{ id: 0, state, worker_id: `${w}:8083` }] });
    assert.strictEqual(workerService("connect-2:8083"), "connect-2");
    assert.strictEqual(allRunning({ a: st("connect-2"), b: st("connect-2") }, "connect-1"), true);
    assert.strictEqual(allRunning({ a: st("connect-2"), b: st("connect-1") }, "connect-1"), false);
    assert.strictEqual(allRunning({ a: st("connect-2", "UNASSIGNED") }), false);
    assert.strictEqual(allRunning({ a: { connector: { state: "RUNNING" }, tasks: [] } }), false, "no task yet");
    assert.strictEqual(allRunning({}), false, "no connectors is not a running CDC");
  });

  it("renders one table; unmeasured figures print -", () => {
    const text = renderFigures({
      experiment: "kill-leader", target: "lab-ha-pg-1", writesAcked: 812, outageMs: 19_063, ackedWritesLost: 0, rejoinMs: 7_250,
      leaderBefore: "pg-1", leaderAfter: "pg-3", notes: ["synchronous_mode on"],
    });
    const lines = text.split("\n");
    assert.strictEqual(lines[0], "experiment kill-leader");
    assert.ok(lines.slice(1, -1).every((l) => l.length === lines[1].length), text);
    assert.match(text, /\| outage \(longest gap between acked writes\) \| 19\.06 s\s+\|/);
    assert.match(text, /\| acked writes lost\s+\| 0\s+\|/);
    assert.match(text, /\| writes refused as read-only\s+\| -\s+\|/);
    assert.match(text, /\| rows lost, source vs destination\s+\| -\s+\|/);
    assert.match(text, /\| time to RUNNING \(connect\)\s+\| -\s+\|/);
    assert.match(text, /\| rejoin time\s+\| 7\.25 s\s+\|/);
    assert.match(lines.at(-1)!, /^note: synchronous_mode on$/);
  });

  it("traffic against a closed port records failures at its rate and stops when told", async function () {
    this.timeout(10_000);
    const t = startTraffic({ conn: { host: "127.0.0.1", port: 1, user: "u", database: "d" }, table: "t", ratePerSecond: 20, firstId: 100, maxMs: 5_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    await t.stop();
    assert.strictEqual(t.acks.length, 0);
    assert.ok(t.attempted >= 15 && t.attempted <= 23, `${t.attempted} attempts in 1 s at 20/s`);
    assert.strictEqual(t.failures.length, t.attempted);
    assert.match(t.failures[0].error, /ECONNREFUSED/);
  });
});
