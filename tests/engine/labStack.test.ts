// The lab CLI follows `pulumi stack select` as the real Pulumi CLI keeps it (per backend, in its own files): the
// CLI .ci/pulumi/build.sh builds selects, the lab CLI asks it back (`pulumi stack --show-name`).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { selectedStack, stackPrefixResolver } from "../../tools/lab/stack";
import { tempDir } from "../testbed/proc";
import { loadEngine } from "./harness";

describe("lab CLI: the selected stack, asked of the real Pulumi CLI", function () {
  this.timeout(120_000);
  let project: string;
  let env: NodeJS.ProcessEnv;
  const pulumi = (...args: string[]) => {
    const r = spawnSync("pulumi", ["--non-interactive", ...args], { cwd: project, env, encoding: "utf8", timeout: 60_000 });
    assert.strictEqual(r.status, 0, `pulumi ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  };
  const resolve = (given?: string) => stackPrefixResolver(project, env)(given);

  before(() => {
    project = tempDir("lab-stack-project");
    fs.copyFileSync(path.join(__dirname, "../../Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    // A home and a backend of the test's own: the selection Pulumi records there is this test's only.
    env = {
      ...loadEngine().env, PULUMI_HOME: tempDir("lab-stack-home"), PULUMI_BACKEND_URL: `file://${tempDir("lab-stack-state")}`,
      PULUMI_CONFIG_PASSPHRASE: "lab",
    };
  });
  after(() => { for (const d of [project, env.PULUMI_HOME!, env.PULUMI_BACKEND_URL!.slice(7)]) fs.rmSync(d, { recursive: true, force: true }); });

  it("says no stack is selected before any, and falls back to dev saying so", () => {
    assert.deepStrictEqual(selectedStack(project, env), { none: "no stack selected" });
    assert.deepStrictEqual(resolve(), { stack: "dev", prefix: "lab-dev", from: "stack dev (no stack selected)" });
  });

  it("follows `pulumi stack init` and `pulumi stack select`, with the stack's lab:prefix", () => {
    pulumi("stack", "init", "patroni-ha");
    assert.deepStrictEqual(resolve(), { stack: "patroni-ha", prefix: "lab-patroni-ha", from: "selected stack patroni-ha" });
    pulumi("config", "set", "lab:prefix", "ha-mine");
    assert.strictEqual(resolve().prefix, "ha-mine");
    pulumi("stack", "init", "patroni-cdc");
    assert.deepStrictEqual(resolve(), { stack: "patroni-cdc", prefix: "lab-patroni-cdc", from: "selected stack patroni-cdc" });
    pulumi("stack", "select", "patroni-ha");
    assert.deepStrictEqual(resolve(), { stack: "patroni-ha", prefix: "ha-mine", from: "selected stack patroni-ha" });
    assert.strictEqual(resolve("patroni-cdc").from, "stack patroni-cdc", "--stack wins over the selection");
  });

  it("after `pulumi stack unselect` there is none again", () => {
    pulumi("stack", "unselect");
    assert.deepStrictEqual(selectedStack(project, env), { none: "no stack selected" });
  });

  it("without the pulumi CLI it says so instead of guessing", () => {
    const from = stackPrefixResolver(project, { ...env, PATH: "/nonexistent" })(undefined).from;
    assert.strictEqual(from, "stack dev (the pulumi CLI is not on PATH: install it, or pass --stack or --prefix)");
  });
});
