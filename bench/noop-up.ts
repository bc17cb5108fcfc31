// Time of a no-op `pulumi up` and of `pulumi preview`, each row next to a baseline (an empty program) of the same run.
// With the docker provider plugin (@pulumi/docker's version) in the plugin home, the rows are the lab itself per
// homework, brought up once (build mode, prefix lab-noop-<hw>, host ports 45xxx) and destroyed at the end;
// without it, the engine test program (tests/engine/program) against a local PostgreSQL and Kafka Connect worker.
//   npx ts-node --transpile-only bench/noop-up.ts [runs=5] [homework ...]      (default homework: patroni-ha)
//   LAB_PULUMI_HOME=<dir>: the plugin home holding resource-docker and resource-command (default: .ci/pulumi/env.sh's)
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { HOMEWORK_CATALOG, Homework, HOMEWORKS } from "../config";
import { startKafka } from "../tests/testbed/kafka";
import { PG_BIN, startPostgres } from "../tests/testbed/postgres";
import { stopAll } from "../tests/testbed/proc";
import { changesOnly, Engine, EngineStack, loadEngine } from "../tests/engine/harness";

const REPO = path.resolve(__dirname, "..");
const BASELINE_DIR = path.join(__dirname, "noop-baseline");
/** First up of a homework builds its images (cold: many minutes); a no-op up or preview gets the harness's default. */
const FIRST_UP_MS = 90 * 60_000;
const LAB_PORT_BASE = 45000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Row { name: string; firstMs: number; upMs: number[]; previewMs: number[] }

/** `runs` no-op ups (each must record 0 changes) and `runs` previews (each must plan 0 changes) of a stack that is up. */
async function measureNoop(stack: EngineStack, name: string, firstMs: number, runs: number): Promise<Row> {
  const row: Row = { name, firstMs, upMs: [], previewMs: [] };
  for (let i = 0; i < runs; i++) {
    const r = await stack.up();
    const changes = changesOnly(await stack.lastChanges());
    if (Object.keys(changes).length > 0) throw new Error(`${name}: up ${i + 1} was not a no-op: ${JSON.stringify(changes)}`);
    row.upMs.push(r.ms);
  }
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const plan = changesOnly(await stack.preview());
    if (Object.keys(plan).length > 0) throw new Error(`${name}: preview ${i + 1} planned changes: ${JSON.stringify(plan)}`);
    row.previewMs.push(Date.now() - t0);
  }
  console.log(`${name}: no-op up ${row.upMs.join(", ")} ms; preview ${row.previewMs.join(", ")} ms`);
  return row;
}

/** The plugin home to run with, and whether it holds the docker provider @pulumi/docker's version asks for. */
function pluginHome(engine: Engine): { engine: Engine; docker: string | undefined } {
  const home = process.env.LAB_PULUMI_HOME ?? engine.env.PULUMI_HOME!;
  const version = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).dependencies["@pulumi/docker"] as string;
  const dir = path.join(home, "plugins", `resource-docker-v${version}`);
  const docker = fs.existsSync(path.join(dir, "pulumi-resource-docker")) ? version : undefined;
  return { engine: { ...engine, env: { ...engine.env, PULUMI_HOME: home } }, docker };
}

async function baselineRow(engine: Engine, runs: number): Promise<Row> {
  const stack = new EngineStack(engine, "bench", BASELINE_DIR);
  try {
    await stack.init({}, {});
    const first = await stack.up();
    return await measureNoop(stack, "baseline (empty program)", first.ms, runs);
  } finally {
    await stack.remove();
  }
}

/**
 * The lab's config for one homework, as `--path` keys (Pulumi.yaml types lab:ports and the like as objects, so a JSON
 * string is refused): build mode from a Debian mirror, its own prefix and 45xxx ports, no registry-only image.
 */
function labConfig(h: Homework, index: number): Record<string, string | number | boolean> {
  const base = LAB_PORT_BASE + 100 * index;
  const ports = Object.fromEntries(Object.keys(HOMEWORK_CATALOG.needs[h].ports).map((key, i) => [`lab:ports.${key}`, base + i + 1]));
  return {
    "lab:homeworks[0]": h, "lab:prefix": `lab-noop-${h.replace(/^patroni-|^cdc-/, "")}`,
    "lab:imageSource": "build", "lab:debianBase": "debootstrap", "lab:buildNetwork": "host",
    ...ports, "lab:grafana.enabled": false, "lab:schemaRegistry.enabled": false,
  };
}

/** Every secret of every homework, at its public default (the lab runs on loopback). */
const LAB_SECRETS = Object.fromEntries(Object.entries(HOMEWORK_CATALOG.publicSecrets).map(([k, v]) => [`lab:${k}`, v]));

async function labRow(engine: Engine, h: Homework, index: number, runs: number): Promise<Row> {
  const stack = new EngineStack(engine, "lab", REPO);
  try {
    await stack.init({}, LAB_SECRETS);
    for (const [key, value] of Object.entries(labConfig(h, index))) {
      await stack.run(["config", "set", "--stack", stack.name, "--path", key, "--", String(value)]);
    }
    const first = await stack.run(["up", "--stack", stack.name, "--yes", "--skip-preview"], FIRST_UP_MS);
    console.log(`${h}: first up ${first.ms} ms (${JSON.stringify(changesOnly(await stack.lastChanges()))})`);
    return await measureNoop(stack, h, first.ms, runs);
  } finally {
    await stack.run(["destroy", "--stack", stack.name, "--yes", "--skip-preview"], FIRST_UP_MS).catch((e) => console.error(`${h}: destroy failed: ${e.message}`));
    await stack.remove();
  }
}

async function engineProgramRow(engine: Engine, runs: number): Promise<Row> {
  const [pg, kafka] = await Promise.all([startPostgres({ name: "bench-pg" }), startKafka({ name: "bench-kafka", workers: 1 })]);
  const stack = new EngineStack(engine, crypto.randomBytes(8).toString("hex"));
  try {
    await stack.init({ "engine:pgPort": pg.port, "engine:pgBin": PG_BIN, "engine:database": "bench_lab",
      "engine:connectUrl": kafka.connectUrl(0) },
      { "engine:pgPassword": "bench" });
    const first = await stack.up();
    const row = await measureNoop(stack, "engine test program (4 resources)", first.ms, runs);
    await stack.destroy();
    return row;
  } finally {
    await stack.remove();
    await kafka.stop();
    await pg.stop();
    await stopAll();
  }
}

function printTable(rows: Row[], runs: number): void {
  const base = rows[0];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const ratio = (ms: number, b: number) => `${(ms / b).toFixed(2)}x`;
  console.log(`\nmedians of ${runs} runs; ratios to the baseline row of this run`);
  console.log("| program | first up | no-op up | ratio | preview | ratio |\n|---|---|---|---|---|---|");
  for (const r of rows) {
    const up = median(r.upMs), pv = median(r.previewMs);
    console.log(`| ${r.name} | ${s(r.firstMs)} | ${s(up)} | ${ratio(up, median(base.upMs))} | ${s(pv)} | ${ratio(pv, median(base.previewMs))} |`);
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`runs = ${process.argv[2]}: must be an integer 1..50`);
  const homeworks = process.argv.slice(3);
  const unknown = homeworks.filter((h) => !(HOMEWORKS as readonly string[]).includes(h));
  if (unknown.length) throw new Error(`homework ${unknown.join(", ")}: must be one of ${HOMEWORKS.join(", ")}`);
  const { engine, docker } = pluginHome(loadEngine());
  console.log(`pulumi ${engine.cliVersion}, plugin home ${engine.env.PULUMI_HOME}: ${docker ? `docker provider ${docker}, the lab itself` : "no docker provider, the engine test program"}`);
  const rows = [await baselineRow(engine, runs)];
  if (docker) {
    const list = (homeworks.length ? homeworks : ["patroni-ha"]) as Homework[];
    for (const [i, h] of list.entries()) rows.push(await labRow(engine, h, i, runs));
  } else {
    if (homeworks.length) throw new Error(`homeworks ${homeworks.join(", ")} need the docker provider plugin in ${engine.env.PULUMI_HOME}/plugins (set LAB_PULUMI_HOME)`);
    rows.push(await engineProgramRow(engine, runs));
  }
  printTable(rows, runs);
}

main().catch((e) => { console.error(e); process.exit(1); });
