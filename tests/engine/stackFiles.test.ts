// The committed stack files, read by the real Pulumi CLI: each decrypts with the documented passphrase, keeps
// every secret encrypted, and parses through config.ts into a valid lab config for its homework.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HOMEWORK_CATALOG, HOMEWORKS, parseLabConfig } from "../../config";
import { loadEngine } from "./harness";
import { tempDir } from "../testbed/proc";

const REPO = path.resolve(__dirname, "../..");
const STACKS = ["dev", ...HOMEWORKS];
const { needs: HOMEWORK_NEEDS, publicSecrets: PUBLIC_DEFAULT_SECRETS } = HOMEWORK_CATALOG;
const SECRET_KEYS = Object.keys(PUBLIC_DEFAULT_SECRETS);

describe("config: committed stack files through the real Pulumi CLI", function () {
  this.timeout(120_000);
  let env: NodeJS.ProcessEnv;
  let project: string;
  before(() => {
    env = { ...loadEngine().env, PULUMI_CONFIG_PASSPHRASE: "lab" };
    project = tempDir("lab-stackfiles");
    fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    env.PULUMI_BACKEND_URL = `file://${tempDir("lab-stackfiles-state")}`;
  });

  for (const stack of STACKS) {
    it(`Pulumi.${stack}.yaml decrypts, keeps secrets encrypted and parses for its homework`, () => {
      const file = `Pulumi.${stack}.yaml`;
      const text = fs.readFileSync(path.join(REPO, file), "utf8");
      for (const key of SECRET_KEYS) {
        const m = new RegExp(`lab:${key}:\\s*\\n\\s+secure:`).test(text) || !text.includes(`lab:${key}`);
        assert.ok(m, `${file}: lab:${key} is not stored as a secure value`);
      }
      fs.copyFileSync(path.join(REPO, file), path.join(project, file));
      const run = (args: string[]) => spawnSync("pulumi", ["--non-interactive", ...args], { cwd: project, env, encoding: "utf8", timeout: 60_000 });
      const init = run(["stack", "init", stack]);
      assert.strictEqual(init.status, 0, init.stderr);
      const shown = run(["config", "--show-secrets", "--json", "--stack", stack]);
      assert.strictEqual(shown.status, 0, shown.stderr);
      const values = JSON.parse(shown.stdout) as Record<string, { value?: string; objectValue?: unknown; secret: boolean }>;
      const get = (k: string) => {
        const v = values[`lab:${k}`];
        if (!v) return undefined;
        if (v.objectValue !== undefined) return v.objectValue;
        try { return JSON.parse(v.value!); } catch { return v.value; }
      };
      const cfg = parseLabConfig({
        project: "lab", stack, get,
        secret: (k: string) => (values[`lab:${k}`] ? pulumi.secret(String(values[`lab:${k}`].value)) : undefined),
      }, Object.keys(values).map((k) => k.replace(/^lab:/, "")));
      const homework = stack === "dev" ? "patroni-ha" : stack;
      assert.deepStrictEqual(cfg.homeworks, [homework]);
      const needed = Object.keys(HOMEWORK_NEEDS[cfg.homeworks[0]].secrets);
      for (const s of needed) {
        assert.ok(values[`lab:${s}`]?.secret, `${file}: lab:${s} must be a secret`);
        assert.strictEqual(values[`lab:${s}`].value, PUBLIC_DEFAULT_SECRETS[s], `${file}: lab:${s} is not the documented public default`);
      }
      // Only what its homework reads: a stray secret is one more password to leak and to mask in the output.
      for (const s of SECRET_KEYS) if (!needed.includes(s)) assert.ok(!values[`lab:${s}`], `${file}: carries lab:${s}, which ${homework} does not use`);
    });
  }

  // The CLI checks stack config against Pulumi.yaml's schema before any program runs: a declared key without a
  // default that a stack file lacks stops `pulumi up` there. An empty program under the same schema shows it passes.
  it("every committed stack file passes Pulumi's check against Pulumi.yaml's config schema (preview of an empty program)", () => {
    const stub = tempDir("lab-stackfiles-schema");
    const schema = fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8");
    fs.writeFileSync(path.join(stub, "Pulumi.yaml"), `${schema}\nmain: index.js\n`);
    fs.writeFileSync(path.join(stub, "index.js"), "module.exports = {};\n");
    fs.writeFileSync(path.join(stub, "package.json"), "{}\n");
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(stub, "node_modules"));
    const run = (args: string[]) => spawnSync("pulumi", ["--non-interactive", ...args], { cwd: stub, env, encoding: "utf8", timeout: 90_000 });
    for (const stack of STACKS) {
      fs.copyFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), path.join(stub, `Pulumi.${stack}.yaml`));
      const init = run(["stack", "init", `schema-${stack}`]);
      assert.strictEqual(init.status, 0, init.stderr);
      fs.renameSync(path.join(stub, `Pulumi.${stack}.yaml`), path.join(stub, `Pulumi.schema-${stack}.yaml`));
      const preview = run(["preview", "--stack", `schema-${stack}`]);
      assert.strictEqual(preview.status, 0, `Pulumi.${stack}.yaml: ${preview.stdout}${preview.stderr}`);
    }
  });
});
