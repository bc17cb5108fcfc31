import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../testbed/proc";

const REPO = path.resolve(__dirname, "../..");
export const PROGRAM_DIR = path.join(__dirname, "program");
const INSTALL_HINT = ".ci/install.d/40-pulumi.sh (.ci/pulumi/build.sh)";

/** The engine .ci/pulumi/build.sh built: the environment .ci/pulumi/env.sh sets, read back as JSON. */
export interface Engine {
  env: NodeJS.ProcessEnv;
  /** What `pulumi version` printed, e.g. v3.274.1. */
  cliVersion: string;
  /** The version the build recorded for the CLI it made. */
  builtVersion: string;
}

export function loadEngine(): Engine {
  const r = spawnSync("bash", ["-c", `source "${REPO}/.ci/pulumi/env.sh" && node -e 'process.stdout.write(JSON.stringify(process.env))'`],
    { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`the Pulumi engine is not installed: run ${INSTALL_HINT}\n${r.stderr}`);
  const env = JSON.parse(r.stdout) as NodeJS.ProcessEnv;
  const home = env.PULUMI_LAB_HOME!;
  const v = spawnSync(path.join(home, "bin", "pulumi"), ["version"], { encoding: "utf8", env, timeout: 30_000 });
  if (v.status !== 0) throw new Error(`pulumi version failed (rebuild with ${INSTALL_HINT}): ${v.stderr}`);
  return { env, cliVersion: v.stdout.trim(), builtVersion: fs.readFileSync(path.join(home, "cli-version"), "utf8").trim() };
}

export interface RunResult { code: number | null; stdout: string; stderr: string; ms: number }

/** Resource counts of one update, from `pulumi stack history --json` (create, update, same, delete, replace...). */
export type ChangeSummary = Record<string, number>;

/** A throwaway stack of the engine program on a local file backend in a temp dir, with its own passphrase. */
export class EngineStack {
  readonly backendDir: string;
  readonly name: string;
  /** The CLI's environment for this stack (engine, backend, passphrase). */
  readonly env: NodeJS.ProcessEnv;

  constructor(engine: Engine, readonly passphrase: string, readonly programDir = PROGRAM_DIR) {
    this.backendDir = tempDir("lab-engine-state");
    // Unique per run: parallel runs (tests, bench) each get their own Pulumi.<stack>.yaml in the program dir.
    this.name = `engine-${process.pid}-${Date.now().toString(36)}`;
    this.env = {
      ...engine.env,
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: passphrase,
    };
  }

  /** Runs the CLI in the program dir; rejects on a non-zero exit or after timeoutMs, with the output in the error. */
  run(args: string[], timeoutMs = 240_000): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", ["--non-interactive", "--color", "never", ...args],
        { cwd: this.programDir, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("error", (e) => { clearTimeout(timer); reject(e); });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        const result = { code, stdout, stderr, ms: Date.now() - started };
        if (code === 0) resolve(result);
        else reject(new Error(`pulumi ${args.join(" ")} exited ${code ?? signal} after ${result.ms} ms\n${stdout}\n${stderr}`));
      });
    });
  }

  async init(config: Record<string, string | number>, secrets: Record<string, string>): Promise<void> {
    await this.run(["stack", "init", this.name, "--secrets-provider", "passphrase"]);
    for (const [key, value] of Object.entries(config)) await this.setConfig(key, String(value));
    for (const [key, value] of Object.entries(secrets)) await this.setConfig(key, value, true);
  }

  setConfig(key: string, value: string, secret = false): Promise<RunResult> {
    return this.run(["config", "set", "--stack", this.name, key, ...(secret ? ["--secret"] : []), "--", value]);
  }

  up(): Promise<RunResult> { return this.run(["up", "--stack", this.name, "--yes", "--skip-preview"]); }
  refresh(): Promise<RunResult> { return this.run(["refresh", "--stack", this.name, "--yes", "--skip-preview"]); }
  destroy(): Promise<RunResult> { return this.run(["destroy", "--stack", this.name, "--yes", "--skip-preview"]); }

  async preview(): Promise<ChangeSummary> {
    const r = await this.run(["preview", "--stack", this.name, "--json"]);
    return JSON.parse(r.stdout).changeSummary ?? {};
  }

  /** The resource changes the last update of the given kind recorded (kind: update, refresh, destroy). */
  async lastChanges(kind = "update"): Promise<ChangeSummary> {
    const r = await this.run(["stack", "history", "--stack", this.name, "--json", "--show-secrets=false"]);
    const history = JSON.parse(r.stdout) as { kind: string; result: string; resourceChanges?: ChangeSummary }[];
    const last = history.find((h) => h.kind === kind);
    if (!last) throw new Error(`stack ${this.name} has no ${kind} in its history: ${r.stdout.slice(0, 500)}`);
    if (last.result !== "succeeded") throw new Error(`last ${kind} of ${this.name} ${last.result}`);
    return last.resourceChanges ?? {};
  }

  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.run(["stack", "output", "--stack", this.name, "--json"])).stdout);
  }

  /** The raw checkpoint text, as `pulumi stack export` prints it (secrets stay encrypted). */
  async exportText(): Promise<string> {
    return (await this.run(["stack", "export", "--stack", this.name])).stdout;
  }

  /** Removes the stack, its config file and the backend dir; safe to call after a failure. */
  async remove(): Promise<void> {
    await this.run(["stack", "rm", this.name, "--yes", "--force"], 60_000).catch(() => undefined);
    fs.rmSync(path.join(this.programDir, `Pulumi.${this.name}.yaml`), { force: true });
    fs.rmSync(this.backendDir, { recursive: true, force: true });
  }
}

/** Counts that are not "same", e.g. { update: 1 } — what a reader of `pulumi up` calls the changes. */
export function changesOnly(summary: ChangeSummary): ChangeSummary {
  return Object.fromEntries(Object.entries(summary).filter(([k, n]) => k !== "same" && n > 0));
}
