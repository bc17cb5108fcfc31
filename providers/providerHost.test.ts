// What a no-op `pulumi up` asks of the dynamic-provider host: load each serialized provider, then check and diff
// every resource. That path must not load the heavy clients (dockerode, pg, the AWS SDK: 0.1-1.5 s each, on the
// update's critical path), and the clients must still load when create/read need them.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOMEWORKS } from "../config";
import { composeMocked } from "../tests/testbed/composeMocked";
import { REQUIRE_FROM_STRING } from "../tests/testbed/providerProcess";

const HEAVY = ["dockerode", "pg", "@aws-sdk/client-s3"];

interface Job { urn: string; provider: string; inputs: Record<string, unknown> }

/** Every dynamic resource every homework registers: its serialized provider and its inputs. */
async function dynamicResources(): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const hw of HOMEWORKS) {
    const values = { homeworks: [hw], imageSource: "build", grafana: { enabled: false }, schemaRegistry: { enabled: false } };
    const run = await composeMocked(values);
    for (const r of run.resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic"))) {
      const { __provider, ...inputs } = r.inputs;
      jobs.push({ urn: r.urn, provider: __provider, inputs });
    }
  }
  return jobs;
}

/** Runs `then` (a script body with `providers` in scope) after loading every provider and checking and diffing each resource, as a host would. */
function inHost(jobs: Job[], then: string): { heavyAfterDiff: string[]; then: unknown } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lab-host-")), "jobs.json");
  fs.writeFileSync(file, JSON.stringify(jobs));
  const script = `
    const load = require(${JSON.stringify(REQUIRE_FROM_STRING)});
    const jobs = JSON.parse(require("fs").readFileSync(${JSON.stringify(file)}, "utf8"));
    const cache = new Map();
    const heavy = () => ${JSON.stringify(HEAVY)}.filter((m) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + m + "/")));
    (async () => {
      const providers = {};
      for (const j of jobs) {
        if (!cache.has(j.provider)) cache.set(j.provider, load(j.provider).handler());
        const p = cache.get(j.provider);
        providers[j.urn.split("::").pop()] = p;
        const checked = await p.check(j.inputs, j.inputs);
        if (checked.failures && checked.failures.length) throw new Error(j.urn + ": check failed: " + JSON.stringify(checked.failures));
        await p.diff("id", j.inputs, checked.inputs);
      }
      const heavyAfterDiff = heavy();
      const result = await (async () => { ${then} })();
      console.log(JSON.stringify({ heavyAfterDiff, then: result }));
    })().catch((e) => { console.error(e.stack); process.exit(1); });`;
  const run = spawnSync(process.execPath, ["-e", script], { cwd: process.cwd(), encoding: "utf8", timeout: 60_000 });
  assert.strictEqual(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe("providers: the provider host on a no-op up", function () {
  this.timeout(120_000);
  let jobs: Job[];
  before(async () => { jobs = await dynamicResources(); });

  it("checks and diffs every homework's dynamic resources without loading dockerode, pg or the AWS SDK", () => {
    const types = new Set(jobs.map((j) => j.urn.split("::")[2]));
    for (const t of ["HealthGate", "SqlMigrations", "PatroniDcs", "KafkaConnector", "MinioBucket", "PrefixGuard"]) {
      assert.ok([...types].some((x) => x.endsWith(`:${t}`)), `no ${t} among ${[...types].join(", ")}`);
    }
    assert.deepStrictEqual(inHost(jobs, "return null").heavyAfterDiff, []);
  });

  it("loads pg when a gate probes a server (the serialized provider requires it from the host)", async () => {
    // A port nothing listens on: the probe fails with pg's connect error, which only a loaded pg can give.
    const gate = jobs.find((j) => j.urn.endsWith("::cluster-ready"))!;
    const sql = { ...gate.inputs, host: "127.0.0.1", port: 1, timeoutMs: 300, attemptTimeoutMs: 200, initialDelayMs: 50, maxDelayMs: 50 };
    const out = inHost([gate], `
      const e = await providers["cluster-ready"].create(${JSON.stringify(sql)}).catch((x) => x.message);
      return { e, pg: Object.keys(require.cache).some((f) => f.includes("/node_modules/pg/")) };`).then as { e: string; pg: boolean };
    assert.match(out.e, /^sql .*127\.0\.0\.1:1.* not ready after \d+ ms .*ECONNREFUSED/);
    assert.strictEqual(out.pg, true);
  });
});
