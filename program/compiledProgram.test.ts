// `pulumi up` runs program.js: the program compiled into bin/ (tsconfig.program.json), not ts-node on the sources
// as every other suite does. The compiled modules must read the same assets (SQL, scripts, build contexts) from the
// source tree and register exactly what the sources register.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HOMEWORKS, parseLabConfig } from "../config";
import { composeLab } from "./compose";
import { PROGRAM_BUILD_DIR, REPO_ROOT } from "./paths";
import { rawConfig } from "../tests/testbed/rawConfig";
import { MockRun, runMocked } from "../tests/testbed/mockLab";

/** What pulumi.dynamic.Resource registers as `__provider`: the SDK's own call, variable name included (it is in the text). */
const sdkText = async (provider: object) => (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;

const compile = () => spawnSync(process.execPath, ["program.js"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 180_000 });

/** What a run registered, without the serialized dynamic providers (source text, not behaviour). */
function registrations(run: MockRun) {
  return run.resources.map(({ urn, inputs, dependsOn, replaceOnChanges, deleteBeforeReplace }) => {
    const { __provider, ...rest } = inputs;
    if (__provider !== undefined) assert.ok(typeof __provider === "string" && __provider.length > 0, `${urn}: no serialized provider`);
    return { urn, inputs: rest, dependsOn: [...dependsOn].sort(), replaceOnChanges, deleteBeforeReplace };
  }).sort((a, b) => a.urn.localeCompare(b.urn));
}

describe("stacks: the compiled program (program.js → bin/) that pulumi up runs", function () {
  this.timeout(240_000);

  before(() => {
    const r = compile();
    assert.strictEqual(r.status, 0, `node program.js: ${r.stdout}${r.stderr}`);
  });

  it("compiles nothing again when no source changed (a no-op up does not pay for TypeScript)", () => {
    const r = compile();
    assert.strictEqual(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /compiled/, "program.js recompiled unchanged sources");
  });

  it("loads TypeScript only when an input is newer than the last build (a no-op up does not load it)", () => {
    const hook = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lab-ts-")), "hook.js");
    fs.writeFileSync(hook, `process.on("exit", () => console.log("TS_LOADED=" + Object.keys(require.cache).some((f) => f.includes("/node_modules/typescript/"))));`);
    const run = () => {
      const r = spawnSync(process.execPath, ["--require", hook, "program.js"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 180_000 });
      assert.strictEqual(r.status, 0, r.stderr);
      return /TS_LOADED=true/.test(r.stdout);
    };
    assert.strictEqual(run(), false, "an up-to-date bin/ still loaded TypeScript");
    const now = new Date(Date.now() + 5);
    while (Date.now() < now.getTime() + 5) { /* a few ms: the new time must be after the build's */ }
    fs.utimesSync(path.join(REPO_ROOT, "program/paths.ts"), now, now);
    assert.strictEqual(run(), true, "a touched source did not make TypeScript look");
    // TypeScript found nothing to compile and brought the build's time forward: the next run skips it again.
    assert.strictEqual(run(), false);
    // A file written beside the sources (as `pulumi stack init` writes Pulumi.<stack>.yaml) moves the root folder's
    // time: TypeScript looks once, finds nothing to do, and the run after that does not load it.
    const stackFile = path.join(REPO_ROOT, `Pulumi.compiled-test-${process.pid}.yaml`);
    fs.writeFileSync(stackFile, "config: {}\n");
    try {
      assert.strictEqual(run(), true, "a new file in the root did not make TypeScript look");
      assert.strictEqual(run(), false, "TypeScript loaded again after a run that found nothing to compile");
    } finally {
      fs.rmSync(stackFile, { force: true });
    }
  });

  it("finds the source tree from bin/ and the bin/ twin of a homework folder", () => {
    const compiledPaths = require(path.join(PROGRAM_BUILD_DIR, "program", "paths.js"));
    assert.strictEqual(compiledPaths.REPO_ROOT, REPO_ROOT);
    assert.strictEqual(compiledPaths.sourceDir(path.join(PROGRAM_BUILD_DIR, "homeworks", "patroni-ha")), path.join(REPO_ROOT, "homeworks", "patroni-ha"));
    assert.strictEqual(compiledPaths.moduleDir(path.join(REPO_ROOT, "homeworks", "patroni-ha")), path.join(PROGRAM_BUILD_DIR, "homeworks", "patroni-ha"));
    // Outside the repository, and from the sources, folders stay as they are.
    assert.strictEqual(compiledPaths.moduleDir("/elsewhere/hello"), "/elsewhere/hello");
    const sourcePaths = require("./paths");
    assert.strictEqual(sourcePaths.moduleDir(path.join(REPO_ROOT, "homeworks", "patroni-ha")), path.join(REPO_ROOT, "homeworks", "patroni-ha"));
  });

  for (const hw of HOMEWORKS) {
    it(`${hw}: registers the same resources with the same inputs as the sources, none pointing into bin/`, async () => {
      const values = { homeworks: [hw], imageSource: "build", grafana: { enabled: false }, schemaRegistry: { enabled: false } };
      const fromSources = registrations(await runMocked(() => composeLab(parseLabConfig(rawConfig(values)))));
      const bin = (m: string) => require(path.join(PROGRAM_BUILD_DIR, m));
      const fromBin = registrations(await runMocked(() => bin("program/compose.js").composeLab(bin("config.js").parseLabConfig(rawConfig(values)))));
      assert.ok(fromSources.length > 5, `${hw}: only ${fromSources.length} resources`);
      assert.deepStrictEqual(fromBin, fromSources);
      const binDir = PROGRAM_BUILD_DIR + path.sep;
      assert.ok(!JSON.stringify(fromBin).includes(JSON.stringify(binDir).slice(1, -1)), `${hw}: an input names a path under bin/`);
    });
  }

  it("sends PrefixGuard's registration before any homework composes (the engine starts the provider host meanwhile)", async () => {
    const values = { homeworks: ["patroni-ha"], imageSource: "build", grafana: { enabled: false }, schemaRegistry: { enabled: false } };
    const bin = (m: string) => require(path.join(PROGRAM_BUILD_DIR, m));
    const run = await runMocked(() => bin("program/compose.js").composeLab(bin("config.js").parseLabConfig(rawConfig(values))));
    assert.strictEqual(run.requestOrder[0], "prefix-guard", `first requests: ${run.requestOrder.slice(0, 3).join(", ")}`);
  });

  it("registers, from bin/.providers/, each provider's text as Pulumi's serializer gives it for the compiled module", async () => {
    // The loop above ran every homework compiled: every provider type has its entry now; run one homework again from it.
    const entries = fs.readdirSync(path.join(PROGRAM_BUILD_DIR, ".providers")).filter((f) => f.endsWith(".js"));
    const bin = (m: string) => require(path.join(PROGRAM_BUILD_DIR, m));
    const providers: Record<string, object> = {
      HealthGate: bin("providers/healthGate").healthGateProvider, SqlMigrations: bin("providers/sqlMigrations").sqlMigrationsProvider,
      PatroniDcs: bin("providers/patroniDcs").patroniDcsProvider, KafkaConnector: bin("providers/kafkaConnector").kafkaConnectorProvider,
      MinioBucket: bin("providers/minioBucket").minioBucketProvider, PrefixGuard: bin("providers/prefixGuard").prefixGuardProvider,
      ContainerJob: bin("providers/containerJob").containerJobProvider,
    };
    assert.deepStrictEqual(entries.map((f) => f.replace(/-[0-9a-f]+\.js$/, "")).sort(), Object.keys(providers).sort());
    for (const entry of entries) {
      const type = entry.replace(/-[0-9a-f]+\.js$/, "");
      assert.strictEqual(fs.readFileSync(path.join(PROGRAM_BUILD_DIR, ".providers", entry), "utf8"), await sdkText(providers[type]), `${entry} is not what the serializer gives`);
    }
    const values = { homeworks: ["patroni-cdc"], imageSource: "build", grafana: { enabled: false }, schemaRegistry: { enabled: false } };
    const run = await runMocked(() => bin("program/compose.js").composeLab(bin("config.js").parseLabConfig(rawConfig(values))));
    const gate = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/lab:HealthGate")!;
    assert.strictEqual(gate.inputs.__provider, await sdkText(providers.HealthGate));
  });
});
