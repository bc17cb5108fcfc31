// What every e2e suite does around its own assertions: one bring-up of the real program shared by the suite, a
// check that every container of the run is healthy, a second run that must change nothing, a teardown that must
// leave nothing labelled (also after a failure), and the time each phase took.
import * as assert from "assert";
import { docker } from "../../testbed/docker";
import { waitFor } from "../../testbed/proc";
import { E2E_LABEL, leftovers, RunLabArgs, RunResult, runLab, teardown } from "./harness";

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const log = (line: string) => console.log(`      [e2e] ${line}`);

/** testbed's waitFor at the suites' pace (a probe per second: each is a docker inspect or a query). */
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

    it("runs every container healthy", async function () {
      this.timeout(120_000);
      const list = await s.containers();
      assert.deepStrictEqual(list.map((c) => c.Names[0].slice(1)).sort(), services.map((n) => `${lab.config.prefix}-${n}`).sort());
      // The program waits for each container; a healthcheck that flips back is still a failure here.
      await poll("every container healthy", 60_000, async () => {
        const bad: string[] = [];
        for (const c of list) {
          const st = (await docker.getContainer(c.Id).inspect()).State;
          if (st.Health?.Status !== "healthy") bad.push(`${c.Names[0]}: ${st.Status}/${st.Health?.Status}`);
        }
        if (bad.length) throw new Error(bad.join(", "));
        return true;
      });
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
