// Write outage and lost acked writes through HAProxy: (a) SIGKILL of the leader, (b) a planned `patronictl
// switchover`, with synchronous_mode on (N runs each) and off (one run each). Not a test:
//   npx ts-node --transpile-only bench/failover.ts [--target containers|processes] [--runs N] [--rate R]
//     [--reuse] [--keep] [--resolver fast] [--sync-only]
// containers (default): the real program's patroni-ha in build mode (bench/benchLab.ts), `docker kill` of the
// leader container, an independent writer at R writes/s on 127.0.0.1; processes: the same configs as local processes.
import * as path from "path";
import { startTraffic } from "../apps/traffic-generator/src/generator";
import { TrafficSummary } from "../apps/traffic-generator/src/stats";
import { FAST_FAILOVER_DCS } from "../components/patroni/patroniConfig";
import { applyMigrations, loadMigrations } from "../providers/sqlMigrations";
import { LocalPatroniCluster, startPatroniCluster } from "../tests/testbed/patroniCluster";
import { stopAll, waitFor } from "../tests/testbed/proc";
import { BENCH_PASSWORD, benchDown, benchLab, benchUp } from "./benchLab";
import { applyResolverOptions, ContainerBench, ContainerSample, lookupSeconds } from "./containerFailover";
import { LAB_DNS_OPTIONS } from "../components/core/resolver";

type Fault = "kill" | "switchover";
interface Sample { fault: Fault; sync: boolean; outageS: number; lost: number | null; from: string; to: string; summary: TrafficSummary }

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`bench ${name} = ${JSON.stringify(process.argv[i + 1])}: must be an integer 1..50`);
  return n;
}

const flag = (name: string) => process.argv.includes(name);
function choice(name: string, values: string[], fallback: string): string {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? fallback : process.argv[i + 1];
  if (!values.includes(v)) throw new Error(`bench ${name} = ${JSON.stringify(v)}: must be one of ${values.join(", ")}`);
  return v;
}
const TARGET = choice("--target", ["containers", "processes"], "containers");
const RESOLVER = choice("--resolver", ["as-created", "fast"], "as-created");
const RUNS = arg("--runs", 3);
const RATE = arg("--rate", 20);
const GOALS: Record<Fault, number> = { kill: FAST_FAILOVER_DCS.ttl + 3, switchover: 5 };

/** One fault under traffic: the outage is the generator's longest gap between acked writes. */
async function measure(cluster: LocalPatroniCluster, fault: Fault, sync: boolean): Promise<Sample> {
  // A confirmed sync standby first: without one, synchronous mode never promotes anybody (see README-failover.md).
  const from = await cluster.waitForLeader({ replicas: 2, syncStandby: sync, timeoutMs: 90_000 });
  const traffic = startTraffic({
    readWriteUrl: cluster.readWriteUrl(), readOnlyUrl: cluster.readOnlyUrl(), rate: RATE, durationS: 0,
    runId: `${fault}-${sync ? "sync" : "async"}-${Date.now()}`, timeoutMs: 1000, owner: "bench", verbose: false,
  });
  try {
    await waitFor("writes before the fault", 20_000, async () => (traffic.stats().acked >= RATE * 2 ? true : undefined));
    const at = Date.now();
    if (fault === "kill") await cluster.kill(from, "SIGKILL");
    else await cluster.switchover();
    const to = await cluster.waitForLeader({ not: from, timeoutMs: 90_000 });
    const port = cluster.patroni.find((p) => p.name === to)!.pgPort;
    await waitFor("a write acked by the new leader", 30_000, async () =>
      traffic.records.some((r) => r.op === "write" && r.ok && r.endedAt > at && r.server === `127.0.0.1:${port}`) ? true : undefined);
    await new Promise((r) => setTimeout(r, 2000)); // steady writes again before the books are closed
    const summary = await traffic.stop();
    if (fault === "kill") await cluster.restart(from); // back to three members for the next run
    const sample = { fault, sync, outageS: summary.longestWriteOutageS, lost: summary.missingAckedWrites, from, to, summary };
    console.log(`${fault.padEnd(10)} sync=${sync ? "on " : "off"} ${from} -> ${to}: outage ${sample.outageS.toFixed(2)}s, ` +
      `acked ${summary.writes.acked}, failed ${summary.writes.failed}, lost ${sample.lost ?? "?"}, read outage ${summary.longestReadOutageS}s`);
    return sample;
  } finally {
    await traffic.stop();
  }
}

async function series(sync: boolean, runs: number): Promise<Sample[]> {
  const cluster = await startPatroniCluster({ scope: `bench-${sync ? "sync" : "async"}`, dcs: { synchronousMode: sync } });
  try {
    await cluster.waitForLeader({ replicas: 2, timeoutMs: 120_000 });
    await applyMigrations(cluster.readWrite(), loadMigrations(path.join(__dirname, "../homeworks/patroni-ha/sql")));
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      samples.push(await measure(cluster, "kill", sync));
      samples.push(await measure(cluster, "switchover", sync));
    }
    return samples;
  } catch (e) {
    console.error(cluster.logs(20));
    throw e;
  } finally {
    await cluster.stop();
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

function table(samples: Pick<Sample, "fault" | "sync" | "outageS" | "lost">[], target = TARGET): string {
  const rows = [["target", "scenario", "synchronous_mode", "runs", "outage min", "median", "max", "goal", "lost acked writes", "verdict"]];
  for (const sync of [true, false]) {
    for (const fault of ["kill", "switchover"] as Fault[]) {
      const s = samples.filter((x) => x.fault === fault && x.sync === sync);
      if (!s.length) continue;
      const o = s.map((x) => x.outageS);
      const lost = s.reduce((n, x) => n + (x.lost ?? NaN), 0);
      const ok = Math.max(...o) <= GOALS[fault] && lost === 0;
      rows.push([target, fault === "kill" ? "(a) SIGKILL leader" : "(b) switchover", sync ? "on" : "off", String(s.length),
        `${Math.min(...o).toFixed(2)} s`, `${median(o).toFixed(2)} s`, `${Math.max(...o).toFixed(2)} s`, `<= ${GOALS[fault]} s, 0 lost`,
        Number.isNaN(lost) ? "unknown" : String(lost), ok ? "meets goal" : "misses goal"]);
    }
  }
  return rows.map((r, i) => `| ${r.join(" | ")} |${i === 0 ? `\n|${r.map(() => "---").join("|")}|` : ""}`).join("\n");
}

/** The same faults on the containers of the real program: docker kill of the leader, patronictl switchover. */
async function containerSeries(): Promise<ContainerSample[]> {
  const lab = benchLab("patroni-ha");
  if (!flag("--reuse")) { await benchDown("patroni-ha", () => undefined); await benchUp("patroni-ha", (l) => console.log(`  [lab] ${l}`)); }
  try {
    if (RESOLVER === "fast") console.log(`resolver options ${LAB_DNS_OPTIONS.join(" ")} written into ${(await applyResolverOptions(lab.prefix, LAB_DNS_OPTIONS)).length} containers`);
    const bench = new ContainerBench({ prefix: lab.prefix, readWrite: lab.readWrite, password: BENCH_PASSWORD }, RATE, console.log,
      RESOLVER === "fast" ? LAB_DNS_OPTIONS : undefined);
    const leader = await bench.healthy(true);
    const gone = "pg-9"; // no such member: what a survivor's resolver does with a vanished name
    console.log(`lookup of a name no container has, in ${lab.prefix}-${leader}: ${(await lookupSeconds(`${lab.prefix}-${leader}`, gone)).toFixed(2)} s`);
    const samples: ContainerSample[] = [];
    for (let i = 0; i < RUNS; i++) {
      samples.push(await bench.measure("kill", true));
      samples.push(await bench.measure("switchover", true));
    }
    if (flag("--sync-only")) return samples;
    await bench.setSync(false);
    try {
      samples.push(await bench.measure("kill", false));
      samples.push(await bench.measure("switchover", false));
    } finally {
      await bench.setSync(true);
    }
    return samples;
  } finally {
    if (!flag("--keep")) await benchDown("patroni-ha", () => undefined);
  }
}

function containerDetails(samples: ContainerSample[]): string {
  const rows = [["scenario", "sync", "outage", "new leader listed", "read-only errors (span)", "dead-name lookup", "failed writes", "lost"]];
  for (const s of samples) {
    rows.push([s.fault, s.sync ? "on" : "off", `${s.outageS.toFixed(2)} s`, `${s.newLeaderS.toFixed(1)} s`, `${s.readOnlyErrors} (${s.readOnlySpanS.toFixed(2)} s)`,
      s.deadNameLookupS === undefined ? "-" : `${s.deadNameLookupS.toFixed(2)} s`, JSON.stringify(s.failures), String(s.lost)]);
  }
  return rows.map((r, i) => `| ${r.join(" | ")} |${i === 0 ? `\n|${r.map(() => "---").join("|")}|` : ""}`).join("\n");
}

async function main(): Promise<void> {
  const started = Date.now();
  if (TARGET === "containers") {
    console.log(`failover bench (containers, resolver ${RESOLVER}): ${RUNS} runs each with synchronous_mode on, 1 with it off; ${RATE} writes/s`);
    const samples = await containerSeries();
    console.log(`\n${table(samples)}\n\n${containerDetails(samples)}\n\n(${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
    return;
  }
  console.log(`failover bench: ${RUNS} runs each with synchronous_mode on, 1 with it off; ${RATE} writes/s; ` +
    `ttl=${FAST_FAILOVER_DCS.ttl}s loop_wait=${FAST_FAILOVER_DCS.loopWait}s retry_timeout=${FAST_FAILOVER_DCS.retryTimeout}s`);
  const samples = [...await series(true, RUNS), ...await series(false, 1)];
  console.log(`\n${table(samples)}\n\n(${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
}

main().then(() => stopAll()).then(() => process.exit(0), async (e) => { console.error(e); await stopAll(); process.exit(1); });
