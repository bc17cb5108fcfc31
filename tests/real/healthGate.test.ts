import * as assert from "assert";
import * as http from "http";
import { freePort } from "../testbed/ports";
import { startPostgres, LocalPostgres } from "../testbed/postgres";
import { stopAll } from "../testbed/proc";
import {
  HEALTH_GATE_PROVIDER_VERSION, healthGateProvider, HealthGateInputs, normalizeRetryPolicy, waitForTarget,
} from "../../providers/healthGate";

const quick = normalizeRetryPolicy({ timeoutMs: 1_500, initialDelayMs: 50, maxDelayMs: 200, attemptTimeoutMs: 500 });

/** A tiny HTTP service: 503 for the first `warmup` requests, then 200 with `body`. */
async function startHttp(warmup: number, body: string, port = 0): Promise<{ port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    if (hits <= warmup) { res.writeHead(503); res.end("starting"); return; }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe("real: HealthGate against local services", function () {
  this.timeout(60_000);
  let pg: LocalPostgres;
  const servers: { close(): Promise<void> }[] = [];
  before(async () => { pg = await startPostgres({ name: "health-gate" }); });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await pg?.stop();
    await stopAll();
  });

  it("tcp: ready when PostgreSQL listens; a closed port fails within the bound, naming it", async () => {
    const r = await waitForTarget({ kind: "tcp", host: "127.0.0.1", port: pg.port }, quick);
    assert.strictEqual(r.attempts, 1);
    const closed = await freePort();
    const started = Date.now();
    await assert.rejects(waitForTarget({ kind: "tcp", host: "127.0.0.1", port: closed }, quick),
      new RegExp(`tcp 127\\.0\\.0\\.1:${closed} not ready after \\d+ ms \\(\\d+ attempts, timeout 1500 ms\\); last failure: connect ECONNREFUSED`));
    const took = Date.now() - started;
    assert.ok(took >= 1_400 && took < 3_000, `gave up at the deadline (${took} ms)`);
  });

  it("http: waits through 503s until 2xx and the body matches", async () => {
    const svc = await startHttp(3, JSON.stringify({ state: "RUNNING" }));
    servers.push(svc);
    const r = await waitForTarget({ kind: "http", url: `http://127.0.0.1:${svc.port}/connectors/x/status`, bodyMatch: '"state":\\s*"RUNNING"' },
      normalizeRetryPolicy({ timeoutMs: 5_000, initialDelayMs: 50, maxDelayMs: 200 }));
    assert.strictEqual(r.attempts, 4);
    assert.strictEqual(svc.hits(), 4);
  });

  it("http: a 2xx whose body never matches fails with the body in the message", async () => {
    const svc = await startHttp(0, JSON.stringify({ state: "FAILED" }));
    servers.push(svc);
    await assert.rejects(waitForTarget({ kind: "http", url: `http://127.0.0.1:${svc.port}/`, bodyMatch: "RUNNING" }, quick),
      /last failure: HTTP 200 but the body does not match \/RUNNING\/: \{"state":"FAILED"\}/);
  });

  it("http: a service that starts listening late is waited for", async () => {
    const port = await freePort();
    const late = new Promise<{ port: number; close(): Promise<void> }>((resolve) => {
      setTimeout(() => startHttp(0, "ok", port).then((s) => { servers.push(s); resolve(s); }), 700);
    });
    const r = await waitForTarget({ kind: "http", url: `http://127.0.0.1:${port}/health` }, normalizeRetryPolicy({ timeoutMs: 10_000, initialDelayMs: 100, maxDelayMs: 400 }));
    await late;
    assert.ok(r.attempts > 1 && r.elapsedMs >= 600, JSON.stringify(r));
  });

  it("sql: select 1 succeeds on PostgreSQL; a missing database is the named last failure", async () => {
    const ok = await waitForTarget({ kind: "sql", host: "127.0.0.1", port: pg.port, user: "postgres", database: "postgres" }, quick);
    assert.strictEqual(ok.attempts, 1);
    await assert.rejects(waitForTarget({ kind: "sql", host: "127.0.0.1", port: pg.port, user: "postgres", database: "nope", password: "s3cret" }, quick),
      (e: Error) => {
        assert.match(e.message, new RegExp(`^sql postgres@127\\.0\\.0\\.1:${pg.port}/nope not ready .*last failure: database "nope" does not exist`));
        assert.ok(!e.message.includes("s3cret"), "the password never appears");
        return true;
      });
  });

  it("the provider's create and update wait on a real target and record the wait", async () => {
    const svc = await startHttp(2, "ready");
    servers.push(svc);
    const inputs: HealthGateInputs = {
      kind: "http", url: `http://127.0.0.1:${svc.port}/`, bodyMatch: "^ready$", timeoutMs: 5_000, initialDelayMs: 50, maxDelayMs: 100,
      version: HEALTH_GATE_PROVIDER_VERSION,
    };
    const created = await healthGateProvider.create(inputs);
    assert.strictEqual(created.id, `http http://127.0.0.1:${svc.port}/ (body ~ /^ready$/)`);
    assert.strictEqual(created.outs!.attempts, 3);
    assert.ok(!Number.isNaN(Date.parse(created.outs!.readyAt)));
    const updated = await healthGateProvider.update!(created.id, created.outs!, { ...inputs, triggers: ["new-container"] });
    assert.strictEqual(updated.outs!.attempts, 1);
    assert.deepStrictEqual(updated.outs!.triggers, ["new-container"]);
  });
});
