// Checks one documented shell command against what it names: the lab CLI's commands and flags, Pulumi.yaml's
// config types (and config.ts's validation), the stacks there are, and the Docker names each stack creates.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { HOMEWORK_CATALOG, parseLabConfig } from "../../config";
import { REPO_ROOT } from "../../program/paths";
import { rawConfig } from "../testbed/rawConfig";
import { parseInvocation } from "../../tools/lab/args";
import { ShellCommand } from "./shellBlocks";

export interface DocContext {
  /** The stacks a doc may name: dev and one per homework. */
  stacks: readonly string[];
  /** Pulumi.yaml's declared `lab:` keys with their types. */
  declared: Readonly<Record<string, string>>;
  /** Every Docker name (containers, volumes, networks, images without tag) each stack creates. */
  dockerNames: Readonly<Record<string, ReadonlySet<string>>>;
}

/** The homework whose README this is, if it is one. */
export function homeworkOf(file: string): string | undefined {
  const rel = path.relative(REPO_ROOT, file).split(path.sep);
  return rel[0] === "homeworks" && rel.length === 3 ? rel[1] : undefined;
}

export function declaredKeys(root = REPO_ROOT): Record<string, string> {
  const cfg = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).config as Record<string, { type: string }>;
  return Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, v.type]));
}

const PLACEHOLDER = /^<[^>]*>$|\.\.\./;
const at = (c: ShellCommand) => `${path.relative(REPO_ROOT, c.block.file)}:${c.line}`;
const show = (c: ShellCommand) => c.words.join(" ");

/** A shell variable stands for a value of the flag before it: a value of that flag's shape. */
function sampleFor(flag: string | undefined): string {
  const samples: Record<string, string> = {
    "--source-url": "postgresql://postgres:pw@127.0.0.1:5432/demo", "--connect-url": "http://127.0.0.1:8083",
    "--schema-registry": "http://127.0.0.1:8081", "--bootstrap": "127.0.0.1:9092", "--read-write": "127.0.0.1:5001",
  };
  return samples[flag ?? ""] ?? "1";
}

/** Problems with one command, each naming the file, the line and what is wrong; empty when it holds. */
export function checkCommand(c: ShellCommand, ctx: DocContext): string[] {
  const w = c.words;
  const hw = homeworkOf(c.block.file);
  const problems: string[] = [];
  const bad = (why: string) => problems.push(`${at(c)}: \`${show(c)}\`: ${why}`);
  const stackOfDoc = hw ?? "dev";

  if (w[0] === "npm" && w[1] === "run" && w.includes("lab")) {
    const dashes = w.indexOf("--");
    const args = (dashes < 0 ? [] : w.slice(dashes + 1)).map((a, i, all) => (a.startsWith("$") ? sampleFor(all[i - 1]) : a));
    const placeholder = args.find((a) => PLACEHOLDER.test(a));
    if (placeholder) bad(`${placeholder} is a placeholder: write the command a student can run as is`);
    else {
      const stack = stackOfDoc;
      try {
        const inv = parseInvocation(args, {}, () => ({ stack, prefix: `lab-${stack}`, from: "the doc's stack" }));
        if (["kill", "start"].includes(inv.command) && !ctx.dockerNames[stack]?.has(`lab-${stack}-${inv.args[0]}`)) {
          bad(`stack ${stack} has no container lab-${stack}-${inv.args[0]}`);
        }
      } catch (e) {
        bad((e as Error).message);
      }
    }
  }

  if (w[0] === "pulumi" && w[1] === "stack" && w[2] === "select") {
    const name = w.slice(3).find((x) => !x.startsWith("-"));
    if (!w.includes("--create") && !w.includes("-c")) bad("without --create it fails on a stack that does not exist yet");
    if (!name || !ctx.stacks.includes(name)) bad(`stack ${JSON.stringify(name)} is not one of ${ctx.stacks.join(", ")}`);
    else if (hw && name !== hw) bad(`this is ${hw}'s README: select its own stack`);
  }

  for (let i = 0; i < w.length - 1; i++) {
    if (w[0] === "pulumi" && (w[i] === "--stack" || w[i] === "-s") && !ctx.stacks.includes(w[i + 1])) bad(`stack ${JSON.stringify(w[i + 1])} is not one of ${ctx.stacks.join(", ")}`);
  }

  if (w[0] === "pulumi" && w[1] === "config" && w[2] === "set") problems.push(...checkConfigSet(c, ctx, stackOfDoc).map((p) => `${at(c)}: \`${show(c)}\`: ${p}`));

  for (const word of w) {
    for (const m of word.matchAll(/\blab-([a-z0-9-]+)/g)) {
      const stack = [...ctx.stacks].sort((a, b) => b.length - a.length).find((s) => m[1].startsWith(`${s}-`));
      if (!stack) continue;
      const name = `lab-${m[1]}`;
      if (hw && stack !== hw) bad(`${name} belongs to stack ${stack}; this README's stack is ${hw} (lab-${hw}-...)`);
      else if (!ctx.dockerNames[stack]?.has(name)) bad(`stack ${stack} creates no Docker object named ${name}`);
    }
  }
  return problems;
}

function checkConfigSet(c: ShellCommand, ctx: DocContext, docStack: string): string[] {
  const problems: string[] = [];
  const rest = c.words.slice(3);
  const flags = new Set(rest.filter((x) => x.startsWith("-")));
  const stackFlag = rest.findIndex((x) => x === "--stack" || x === "-s");
  const positional = rest.filter((x, i) => !x.startsWith("-") && !(stackFlag >= 0 && i === stackFlag + 1));
  const stack = stackFlag >= 0 ? rest[stackFlag + 1] : docStack;
  const [key, value] = positional;
  if (!key?.startsWith("lab:")) return [`key ${JSON.stringify(key)}: the lab's keys are lab:<key>`];
  const withPath = flags.has("--path");
  const pathParts = key.slice(4).split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "");
  const top = withPath ? pathParts[0] : key.slice(4);
  const isSecret = top in HOMEWORK_CATALOG.publicSecrets;
  const type = ctx.declared[top];
  if (!type && !isSecret) return [`lab:${top} is neither declared in Pulumi.yaml nor a homework's secret`];
  if (isSecret && !flags.has("--secret")) problems.push(`lab:${top} is a secret: set it with --secret`);
  if ((type === "array" || type === "object") && !withPath) problems.push(`stores a string where Pulumi.yaml declares lab:${top} an ${type}: use --path (e.g. lab:${top}${type === "array" ? "[0]" : ".<key>"})`);
  if (withPath && type !== "array" && type !== "object") problems.push(`--path into lab:${top}, which Pulumi.yaml declares a ${type ?? "secret string"}`);
  if (value !== undefined && PLACEHOLDER.test(value)) problems.push(`value ${value} is a placeholder: typed as shown it sets ${JSON.stringify(value)}`);
  if (problems.length || value === undefined || isSecret) return problems;
  // The value as config.ts would read it: numbers and booleans typed, paths nested.
  const typed = /^-?\d+$/.test(value) ? Number(value) : value === "true" ? true : value === "false" ? false : value;
  let values: Record<string, unknown>;
  if (withPath) {
    const v: unknown = pathParts.length === 1 ? typed : pathParts.slice(1).reduceRight<unknown>((acc, part) => (/^\d+$/.test(part) ? [acc] : { [part]: acc }), typed);
    values = { [top]: v };
  } else values = { [top]: typed };
  try {
    parseLabConfig(rawConfig(values, stack), [top]);
  } catch (e) {
    problems.push(`config.ts refuses it on stack ${stack}: ${(e as Error).message}`);
  }
  return problems;
}
