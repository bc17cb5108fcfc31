import * as assert from "assert";
import * as http from "http";
import * as net from "net";
import {
  connectRequest, DEFAULT_REQUEST_RETRY, KAFKA_CONNECTOR_PROVIDER_VERSION, KafkaConnectorInputs, kafkaConnectorProvider as connectors,
} from "./kafkaConnector";
import { SQL_MIGRATIONS_PROVIDER_VERSION, SqlMigrationsInputs, sqlMigrationsProvider as migrations } from "./sqlMigrations";
import { main } from "../tools/lab";

/**
 * Every wait is bounded and says what it waited for: against a port that accepts and never answers, and against a
 * closed port, each operation fails within its budget with the address and the phase in the message.
 */

/** Accepts connections and never writes a byte. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** A port that was free a moment ago and has nobody listening now. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const timings: string[] = [];

/** Runs `op`, expects it to reject within `budgetMs` with a message matching every pattern; records the time. */
async function failsWithin(label: string, budgetMs: number, op: () => Promise<unknown>, patterns: RegExp[]): Promise<void> {
  const t0 = Date.now();
  let message = "";
  try {
    await op();
  } catch (e) {
    message = (e as Error).message;
  }
  const ms = Date.now() - t0;
  timings.push(`${label.padEnd(46)} ${String(ms).padStart(6)} ms  ${message.replace(/\s+/g, " ").slice(0, 150)}`);
  assert.ok(message, `${label}: did not fail`);
  assert.ok(ms <= budgetMs, `${label}: took ${ms} ms, budget ${budgetMs} ms: ${message}`);
  for (const p of patterns) assert.match(message, p, `${label}`);
}

describe("bounded waits: a silent port and a closed port", function () {
  this.timeout(30_000);
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let closed: number;
  before(async () => { silent = await silentServer(); closed = await closedPort(); });
  after(async () => {
    await silent?.close();
    console.log(`      measured:\n${timings.map((t) => `        ${t}`).join("\n")}`);
  });

  const connector = (port: number | number[]): KafkaConnectorInputs => ({
    version: KAFKA_CONNECTOR_PROVIDER_VERSION, name: "orders-sink", waitTimeoutMs: 5_000,
    connectUrl: ([] as number[]).concat(port).map((p) => `http://127.0.0.1:${p}`),
    config: { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector" },
  });
  const sql = (port: number, over: Partial<SqlMigrationsInputs> = {}): SqlMigrationsInputs => ({
    version: SQL_MIGRATIONS_PROVIDER_VERSION, host: "127.0.0.1", port, user: "postgres", database: "lab",
    migrations: [], dropOnDelete: true, readyTimeoutMs: 1_500, ...over,
  });
  const connectBudget = DEFAULT_REQUEST_RETRY.attemptTimeoutMs + 2_500;
  const closedBudget = DEFAULT_REQUEST_RETRY.unreachableMs + 2_500;

  for (const kind of ["closed", "silent"] as const) {
    const port = () => (kind === "closed" ? closed : silent.port);
    const phase = kind === "closed" ? /connect: .*ECONNREFUSED/ : /response: connected, but no HTTP answer within \d+ ms/;
    const budget = kind === "closed" ? closedBudget : connectBudget;
    const addr = () => new RegExp(`http://127\\.0\\.0\\.1:${port()}`);

    it(`KafkaConnector delete, read and create fail on a ${kind} port naming the address and the phase`, async function () {
      this.timeout(3 * budget + 5_000);
      await failsWithin(`${kind}: connector delete`, budget, () => connectors.delete!("orders-sink", connector(port()) as any),
        [/connector orders-sink: DELETE \/connectors\/orders-sink: no Connect worker answered/, addr(), phase]);
      await failsWithin(`${kind}: connector read`, budget, () => connectors.read!("orders-sink", connector(port()) as any),
        [/GET \/connectors\/orders-sink\/config/, addr(), phase]);
      await failsWithin(`${kind}: connector create (validate)`, budget, () => connectors.create!(connector(port())),
        [/PUT \/connector-plugins\/.*\/config\/validate/, addr(), phase]);
    });

    it(`the lab CLI's connectors fails on a ${kind} port naming the address and the phase`, async () => {
      const errors: string[] = [];
      await failsWithin(`${kind}: lab connectors`, budget, async () => {
        const code = await main(["connectors", "--connect-url", `http://127.0.0.1:${port()}`], {}, () => undefined, (l) => errors.push(l));
        if (code !== 0) throw new Error(errors.join("\n"));
      }, [/^lab connectors: /, addr(), phase]);
    });

    it(`SqlMigrations read, delete and create fail on a ${kind} port naming the address and the phase`, async () => {
      const sqlPhase = kind === "closed" ? /connect .*ECONNREFUSED/ : /connect \(timeout 5000 ms\): .*timeout/i;
      const where = () => new RegExp(`postgres@127\\.0\\.0\\.1:${port()}/lab`);
      await failsWithin(`${kind}: sql read`, 7_000, () => migrations.read!("lab/public.lab_migrations", sql(port()) as any), [where(), sqlPhase]);
      if (kind === "silent") {
        // A closed port is "database gone": delete succeeds with nothing to drop. A silent one is not known to be gone.
        await failsWithin(`${kind}: sql delete`, 7_000, () => migrations.delete!("lab/public.lab_migrations", sql(port()) as any), [where(), sqlPhase]);
      } else {
        const t0 = Date.now();
        await migrations.delete!("lab/public.lab_migrations", sql(port()) as any);
        timings.push(`${`${kind}: sql delete (gone: nothing to drop)`.padEnd(46)} ${String(Date.now() - t0).padStart(6)} ms  ok`);
      }
      // The readiness wait: 1.5 s budget, and the last attempt gets its full 5 s.
      await failsWithin(`${kind}: sql create (ready wait 1500 ms)`, 1_500 + 5_000 + 1_500, () => migrations.create!(sql(port())),
        [new RegExp(`sql postgres@127\\.0\\.0\\.1:${port()}/lab not ready after \\d+ ms`), kind === "closed" ? /ECONNREFUSED/ : /timeout/i]);
    });
  }

  it("uses the next worker when the first accepts and never answers, and starts there next time", async () => {
    const live = http.createServer((req, res) => { req.resume(); res.writeHead(200, { "content-type": "application/json" }).end("[]"); });
    await new Promise<void>((r) => live.listen(0, "127.0.0.1", r));
    try {
      const livePort = (live.address() as net.AddressInfo).port;
      const urls = [`http://127.0.0.1:${closed}`, `http://127.0.0.1:${silent.port}`, `http://127.0.0.1:${livePort}`];
      const t0 = Date.now();
      const first = await connectRequest(urls, "GET", "/connectors", "connectors");
      const firstMs = Date.now() - t0;
      const t1 = Date.now();
      const second = await connectRequest(urls, "GET", "/connectors", "connectors");
      const secondMs = Date.now() - t1;
      timings.push(`${"closed, silent, live: first call".padEnd(46)} ${String(firstMs).padStart(6)} ms  answered by ${first.url}`);
      timings.push(`${"closed, silent, live: next call".padEnd(46)} ${String(secondMs).padStart(6)} ms  answered by ${second.url}`);
      assert.deepStrictEqual([first.status, first.url, second.url], [200, urls[2], urls[2]]);
      assert.ok(firstMs <= DEFAULT_REQUEST_RETRY.attemptTimeoutMs + 1_000, `${firstMs} ms`);
      assert.ok(secondMs < 1_000, `the second call went to the dead workers first: ${secondMs} ms`);
    } finally {
      await new Promise<void>((r) => live.close(() => r()));
    }
  });
});
