/**
 * patroni-cdc: latency from a source commit (the writer's ack through HAProxy) to the row being readable in
 * destination_db, at a fixed rate, in steady state and across a SIGKILL of the Patroni leader; and the rows lost.
 * Local processes: Patroni ×3 + etcd ×3 + HAProxy, Kafka (KRaft) + 2 Connect workers, destination PostgreSQL.
 *   npx ts-node --transpile-only bench/cdcFailover.ts [rate=1000] [steadySeconds=20] --target processes
 * Goal: p95 ≤ 1 s in steady state, 0 rows lost.
 * --target containers (the default): the real program's patroni-cdc in build mode (bench/benchLab.ts), the lab
 * CLI's cdc-failover experiment (docker kill of the leader under its own writer) and the dead-name lookup time;
 * [--reuse] [--keep] [--resolver fast] as in bench/failover.ts.
 */
import { Client } from "pg";
import { startWriter } from "../apps/cdc-writer/src/writer";
import { diffTables, readRows } from "../apps/cdc-reader/src/reader";
import { jdbcSinkSecrets, postgresSourceSecrets } from "../components/kafka/debeziumConnectors";
import {
  PATRONI_CDC_PARAMETERS, PATRONI_CDC_SLOTS, PATRONI_CDC_SQL, SINK_CONNECTOR, SOURCE_CONNECTOR, sinkConnectorConfig, sourceConnectorConfig,
} from "../homeworks/patroni-cdc/connectors";
import { KAFKA_CONNECTOR_PROVIDER_VERSION, kafkaConnectorProvider as provider } from "../providers/kafkaConnector";
import { applyMigrations, loadMigrations } from "../providers/sqlMigrations";
import { startKafka } from "../tests/testbed/kafka";
import { startPatroniCluster } from "../tests/testbed/patroniCluster";
import { startPostgres } from "../tests/testbed/postgres";
import { stopAll, waitFor } from "../tests/testbed/proc";
import { LAB_DNS_OPTIONS } from "../components/core/resolver";
import { LabDocker } from "../tools/lab/docker";
import { cdcFailover, lab as labHandle, renderFigures } from "../tools/lab/experiments";
import { benchDown, benchLab, benchUp } from "./benchLab";
import { applyResolverOptions, lookupSeconds } from "./containerFailover";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** p-th percentile (nearest rank) of a sample, in ms. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Positional arguments, flags (--x and the value after a --target/--resolver) left out. */
function positional(): string[] {
  const out: string[] = [];
  for (let i = 2; i < process.argv.length; i++) {
    if (["--target", "--resolver"].includes(process.argv[i])) i++;
    else if (!process.argv[i].startsWith("--")) out.push(process.argv[i]);
  }
  return out;
}

function option(name: string, values: string[], fallback: string): string {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? fallback : process.argv[i + 1];
  if (!values.includes(v)) throw new Error(`${name} = ${JSON.stringify(v)}: must be one of ${values.join(", ")}`);
  return v;
}

function arg(i: number, name: string, dflt: number, min: number, max: number): number {
  const v = positional()[i - 2] ?? String(dflt);
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new Error(`${name} = ${JSON.stringify(v)}: must be an integer ${min}..${max}`);
  return Number(v);
}

/** Polls destination_db every 25 ms and notes when each id first becomes visible. */
function watchDestination(conn: ReturnType<Awaited<ReturnType<typeof startPostgres>>["config"]>) {
  const firstSeen = new Map<number, number>();
  let stopping = false;
  let floor = 0;
  const loop = (async () => {
    const c = new Client(conn);
    await c.connect();
    try {
      while (!stopping) {
        const { rows } = await c.query("select id from public.debezium_table where id > $1", [floor]);
        const now = Date.now();
        for (const r of rows) {
          const id = Number(r.id);
          if (!firstSeen.has(id)) firstSeen.set(id, now);
          // The sink writes in id order, give or take a batch: rows far below the newest are not re-read.
          floor = Math.max(floor, id - 500);
        }
        await sleep(25);
      }
    } finally { await c.end(); }
  })();
  return { firstSeen, stop: async () => { stopping = true; await loop; } };
}

async function main(): Promise<void> {
  const rate = arg(2, "rate", 1000, 1, 20_000);
  const steadyS = arg(3, "steadySeconds", 20, 5, 600);
  const t0 = Date.now();
  const [cluster, lab, dest] = await Promise.all([
    startPatroniCluster({ parameters: PATRONI_CDC_PARAMETERS, slots: PATRONI_CDC_SLOTS }),
    startKafka({ name: "bench-pcdc", workers: 2 }),
    startPostgres({ name: "bench-pcdc-dest" }),
  ]);
  try {
    await cluster.waitForLeader({ replicas: 2, timeoutMs: 90_000 });
    await applyMigrations(cluster.readWrite("postgres"), loadMigrations(PATRONI_CDC_SQL.cluster));
    await applyMigrations(cluster.readWrite("source_db"), loadMigrations(PATRONI_CDC_SQL.source));
    await dest.createDatabase("destination_db");
    await applyMigrations(dest.config("destination_db"), loadMigrations(PATRONI_CDC_SQL.destination));
    // The slot copies must be on the replicas before a failover can keep them.
    await waitFor("source_slot on every member", 90_000, async () => {
      const counts = await Promise.all(cluster.patroni.map(async (p) => {
        const c = new Client(cluster.direct(p.name));
        await c.connect();
        try { return (await c.query("select 1 from pg_replication_slots where slot_name = 'source_slot'")).rowCount; } finally { await c.end(); }
      }));
      return counts.every((n) => n === 1) ? true : undefined;
    }, 1000);
    const endpoints = {
      source: { host: "127.0.0.1", port: cluster.ports.readWrite, user: "postgres", database: "source_db" },
      destination: { host: "127.0.0.1", port: dest.port, user: "postgres", database: "destination_db" },
    };
    const common = { version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl: lab.connectUrl(0), waitTimeoutMs: 90_000 };
    await provider.create!({ ...common, name: SOURCE_CONNECTOR, config: sourceConnectorConfig(endpoints), sensitiveConfig: postgresSourceSecrets(cluster.superuser.password) });
    await provider.create!({ ...common, name: SINK_CONNECTOR, config: sinkConnectorConfig(endpoints), sensitiveConfig: jdbcSinkSecrets("unused") });
    console.log(`setup ${Date.now() - t0} ms; writing ${rate} rows/s`);

    const watch = watchDestination(dest.config("destination_db"));
    const writer = startWriter({ sourceUrl: cluster.readWriteUrl("source_db"), ratePerSecond: rate, rows: 0, outbox: false, batchMs: 10, timeoutMs: 2000 });
    // Warm-up (JIT, first batches), then the steady window, then the failover window.
    await sleep(5000);
    const steadyFrom = writer.acked.length;
    await sleep(steadyS * 1000);
    const steadyTo = writer.acked.length;
    // A gap, so rows still in flight at the kill do not count as steady state.
    await sleep(3000);
    const leader = (await cluster.leader())!;
    const killAt = Date.now();
    const killIdx = writer.acked.length;
    await cluster.kill(leader, "SIGKILL");
    const newLeader = await cluster.waitForLeader({ not: leader, timeoutMs: 90_000 });
    const promotedMs = Date.now() - killAt;
    const acksAtPromotion = writer.stats().ackedRows;
    await waitFor("writes on the new leader", 60_000, async () => (writer.stats().ackedRows > acksAtPromotion + rate ? true : undefined), 100);
    const writesBackMs = Date.now() - killAt;
    await sleep(10_000);
    const stats = await writer.stop();

    const source = await readRows(cluster.readWrite("source_db"));
    let diff = diffTables(source, []);
    await waitFor("destination_db to converge", 120_000, async () => {
      diff = diffTables(source, await readRows(dest.config("destination_db")));
      return diff.missing.length === 0 ? true : undefined;
    }, 1000).catch(() => undefined);
    await watch.stop();

    const sourceIds = new Set(source.map((r) => r.id));
    const latencies = (from: number, to: number) => writer.acked.slice(from, to).flatMap((b) =>
      b.ids.filter((id) => watch.firstSeen.has(id)).map((id) => watch.firstSeen.get(id)! - b.ackedAt));
    const steady = latencies(steadyFrom, steadyTo);
    const failover = latencies(killIdx, writer.acked.length);
    const rowsPerS = Math.round(((steadyTo - steadyFrom) > 0
      ? writer.acked.slice(steadyFrom, steadyTo).reduce((n, b) => n + b.ids.length, 0) : 0) / steadyS);
    const ms = (xs: number[]) => ({ n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: Math.max(...xs) });
    const result = {
      rateTarget: rate, rateAchievedSteady: rowsPerS,
      steadyLatencyMs: ms(steady),
      failover: {
        killed: leader, newLeader, promotedMs, writesBackMs,
        latencyMsOfWritesAfterKill: ms(failover),
      },
      writer: stats,
      sourceRows: source.length,
      lostRows: diff.missing.length,
      differentRows: diff.different.length,
      ackedButNotInSource: writer.acked.flatMap((b) => b.ids).filter((id) => !sourceIds.has(id)).length,
    };
    console.log(JSON.stringify(result, null, 2));
    if (result.lostRows > 0 || result.ackedButNotInSource > 0) process.exitCode = 1;
  } finally {
    await lab.stop().catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    await dest.stop().catch(() => undefined);
    await stopAll();
  }
}

/** The leader kill under CDC on containers: the lab CLI's experiment on a bench lab of the real program. */
async function containers(): Promise<void> {
  const b = benchLab("patroni-cdc");
  const rate = arg(2, "rate", 20, 1, 1000);
  if (!process.argv.includes("--reuse")) { await benchDown("patroni-cdc", () => undefined); await benchUp("patroni-cdc", (l) => console.log(`  [lab] ${l}`)); }
  try {
    if (option("--resolver", ["as-created", "fast"], "as-created") === "fast") await applyResolverOptions(b.prefix, LAB_DNS_OPTIONS);
    const h = await labHandle(new LabDocker(), b.prefix);
    console.log(`lookup of a name no container has, in ${b.prefix}-pg-1: ${(await lookupSeconds(`${b.prefix}-pg-1`, "pg-9")).toFixed(2)} s`);
    const f = await cdcFailover(h, { ratePerSecond: rate, log: (l) => console.log(`  ${l}`) });
    console.log(renderFigures(f));
    if ((f.ackedWritesLost ?? 0) > 0 || (f.rowsLostSourceVsDestination ?? 0) > 0) process.exitCode = 1;
  } finally {
    if (!process.argv.includes("--keep")) await benchDown("patroni-cdc", () => undefined);
  }
}

if (require.main === module) {
  (option("--target", ["containers", "processes"], "containers") === "containers" ? containers() : main())
    .catch((e) => { console.error(e); process.exitCode = 1; });
}
