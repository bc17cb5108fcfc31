import * as assert from "assert";
import * as net from "net";
import { changedKeys } from "../dynamic";
import {
  backoffDelay, Clock, DEFAULT_RETRY, describeTarget, HEALTH_GATE_PROVIDER_VERSION, healthGateProvider,
  HealthGateInputs, HealthGateOutputs, maxAttempts, nextStep, normalizeRetryPolicy, normalizeTarget, RetryPolicy, waitUntilReady,
} from ".";
import { inProviderProcess } from "../../tests/testbed/providerProcess";

const policy: RetryPolicy = { timeoutMs: 10_000, initialDelayMs: 250, maxDelayMs: 2_000, attemptTimeoutMs: 3_000 };

/** A clock that only moves when the loop sleeps: the loop runs instantly. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => { slept.push(ms); now += ms; },
  };
}

describe("healthGate (pure)", () => {
  describe("retry policy", () => {
    it("doubles the pause from initialDelayMs and caps it at maxDelayMs", () => {
      assert.deepStrictEqual([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(policy, n)), [250, 500, 1000, 2000, 2000, 2000, 2000]);
    });

    it("never sleeps past the deadline and gives up at it", () => {
      assert.deepStrictEqual(nextStep(policy, 1, 0), { waitMs: 250 });
      assert.deepStrictEqual(nextStep(policy, 4, 9_900), { waitMs: 100 });
      assert.deepStrictEqual(nextStep(policy, 4, 10_000), { giveUp: true });
      assert.deepStrictEqual(nextStep(policy, maxAttempts(policy), 0), { giveUp: true }, "a stalled clock still ends the loop");
    });

    it("fills defaults and names bad values", () => {
      assert.deepStrictEqual(normalizeRetryPolicy({}), DEFAULT_RETRY);
      assert.throws(() => normalizeRetryPolicy({ timeoutMs: "60s" }), /timeoutMs = "60s": must be a positive integer/);
      assert.throws(() => normalizeRetryPolicy({ initialDelayMs: 500, maxDelayMs: 100 }), /maxDelayMs = 100: must be >= initialDelayMs \(500\)/);
    });
  });

  describe("targets", () => {
    it("accepts tcp, http and sql targets", () => {
      assert.deepStrictEqual(normalizeTarget({ kind: "tcp", host: "127.0.0.1", port: 5432 }), { kind: "tcp", host: "127.0.0.1", port: 5432 });
      assert.deepStrictEqual(normalizeTarget({ kind: "http", url: "http://127.0.0.1:8083/connectors", bodyMatch: "" }), { kind: "http", url: "http://127.0.0.1:8083/connectors" });
      assert.deepStrictEqual(normalizeTarget({ kind: "sql", host: "h", port: 1, user: "u", database: "d", password: "p" }),
        { kind: "sql", host: "h", port: 1, user: "u", database: "d", password: "p" });
    });

    it("names the key and the value of a bad target", () => {
      assert.throws(() => normalizeTarget({ kind: "udp" }), /kind = "udp": must be one of tcp, http, sql/);
      assert.throws(() => normalizeTarget({ kind: "tcp", host: "h", port: 0 }), /port = 0: must be an integer 1\.\.65535/);
      assert.throws(() => normalizeTarget({ kind: "tcp", host: "", port: 1 }), /host = "": must be a non-empty string/);
      assert.throws(() => normalizeTarget({ kind: "http", url: "ftp://x/" }), /url = "ftp:\/\/x\/": must start with http/);
      assert.throws(() => normalizeTarget({ kind: "http", url: "localhost:80" }), /url = "localhost:80"/);
      assert.throws(() => normalizeTarget({ kind: "http", url: "http://x/", bodyMatch: "(" }), /bodyMatch = "\(": is not a regular expression/);
      assert.throws(() => normalizeTarget({ kind: "sql", host: "h", port: 1, user: "u" }), /database = undefined/);
    });

    it("describes a target without its password", () => {
      const d = describeTarget({ kind: "sql", host: "127.0.0.1", port: 5001, user: "postgres", database: "lab", password: "s3cret" });
      assert.strictEqual(d, "sql postgres@127.0.0.1:5001/lab");
    });
  });

  describe("waitUntilReady (fake clock, fake probe)", () => {
    it("returns after the first success, pausing with backoff in between", async () => {
      const clock = fakeClock();
      let calls = 0;
      const r = await waitUntilReady("svc", async () => { if (++calls < 4) throw new Error(`refused #${calls}`); }, policy, clock);
      assert.deepStrictEqual(r, { attempts: 4, elapsedMs: 250 + 500 + 1000 });
      assert.deepStrictEqual(clock.slept, [250, 500, 1000]);
    });

    it("gives up at the deadline with the target, the count and the last failure", async () => {
      const clock = fakeClock();
      let calls = 0;
      await assert.rejects(waitUntilReady("tcp 127.0.0.1:5432", async () => { throw new Error(`ECONNREFUSED #${++calls}`); }, policy, clock),
        (e: Error) => {
          assert.strictEqual(e.message, `tcp 127.0.0.1:5432 not ready after 10000 ms (${calls} attempts, timeout 10000 ms); last failure: ECONNREFUSED #${calls}`);
          return true;
        });
      assert.strictEqual(clock.slept.reduce((a, b) => a + b, 0), 10_000);
    });

    it("gives every attempt, the last one too, its full budget, and ends even when the clock never moves", async () => {
      const budgets: number[] = [];
      const stalled: Clock = { now: () => 0, sleep: async () => undefined };
      await assert.rejects(waitUntilReady("x", async (ms) => { budgets.push(ms); throw new Error("no"); }, policy, stalled), /x not ready/);
      assert.strictEqual(budgets.length, maxAttempts(policy));
      assert.ok(budgets.every((b) => b === 3_000));
    });
  });

  describe("provider (what preview runs: check and diff do no I/O)", () => {
    let server: net.Server;
    let port = 0;
    let connections = 0;
    before(async () => {
      server = net.createServer((s) => { connections++; s.destroy(); });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      port = (server.address() as net.AddressInfo).port;
    });
    after(() => { server.close(); });

    const inputs = (extra: Partial<HealthGateInputs> = {}): HealthGateInputs =>
      ({ kind: "tcp", host: "127.0.0.1", port, version: HEALTH_GATE_PROVIDER_VERSION, ...extra });
    const state = (extra: Partial<HealthGateInputs> = {}): HealthGateOutputs =>
      ({ ...inputs(extra), target: `tcp 127.0.0.1:${port}`, attempts: 1, elapsedMs: 0, readyAt: "2024-01-01T00:00:00.000Z" });

    it("check and diff never connect", async () => {
      const p = healthGateProvider;
      assert.strictEqual((await p.check!(inputs(), inputs())).failures, undefined);
      assert.deepStrictEqual((await p.check!(inputs(), inputs({ port: 70000 }))).failures,
        [{ property: "port", reason: "port = 70000: must be an integer 1..65535" }]);
      assert.deepStrictEqual(await p.diff!("g", state(), inputs()), { changes: false, deleteBeforeReplace: false });
      assert.deepStrictEqual(await p.diff!("g", state({ triggers: ["container-a"] }), inputs({ triggers: ["container-b"] })), { changes: true, deleteBeforeReplace: false });
      assert.deepStrictEqual(await p.diff!("g", state(), inputs({ version: "0" })), { changes: true, deleteBeforeReplace: false });
      await new Promise((r) => setTimeout(r, 50));
      assert.strictEqual(connections, 0);
    });

    it("create probes and records attempts; read and delete do nothing", async () => {
      const created = await healthGateProvider.create(inputs({ timeoutMs: 5_000 }));
      assert.strictEqual(created.id, `tcp 127.0.0.1:${port}`);
      assert.strictEqual(created.outs!.attempts, 1);
      assert.ok(connections >= 1);
      const before = connections;
      const read = await healthGateProvider.read!(created.id, created.outs!);
      assert.deepStrictEqual(read, { id: created.id, props: created.outs });
      await healthGateProvider.delete!(created.id, created.outs!);
      await new Promise((r) => setTimeout(r, 50));
      assert.strictEqual(connections, before);
    });

    it("survives Pulumi's closure serialization (a plain node process, like the provider host)", async () => {
      const out = await inProviderProcess(healthGateProvider, `
        const bad = await p.check({}, { kind: "tcp", host: "127.0.0.1", port: 0, version: "1" });
        const ok = await p.create({ kind: "tcp", host: "127.0.0.1", port: ${port}, timeoutMs: 5000, version: "1" });
        const fail = await p.create({ kind: "http", url: "http://127.0.0.1:${port}/", timeoutMs: 300, attemptTimeoutMs: 300, version: "1" }).catch((e) => e.message);
        return { bad: bad.failures, id: ok.id, fail };`);
      assert.deepStrictEqual(out.bad, [{ property: "port", reason: "port = 0: must be an integer 1..65535" }]);
      assert.strictEqual(out.id, `tcp 127.0.0.1:${port}`);
      assert.match(out.fail, new RegExp(`^http http://127.0.0.1:${port}/ not ready after \\d+ ms \\(\\d+ attempts, timeout 300 ms\\); last failure: `));
    });
  });
});

describe("dynamic provider helpers", () => {
  it("changedKeys ignores key order (state comes back reordered) and unset vs null, but not array order", () => {
    const olds = { m: [{ sql: "x", id: "1" }], t: null, a: [1, 2] };
    const news = { m: [{ id: "1", sql: "x" }], a: [1, 2] };
    assert.deepStrictEqual(changedKeys(olds, news, ["m", "t", "a"]), []);
    assert.deepStrictEqual(changedKeys(olds, { ...news, a: [2, 1] }, ["m", "t", "a"]), ["a"]);
    assert.deepStrictEqual(changedKeys(olds, { ...news, m: [{ id: "1", sql: "y" }] }, ["m"]), ["m"]);
  });
});
