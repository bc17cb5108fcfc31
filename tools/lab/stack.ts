// Which lab the CLI talks to when no --prefix says it: the stack `pulumi stack select` chose (asked of the Pulumi
// CLI, which alone knows where it keeps that per backend), and that stack's lab:prefix (plain in
// Pulumi.<stack>.yaml) or lab-<stack>.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { StackPrefix } from "./args";

/** The prefix config.ts derives when lab:prefix is unset. */
export function defaultPrefix(stack: string): string {
  return `lab-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/** What Pulumi says about the selected stack: its name, or why there is none. */
export type Selection = { stack: string } | { none: string };

/** Bounded: a cloud backend answers over the network, and a hung login must not hang the lab CLI. */
const PULUMI_TIMEOUT_MS = 20_000;

/** The stack Pulumi has selected for the project at `repoRoot` (`pulumi stack --show-name`, the user's environment). */
export function selectedStack(repoRoot: string, env: Record<string, string | undefined>): Selection {
  const r = spawnSync("pulumi", ["stack", "--show-name", "--non-interactive"], {
    cwd: repoRoot, env: env as NodeJS.ProcessEnv, encoding: "utf8", timeout: PULUMI_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"],
  });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return { none: "the pulumi CLI is not on PATH: install it, or pass --stack or --prefix" };
  if (r.error) return { none: `pulumi stack --show-name: ${r.error.message}` };
  const name = r.stdout.trim().split("\n").pop()?.trim() ?? "";
  // A cloud backend may print org/project/stack; the stack's own name is what names Pulumi.<stack>.yaml.
  if (r.status === 0 && name) return { stack: name.split("/").pop()! };
  const why = `${r.stderr}`.trim().split("\n").find((l) => l.trim()) ?? `exit ${r.status}`;
  if (/no stack (is )?selected|select a stack/i.test(why)) return { none: "no stack selected" };
  return { none: `pulumi stack --show-name: ${why.replace(/^error:\s*/, "")}` };
}

/** lab:prefix from Pulumi.<stack>.yaml when set there (it is never a secret), else the default. */
export function stackPrefix(repoRoot: string, stack: string): string {
  try {
    const cfg = parse(fs.readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8"))?.config ?? {};
    if (typeof cfg["lab:prefix"] === "string") return cfg["lab:prefix"];
  } catch { /* no stack file: the default prefix */ }
  return defaultPrefix(stack);
}

export function stackPrefixResolver(repoRoot: string, env: Record<string, string | undefined>): StackPrefix {
  return (given) => {
    if (given) return { stack: given, prefix: stackPrefix(repoRoot, given), from: `stack ${given}` };
    const selected = selectedStack(repoRoot, env);
    if ("stack" in selected) return { stack: selected.stack, prefix: stackPrefix(repoRoot, selected.stack), from: `selected stack ${selected.stack}` };
    return { stack: "dev", prefix: stackPrefix(repoRoot, "dev"), from: `stack dev (${selected.none})` };
  };
}
