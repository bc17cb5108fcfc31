// What every e2e suite does around its own assertions: one bring-up of the real program shared by the suite, a
// check that every container of the run is healthy, a second run that must change nothing, a teardown that must
// leave nothing labelled (also after a failure), and the time each phase took.
import * as assert from "assert";
import { ClientConfig } from "pg";
import { docker } from "../testbed/docker";
import { waitFor } from "../testbed/proc";
import { main as labCli } from "../../tools/lab";
import type { LabReport } from "../../tools/lab/checks";
import { firstIdOf, longestGap, lostIds, sql } from "../../tools/lab/experiments";
import { startTraffic } from "../../tools/lab/experiments/traffic";
import { ONE_SHOT_LABEL } from "../../components/core/labContainer";
import { runFirstExperiment } from "./firstExperiment";
import { E2E_LABEL, leftovers, RunLabArgs, RunResult, runLab, teardown } from "./harness";

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const log = (line: string) => console.log(`      [e2e] ${line}`);

/** tests/testbed's waitFor at the suites' pace (a probe per second: each is a docker inspect or a query). */
export const poll = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 1000): Promise<T> =>
  waitFor(what, timeoutMs, probe, everyMs);

export interface LabSuite {
  readonly lab: RunLabArgs;
  /** The first run's result (available once the suite's `before` has run). */
  first(): RunResult;
  /** Times `work` as a named phase: printed at once, and again with every phase when the suite ends. */
  phase<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** The run's containers (docker ps -a by the run's label). */
  containers(): ReturnType<typeof docker.listContainers>;
}

/**
 * `describe(title)` with the lab brought up once before `body`'s tests and torn down after them. `services` are the
 * containers the run must have (names without the prefix). The teardown check is a nested suite defined after
 * `body`: mocha runs a suite's own tests before its nested suites, and these in the order they are defined.
 */
export function describeLab(title: string, lab: RunLabArgs & { config: { prefix: string } }, services: string[], body: (s: LabSuite) => void): void {
  describe(title, function () {
    let first: RunResult | undefined;
    const phases: [string, number][] = [];
    const s: LabSuite = {
      lab,
      first: () => { if (!first) throw new Error("the bring-up did not finish"); return first; },
      phase: async (name, work) => {
        const t = Date.now();
        try { return await work(); } finally { phases.push([name, Date.now() - t]); log(`${name}: ${seconds(Date.now() - t)}`); }
      },
      containers: () => docker.listContainers({ all: true, filters: { label: [`${E2E_LABEL}=${lab.runId}`] } }),
    };

    before(async function () {
      this.timeout(90 * 60_000);
      first = await s.phase("bring-up (builds included)", () => runLab(lab));
      log(`first run: ${JSON.stringify(first.counts)}`);
    });

    after(async function () {
      this.timeout(300_000);
      await teardown(lab.runId).catch((e) => log(`teardown: ${(e as Error).message}`));
      log(`phases: ${phases.map(([n, ms]) => `${n} ${seconds(ms)}`).join("; ")}`);
    });

    it("runs every container healthy (a one-shot job exited 0)", async function () {
      this.timeout(120_000);
      const list = await s.containers();
      assert.deepStrictEqual(list.map((c) => c.Names[0].slice(1)).sort(), services.map((n) => `${lab.config.prefix}-${n}`).sort());
      // The program waits for each container; a healthcheck that flips back is still a failure here.
      await allHealthy(s, 60_000);
    });

    body(s);

    describe("teardown", () => {
      it("teardown leaves no container, network or volume with the run's label, nor any volume its containers used", async function () {
        this.timeout(300_000);
        // Anonymous volumes (an image's VOLUME) carry no label: the run's containers name them in their mounts.
        const used = (await s.containers()).flatMap((c) => c.Mounts.filter((m) => m.Type === "volume").map((m) => m.Name!));
        await s.phase("teardown", () => teardown(lab.runId));
        assert.deepStrictEqual(await leftovers(lab.runId), []);
        const volumes = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
        assert.deepStrictEqual(used.filter((v) => volumes.has(v)), [], "volumes the run's containers used are still there");
      });
    });
  });
}

/** The test that a second run of the same program and config over the same engine changes nothing. */
export function itChangesNothingOnASecondRun(s: LabSuite): void {
  it("changes nothing on a second run", async function () {
    this.timeout(30 * 60_000);
    const second = await s.phase("second run", () => runLab(s.lab));
    log(`second run: ${JSON.stringify(second.counts)}`);
    assert.deepStrictEqual({ ...second.counts, same: 0 }, { created: 0, updated: 0, replaced: 0, same: 0 },
      JSON.stringify(Object.entries(second.ops).filter(([, op]) => op !== "same")));
    assert.strictEqual(second.counts.same, s.first().counts.created);
  });
}

/**
 * Polls until every container of the run is healthy and every one-shot job (label lab.oneShot) exited 0; returns
 * when each was first seen so (ms from the call), slowest first.
 */
async function allHealthy(s: LabSuite, timeoutMs: number): Promise<[string, number][]> {
  const list = await s.containers();
  const t0 = Date.now();
  const seen = new Map<string, number>();
  await poll("every container healthy", timeoutMs, async () => {
    const bad: string[] = [];
    for (const c of list) {
      const st = (await docker.getContainer(c.Id).inspect()).State;
      const ok = c.Labels[ONE_SHOT_LABEL] === "true" ? st.Status === "exited" && st.ExitCode === 0 : st.Health?.Status === "healthy";
      if (!ok) bad.push(`${c.Names[0]}: ${st.Status}/${st.Health?.Status ?? `exit ${st.ExitCode}`}`);
      else if (!seen.has(c.Names[0].slice(1))) seen.set(c.Names[0].slice(1), Date.now() - t0);
    }
    if (bad.length) throw new Error(bad.join(", "));
    return true;
  });
  return [...seen].sort((a, b) => b[1] - a[1]);
}

/** `npm run lab -- check --json` against the suite's lab, as a student or a grader runs it. */
export async function labCheck(s: LabSuite): Promise<{ code: number; report: LabReport; stderr: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await labCli(["check", "--json", "--prefix", s.lab.config!.prefix as string], {}, (l) => out.push(l), (l) => err.push(l));
  const text = out.join("\n");
  assert.ok(text.startsWith("{"), `lab check printed no report (exit ${code}): ${err.join("\n")}`);
  const report = JSON.parse(text) as LabReport;
  log(`lab check: ${report.passed}/${report.checks.length}: ${report.checks.map((c) => `${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.figure} (${seconds(c.ms)})`).join(" | ")}`);
  return { code, report, stderr: err.join("\n") };
}

/** The test that `lab check` passes every check of the homework on the running lab (exit 0). */
/** The homework README's first experiment (its ```bash first-experiment block), run as a student types it. */
export function itRunsTheReadmesFirstExperiment(s: LabSuite, homework: string): void {
  it(`runs homeworks/${homework}/README.md's first experiment as written, against the running lab`, async function () {
    this.timeout(6 * 60_000);
    const out = await s.phase("README first experiment", () => runFirstExperiment(homework, s.lab.config!.prefix as string));
    for (const line of out.trimEnd().split("\n").slice(-12)) log(`first experiment: ${line}`);
  });
}

export function itPassesTheLabCheck(s: LabSuite, title = "npm run lab -- check: every check of the homework passes (exit 0)"): void {
  it(title, async function () {
    this.timeout(300_000);
    const { code, report, stderr } = await s.phase("lab check", () => labCheck(s));
    assert.deepStrictEqual(report.checks.filter((c) => !c.ok), [], stderr);
    assert.strictEqual(code, 0, stderr);
    assert.ok(report.passed >= 4, `only ${report.passed} checks`);
  });
}

export interface RestartFigures {
  containers: number;
  /** From the start of every stopped container to all healthy. */
  healthyMs: number;
  /** From the start to `ready` (e.g. connectors RUNNING), when the suite gives one. */
  readyMs?: number;
  writesAcked?: number;
  /** The longest time no write was acknowledged (the outage a client sees). */
  writeOutageMs?: number;
  writesLost?: number;
  /** Acknowledged writes missing in `deliveredTo` after the bound. */
  notDelivered?: number;
}

export interface RestartOptions {
  /** Writes through this connection during the restart (ids of their own, traffic.ts); every acknowledged one must stay. */
  traffic?: {
    conn: ClientConfig; table: string; columns?: Record<string, string>; setup?: string;
    /** Where every acknowledged write must arrive too (CDC's destination, same table name), within 2 min. */
    deliveredTo?: ClientConfig;
  };
  /** Before anything stops (e.g. the source's checksums, compared in `after`). */
  before?: () => Promise<void>;
  /** What else must be back after healthy, e.g. connectors RUNNING (timed as readyMs). */
  ready?: { what: string; wait: () => Promise<void> };
  /** The suite's own checks after the restart, with the figures (rows lost in the destination...). */
  after?: (f: RestartFigures) => Promise<void>;
}

/**
 * A Docker engine restart (a laptop reboot), as the harness can do it safely on a shared engine: every container of
 * the lab stopped at once (SIGTERM, 10 s grace, as dockerd stops them), then every one whose restart policy brings it
 * back started at once (a one-shot job stays exited, as after a reboot). Restarting dockerd itself would stop every
 * other lab and build on this host (CI runs the image suites and a developer's stack next to these). Asserts every
 * container healthy again, `ready`, every acknowledged write kept, and `lab check` passing; logs the figures.
 */
export function itSurvivesARestartOfEveryContainer(s: LabSuite, o: RestartOptions = {}): void {
  it("survives a restart of every container at once (an engine restart): all healthy, 0 acknowledged writes lost, lab check passes", async function () {
    this.timeout(15 * 60_000);
    const list = (await s.containers()).filter((c) => c.Labels[ONE_SHOT_LABEL] !== "true");
    if (o.before) await o.before();
    const firstId = firstIdOf();
    const traffic = o.traffic && await (async () => {
      if (o.traffic!.setup) await sql(o.traffic!.conn, o.traffic!.setup);
      const t = startTraffic({ ...o.traffic!, ratePerSecond: 20, firstId, maxMs: 10 * 60_000 });
      await poll("the first acknowledged write before the restart", 30_000, async () => (t.acks.length >= 5 ? true : undefined), 200);
      return t;
    })();
    const f: RestartFigures = { containers: list.length, healthyMs: 0 };
    await s.phase("restart of every container", async () => {
      await Promise.all(list.map((c) => docker.getContainer(c.Id).stop({ t: 10 }).catch((e) => { if (e.statusCode !== 304) throw e; })));
      const t0 = Date.now();
      await Promise.all(list.map((c) => docker.getContainer(c.Id).start()));
      const slowest = await allHealthy(s, 10 * 60_000);
      f.healthyMs = Date.now() - t0;
      log(`restart: healthy again, slowest first: ${slowest.slice(0, 4).map(([n, ms]) => `${n} ${seconds(ms)}`).join(", ")}`);
      if (o.ready) {
        await o.ready.wait();
        f.readyMs = Date.now() - t0;
      }
    });
    if (traffic) {
      const resumedAfter = Date.now();
      await poll("writes acknowledged again after the restart", 120_000, async () => (traffic.acks.some((a) => a.ackedAt > resumedAfter) ? true : undefined), 200);
      await traffic.stop();
      f.writeOutageMs = longestGap(traffic.acks, traffic.acks[0].ackedAt, traffic.acks.at(-1)!.ackedAt).ms;
      const present = await sql<{ id: string }>(o.traffic!.conn, `select id from ${o.traffic!.table} where id >= $1 and id < $2`, [firstId, firstId + traffic.attempted]);
      f.writesAcked = traffic.acks.length;
      const acked = traffic.acks.map((a) => a.id);
      f.writesLost = lostIds(acked, present.map((r) => Number(r.id))).length;
      const dest = o.traffic!.deliveredTo;
      if (dest) {
        const missing = () => sql<{ id: string }>(dest, `select id from ${o.traffic!.table} where id >= $1 and id < $2`, [firstId, firstId + traffic.attempted])
          .then((rows) => lostIds(acked, rows.map((r) => Number(r.id))).length);
        f.notDelivered = await poll("every acknowledged write in the destination", 120_000, async () => ((await missing()) === 0 ? 0 : undefined), 1000)
          .catch(() => missing());
      }
    }
    log(`restart of every container: ${f.containers} containers healthy in ${seconds(f.healthyMs)}`
      + (o.ready ? `, ${o.ready.what} in ${seconds(f.readyMs!)}` : "")
      + (traffic ? `, writes refused for ${seconds(f.writeOutageMs!)}, ${f.writesAcked! - f.writesLost!}/${f.writesAcked} acknowledged writes kept` : "")
      + (f.notDelivered !== undefined ? `, ${f.writesAcked! - f.notDelivered}/${f.writesAcked} in the destination` : ""));
    assert.strictEqual(f.writesLost ?? 0, 0, "acknowledged writes lost over the restart");
    assert.strictEqual(f.notDelivered ?? 0, 0, "acknowledged writes that never reached the destination");
    if (o.after) await o.after(f);
    const { code, report, stderr } = await labCheck(s);
    assert.deepStrictEqual(report.checks.filter((c) => !c.ok), [], stderr);
    assert.strictEqual(code, 0, stderr);
  });
}
