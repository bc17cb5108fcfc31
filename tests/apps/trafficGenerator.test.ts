import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { TRAFFIC_GENERATOR_BUILD, TRAFFIC_STATUS_FILE, trafficHealthCheck } from "../../apps/traffic-generator/src/contract";
import { parseCommand } from "../../apps/traffic-generator/src/options";
import {
  OpRecord, eventName, formatOp, formatSummary, healthOf, longestOutageMs, missingAcked, seqOf, summarize,
} from "../../apps/traffic-generator/src/stats";

const RW = "postgresql://postgres:pw@127.0.0.1:5001/postgres";
const RO = "postgresql://postgres:pw@127.0.0.1:5002/postgres";

const w = (endedAt: number, ok: boolean, seq: number, server = "10.0.0.2:5432"): OpRecord =>
  ({ op: "write", startedAt: endedAt - 5, endedAt, ok, seq, ...(ok ? { server } : { error: "ECONNREFUSED" }) });
const r = (endedAt: number, ok: boolean): OpRecord => ({ op: "read", startedAt: endedAt - 5, endedAt, ok, server: ok ? "10.0.0.3:5432" : undefined });

describe("traffic generator: options", () => {
  it("reads flags and environment, flags winning", () => {
    const cmd = parseCommand(["--rate", "20", "--duration", "30", "--quiet"], {
      TRAFFIC_RW_URL: RW, TRAFFIC_RO_URL: RO, TRAFFIC_RATE: "5", TRAFFIC_RUN_ID: "run-1", TRAFFIC_STATUS_FILE: "/tmp/s.json",
    });
    assert.strictEqual(cmd.kind, "run");
    if (cmd.kind !== "run") return;
    assert.deepStrictEqual(cmd.options, {
      readWriteUrl: RW, readOnlyUrl: RO, rate: 20, durationS: 30, runId: "run-1", timeoutMs: 2000,
      statusFile: "/tmp/s.json", owner: "traffic-generator", verbose: false,
    });
  });

  it("makes up a run id when none is given", () => {
    const a = parseCommand(["--rw-url", RW, "--ro-url", RO], {});
    const b = parseCommand(["--rw-url", RW, "--ro-url", RO], {});
    assert.ok(a.kind === "run" && b.kind === "run" && a.options.runId !== b.options.runId && /^[0-9a-f]{8}$/.test(a.options.runId));
  });

  it("rejects bad values naming the key and the value", () => {
    assert.throws(() => parseCommand(["--ro-url", RO], {}), /readWriteUrl = "": is required/);
    assert.throws(() => parseCommand(["--rw-url", "http://x", "--ro-url", RO], {}), /readWriteUrl = "http:\/\/x": must start with postgresql:\/\//);
    assert.throws(() => parseCommand(["--rw-url", RW, "--ro-url", RO, "--rate", "0"], {}), /rate = "0": must be a number in 0\.1\.\.1000/);
    assert.throws(() => parseCommand(["--rw-url", RW, "--ro-url", RO], { TRAFFIC_TIMEOUT_MS: "fast" }), /timeoutMs = "fast"/);
    assert.throws(() => parseCommand(["--rw-url", RW, "--ro-url", RO, "--run-id", "a b"], {}), /runId = "a b"/);
    assert.throws(() => parseCommand(["--bogus", "1"], {}), /argument = "--bogus": unknown option/);
    assert.throws(() => parseCommand(["--rate"], {}), /--rate = "": needs a value/);
  });

  it("parses help and the health command", () => {
    assert.deepStrictEqual(parseCommand(["--help"], {}), { kind: "help" });
    assert.deepStrictEqual(parseCommand(["health", "--status-file", "/tmp/s", "--max-age-s", "9"], {}), { kind: "health", statusFile: "/tmp/s", maxAgeS: 9 });
    assert.throws(() => parseCommand(["health"], {}), /--status-file = "": is required for health/);
  });
});

describe("traffic generator: measurements", () => {
  it("measures the longest outage from the last success to the next one", () => {
    const records = [w(1000, true, 1), w(1100, false, 2), w(1200, false, 3), w(4100, true, 4), w(4200, true, 5), w(4300, false, 6), w(4900, true, 7)];
    assert.strictEqual(longestOutageMs(records, "write", 0, 5000), 3100);
    assert.strictEqual(longestOutageMs([w(1000, true, 1), w(1500, true, 2)], "write", 0, 5000), 0, "a quiet gap without failures is no outage");
    assert.strictEqual(longestOutageMs([w(1000, true, 1), w(1500, false, 2)], "write", 0, 9000), 8000, "an outage still open at the end counts to the end");
    assert.strictEqual(longestOutageMs([r(100, false), r(600, true)], "read", 0, 1000), 600);
  });

  it("finds acked writes whose rows are missing, and ignores failed ones", () => {
    const records = [w(1, true, 1), w(2, true, 2), w(3, false, 3), w(4, true, 4)];
    assert.deepStrictEqual(missingAcked(records, new Set([1, 4])), [2]);
    assert.deepStrictEqual(missingAcked(records, new Set([1, 2, 4])), []);
  });

  it("round-trips the run tag in event_name", () => {
    assert.strictEqual(eventName("abc", 42), "traffic:abc:42");
    assert.strictEqual(seqOf("abc", "traffic:abc:42"), 42);
    assert.strictEqual(seqOf("abc", "traffic:abcd:42"), undefined);
    assert.strictEqual(seqOf("abc", "Встреча с клиентом"), undefined);
  });

  it("summarizes counts, servers, outages and missing writes", () => {
    const records = [w(1000, true, 1, "a:1"), w(1100, false, 2), w(3000, true, 3, "b:1"), r(1000, true), r(1200, false), r(1500, true)];
    const s = summarize("run", records, 0, 4000, new Set([1]));
    assert.deepStrictEqual(s.writes, { attempted: 3, acked: 2, failed: 1 });
    assert.deepStrictEqual(s.reads, { attempted: 3, ok: 2, failed: 1 });
    assert.strictEqual(s.missingAckedWrites, 1);
    assert.deepStrictEqual(s.missingSeqs, [3]);
    assert.strictEqual(s.longestWriteOutageS, 2);
    assert.strictEqual(s.longestReadOutageS, 0.5);
    assert.deepStrictEqual(s.writeServers, { "a:1": 1, "b:1": 1 });
    assert.match(formatSummary(s), /acked writes missing afterwards: 1 \(seq 3\)/);
    assert.strictEqual(summarize("run", records, 0, 4000, null).missingAckedWrites, null, "an unverified run says so");
    assert.match(formatSummary(summarize("run", records, 0, 4000, null)), /unknown \(re-read failed\)/);
  });

  it("logs one line per operation with time, op, result, latency and server", () => {
    assert.strictEqual(formatOp({ op: "write", startedAt: 0, endedAt: 12, ok: true, seq: 7, server: "127.0.0.1:5432" }),
      "1970-01-01T00:00:00.012Z write ok       12ms 127.0.0.1:5432 seq=7");
    assert.strictEqual(formatOp({ op: "read", startedAt: 0, endedAt: 1000, ok: false, error: "timeout" }),
      "1970-01-01T00:00:01.000Z read  error  1000ms - timeout");
  });

  it("is healthy only while writes are being acked", () => {
    const st = { runId: "x", lastAckedWriteAt: 10_000, acked: 5, updatedAt: 10_000 };
    assert.strictEqual(healthOf(st, 14_000, 5).healthy, true);
    assert.strictEqual(healthOf(st, 16_000, 5).healthy, false);
    assert.match(healthOf(st, 16_000, 5).reason, /6\.0s ago, more than 5s/);
    assert.strictEqual(healthOf({ ...st, lastAckedWriteAt: null }, 10_000, 5).healthy, false);
    assert.strictEqual(healthOf(undefined, 0, 5).healthy, false);
  });
});

describe("traffic generator: image", () => {
  const root = path.join(__dirname, "../..");
  const dockerfile = fs.readFileSync(path.join(root, TRAFFIC_GENERATOR_BUILD.dockerfile), "utf8");

  it("builds its own folder (the Dockerfile's) with the same pg as the project, from the context's lockfile", () => {
    const app = JSON.parse(fs.readFileSync(path.join(root, path.dirname(TRAFFIC_GENERATOR_BUILD.dockerfile), "package.json"), "utf8"));
    const project = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    assert.strictEqual(app.dependencies.pg, project.dependencies.pg);
    assert.strictEqual(app.devDependencies.typescript, project.dependencies.typescript);
    assert.ok(fs.existsSync(path.join(root, TRAFFIC_GENERATOR_BUILD.context, "package-lock.json")));
  });

  it("declares the same status file and health command the component uses", () => {
    assert.ok(dockerfile.includes(`TRAFFIC_STATUS_FILE=${TRAFFIC_STATUS_FILE}`));
    const [, ...cmd] = trafficHealthCheck(15);
    assert.ok(dockerfile.includes(`CMD ${JSON.stringify(cmd).replace(/,/g, ", ")}`), dockerfile);
  });
});
