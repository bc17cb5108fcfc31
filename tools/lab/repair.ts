// `npm run lab -- repair`: after a killed `pulumi up` (two Ctrl-C, a closed terminal, a laptop asleep) the stack is
// locked, the resources it was creating are pending in the state, and the containers Docker already made are in no
// state, so the next `up` fails on their fixed names. Through the Pulumi CLI: cancel the update, clear the pending
// creates (refresh), then remove the lab's containers and networks the state does not know. Named volumes (the data)
// are never touched; the next `pulumi up` creates what is missing and reattaches them.
import { spawn } from "child_process";
import { Invocation } from "./args";
import { LabDocker } from "./docker";
import { selectedStack } from "./stack";

export type Print = (line: string) => void;

export interface RepairTarget {
  stack: string;
  /** The Docker prefixes of the stack's objects (lab.prefix labels). */
  prefixes: string[];
  /** The Pulumi project's folder. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

interface PulumiRun { code: number | null; stdout: string; stderr: string }

/** Runs the Pulumi CLI non-interactively in the project, bounded; never rejects on a non-zero exit. */
export function pulumiCli(t: Pick<RepairTarget, "cwd" | "env">, args: string[], timeoutMs = 600_000): Promise<PulumiRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", ["--non-interactive", "--color", "never", ...args], { cwd: t.cwd, env: t.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === "ENOENT" ? new Error("the pulumi CLI is not on PATH: repair runs it (pulumi cancel, refresh, stack export)") : e);
    });
    child.once("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

async function pulumiOk(t: RepairTarget, args: string[]): Promise<PulumiRun> {
  const r = await pulumiCli(t, args);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`);
  return r;
}

/** What the repair reads of `pulumi stack export`: resource ids and pending operations. */
export interface Checkpoint {
  ids: Set<string>;
  pending: { type: string; urn: string }[];
}

export function readCheckpoint(exported: string): Checkpoint {
  const deployment = JSON.parse(exported)?.deployment ?? {};
  const resources = (deployment.resources ?? []) as { id?: string }[];
  const pending = ((deployment.pending_operations ?? []) as { type: string; resource: { urn: string } }[])
    .map((p) => ({ type: p.type, urn: p.resource.urn }));
  return { ids: new Set(resources.map((r) => r.id).filter((id): id is string => !!id)), pending };
}

/** `<type> <name>` of a URN, as `pulumi up` prints a resource. */
const shortUrn = (urn: string) => { const parts = urn.split("::"); return `${parts[2]?.split("$").pop()} ${parts[3]}`; };

/** Brings a stack left by a killed `pulumi up` back to where `pulumi up` converges; prints each step it took. */
export async function repairStack(t: RepairTarget, docker: LabDocker, print: Print): Promise<void> {
  print(`repair: stack ${t.stack}, Docker prefix ${t.prefixes.join(", ")}`);
  let changed = false;
  // A file backend's cancel removes whatever lock is there (and succeeds without one); the Pulumi Cloud cancels its
  // active update, or says there is none.
  const cancel = await pulumiCli(t, ["cancel", "--yes", "--stack", t.stack]);
  if (cancel.code === 0) print("- pulumi cancel: no update holds the stack's lock any more");
  else if (!/has never been updated|no (active )?update|not currently being updated/i.test(cancel.stderr + cancel.stdout)) {
    throw new Error(`pulumi cancel --stack ${t.stack} exited ${cancel.code}: ${(cancel.stderr || cancel.stdout).trim()}`);
  }
  const exported = async () => readCheckpoint((await pulumiOk(t, ["stack", "export", "--stack", t.stack])).stdout);
  let state = await exported();
  if (state.pending.length) {
    // Refresh is the CLI's own way to drop pending creates (and it reads every other resource back as it is).
    await pulumiOk(t, ["refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--stack", t.stack]);
    print(`- pulumi refresh --clear-pending-creates: cleared ${state.pending.length} pending operation(s): ${state.pending.map((p) => `${p.type} ${shortUrn(p.urn)}`).join(", ")}`);
    changed = true;
    state = await exported();
    if (state.pending.length) throw new Error(`the state still holds pending operations after refresh: ${state.pending.map((p) => `${p.type} ${shortUrn(p.urn)}`).join(", ")}`);
  }
  const strays = (await docker.labObjects(t.prefixes)).filter((o) => !state.ids.has(o.id));
  // Containers first: a network goes only once nothing is attached to it.
  for (const kind of ["container", "network"] as const) {
    const these = strays.filter((o) => o.kind === kind);
    if (these.length === 0) continue;
    for (const o of these) await (kind === "container" ? docker.removeContainer(o.id) : docker.removeNetwork(o.id));
    print(`- removed ${these.length} ${kind}(s) the state does not know (an interrupted create made them): ${these.map((o) => o.name).join(", ")}` +
      (kind === "container" ? "; their named volumes, and the data in them, stay" : ""));
    changed = true;
  }
  print(changed ? "done: `pulumi up` now creates what is missing, reattaching the volumes" : "nothing else to repair: no pending operation, no container or network outside the state");
}

/**
 * The stack to repair (--stack, LAB_STACK, else `pulumi stack select`'s: repair never guesses dev) and its Docker
 * prefixes: the lab's prefix, and <prefix>-<homework> for each when lab:homeworks names several (program/compose.ts).
 */
export async function repairTarget(inv: Invocation, env: NodeJS.ProcessEnv, cwd: string): Promise<RepairTarget> {
  const given = [inv.flags.stack, env.LAB_STACK].find((s): s is string => typeof s === "string" && s.trim() !== "");
  let stack = given?.trim();
  if (!stack) {
    const selected = selectedStack(cwd, env);
    if ("none" in selected) throw new Error(`which stack? ${selected.none}: pulumi stack select <stack>, or pass --stack`);
    stack = selected.stack;
  }
  const hw = await pulumiCli({ cwd, env }, ["config", "get", "lab:homeworks", "--stack", stack], 60_000);
  let homeworks: string[] = [];
  try { homeworks = hw.code === 0 ? JSON.parse(hw.stdout) : []; } catch { /* unset: one homework, the plain prefix */ }
  const prefix = inv.where.prefix;
  return { stack, cwd, env, prefixes: [prefix, ...(homeworks.length > 1 ? homeworks.map((h) => `${prefix}-${h}`) : [])] };
}
