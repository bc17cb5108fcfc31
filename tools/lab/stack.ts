// Which lab the CLI talks to when no --prefix says it: the stack `pulumi stack select` chose (read from Pulumi's
// workspace file, as the CLI keeps it), and that stack's lab:prefix (plain in Pulumi.<stack>.yaml) or lab-<stack>.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { StackPrefix } from "./args";

/** The prefix config.ts derives when lab:prefix is unset. */
export function defaultPrefix(stack: string): string {
  return `lab-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/** The stack Pulumi has selected for the project at `repoRoot`, if any (~/.pulumi/workspaces/<project>-<sha1>-workspace.json). */
export function selectedStack(repoRoot: string, env: Record<string, string | undefined>): string | undefined {
  const projectFile = path.join(repoRoot, "Pulumi.yaml");
  let project: string;
  try { project = String(parse(fs.readFileSync(projectFile, "utf8"))?.name ?? ""); } catch { return undefined; }
  const dir = path.join(env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"), "workspaces");
  const exact = path.join(dir, `${project}-${createHash("sha1").update(projectFile).digest("hex")}-workspace.json`);
  let file = fs.existsSync(exact) ? exact : undefined;
  if (!file && fs.existsSync(dir)) {
    // Another checkout path hashes differently: take the project's only workspace file, never guess between several.
    const mine = fs.readdirSync(dir).filter((f) => f.startsWith(`${project}-`) && f.endsWith("-workspace.json"));
    if (mine.length === 1) file = path.join(dir, mine[0]);
  }
  if (!file) return undefined;
  try {
    const stack = JSON.parse(fs.readFileSync(file, "utf8"))?.stack;
    // A cloud backend writes org/project/stack; the stack's own name is what names Pulumi.<stack>.yaml.
    return typeof stack === "string" && stack ? stack.split("/").pop() : undefined;
  } catch {
    return undefined;
  }
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
    const selected = given ? undefined : selectedStack(repoRoot, env);
    const stack = given ?? selected ?? "dev";
    const from = given ? `stack ${stack}` : selected ? `selected stack ${stack}` : "stack dev (no stack selected)";
    return { stack, prefix: stackPrefix(repoRoot, stack), from };
  };
}
