// Pure: `npm run lab -- <command> [args] [--flags]` → what to run and where (node:util parseArgs). Where the lab is:
// flags, then LAB_* environment variables, then what the running containers say (tools/lab/docker.ts, found by the
// labels lab.prefix/lab.service); the prefix defaults to the selected stack's (lab-<stack>, or its lab:prefix).
import { parseArgs } from "util";
import { EXPERIMENT_NAMES } from "./experiments/names";

/** Where the lab's services are; unset endpoints are looked up in Docker when a command needs them. */
export interface Where {
  prefix: string;
  /** How the prefix was chosen, for error messages. */
  prefixFrom: string;
  connectUrls?: string[];
  bootstrap?: string;
  schemaRegistryUrl?: string;
  /** host:port of HAProxy's read-write port (experiments write through it). */
  readWrite?: string;
  sourceUrl: string;
}

export interface Invocation {
  command: string;
  args: string[];
  flags: Record<string, string | boolean | undefined>;
  where: Where;
}

interface CommandSpec {
  args: string[];
  /** Optional trailing arguments (shown in brackets). */
  optional?: string[];
  /** More than the listed arguments allowed (e.g. several tables). */
  variadic?: boolean;
  flags?: string[];
  help: string;
}

/** Flags every command accepts: where the lab is. */
const WHERE_FLAGS: Record<string, { env: string; help: string }> = {
  prefix: { env: "LAB_PREFIX", help: "the lab's Docker prefix (default: the selected stack's)" },
  stack: { env: "LAB_STACK", help: "the stack whose prefix to use (default: `pulumi stack select`'s, else dev)" },
  "connect-url": { env: "LAB_CONNECT_URL", help: "Connect workers' REST URLs, comma-separated (default: every connect-N container)" },
  bootstrap: { env: "LAB_KAFKA_BOOTSTRAP", help: "Kafka bootstrap host:port (default: the kafka container's port)" },
  "schema-registry": { env: "LAB_SCHEMA_REGISTRY_URL", help: "schema registry URL (default: the schema-registry container's port)" },
  "read-write": { env: "LAB_READ_WRITE", help: "HAProxy read-write host:port (default: the haproxy container's)" },
  "source-url": { env: "LAB_SOURCE_URL", help: "source database URL for signal-snapshot" },
};

const DEFAULT_SOURCE_URL = "postgresql://postgres@127.0.0.1:5432/demo";

export const COMMANDS: Record<string, CommandSpec> = {
  status: { args: [], optional: ["connector"], help: "every container of the lab: health, Patroni roles, connectors, URLs; with <connector>: its Connect status" },
  connectors: { args: [], help: "list connectors with their state and tasks (list-connectors.sh)" },
  config: { args: ["connector"], help: "print a connector's config (connector-config.sh)" },
  pause: { args: ["connector"], help: "pause a connector (pause-connector.sh)" },
  resume: { args: ["connector"], help: "resume a paused connector (resume-connectors.sh)" },
  restart: { args: ["connector"], help: "restart a connector and its tasks (restart-connectors.sh)" },
  delete: { args: ["connector"], help: "delete a connector (delete-connector.sh)" },
  topics: { args: [], help: "list Kafka topics (kafka-topics.sh)" },
  consume: {
    args: ["topic"], flags: ["max", "timeout", "from-beginning", "avro"],
    help: "print up to --max records (10) as JSON lines; --avro decodes with the schema registry (kafka-console-consumer.sh, kafka-avro-console-consumer.sh)",
  },
  switchover: { args: [], flags: ["leader", "candidate"], help: "patronictl switchover through docker exec (patronictl.sh switchover)" },
  kill: { args: ["service"], flags: ["signal"], help: "docker kill the lab's <service> container, found by its labels (kill.sh)" },
  start: { args: ["service"], help: "docker start the lab's <service> container again" },
  experiment: {
    args: ["name"], flags: ["rate", "settle"],
    help: `run a seed experiment under traffic and print its figures: ${EXPERIMENT_NAMES.join(", ")}`,
  },
  "signal-snapshot": {
    args: ["table"], variadic: true, flags: ["signal-table"],
    help: "request an incremental snapshot of schema.table... through the signal table (signal-snapshot.sh)",
  },
  compatibility: {
    args: [], optional: ["level"], flags: ["subject"],
    help: "get, or set with <level>, the schema registry compatibility (get/set-compatibility-level.sh)",
  },
  check: {
    args: [], flags: ["json"],
    help: "run the homework's own checks against the lab: one line per check, pass/fail with its figure; exit 1 on any failure; --json for a grader",
  },
  repair: {
    args: [],
    help: "after a killed `pulumi up`: pulumi cancel, clear its pending creates (refresh), remove the lab's containers the state does not know; volumes stay",
  },
  help: { args: [], help: "this text" },
};

const BOOLEAN_FLAGS = ["from-beginning", "avro", "json"];
const VALUE_FLAGS = [...new Set([...Object.keys(WHERE_FLAGS), ...Object.values(COMMANDS).flatMap((c) => c.flags ?? [])])].filter((f) => !BOOLEAN_FLAGS.includes(f));

export const COMPATIBILITY_LEVELS = ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => {
    const args = [...c.args.map((a) => `<${a}>${c.variadic ? "..." : ""}`), ...(c.optional ?? []).map((a) => `[${a}]`)].join(" ");
    const flags = (c.flags ?? []).map((f) => `[--${f}${BOOLEAN_FLAGS.includes(f) ? "" : " X"}]`).join(" ");
    return `  ${[name, args, flags].filter(Boolean).join(" ").padEnd(58)} ${c.help}`;
  });
  const where = Object.entries(WHERE_FLAGS).map(([flag, e]) => `  --${flag.padEnd(16)} ${e.env.padEnd(24)} ${e.help}`);
  return ["usage: npm run lab -- <command> [arguments] [flags]", "", "commands:", ...lines, "",
    "where the lab is (flag, environment variable, default):", ...where, ""].join("\n");
}

/** The selected stack and its prefix; called only when neither --prefix nor LAB_PREFIX says it. */
export type StackPrefix = (stack: string | undefined) => { stack: string; prefix: string; from: string };

const PREFIX = /^[a-z][a-z0-9-]{0,60}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Parses argv (without node and the script) and the environment; throws UsageError naming what is wrong. */
export function parseInvocation(argv: string[], env: Record<string, string | undefined>, stackPrefix: StackPrefix): Invocation {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: Object.fromEntries([
        ...BOOLEAN_FLAGS.map((f) => [f, { type: "boolean" as const }]),
        ...VALUE_FLAGS.map((f) => [f, { type: "string" as const }]),
      ]),
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]);
  }
  const flags = { ...parsed.values } as Record<string, string | boolean | undefined>;
  const [command = "help", ...args] = parsed.positionals;
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(", ")}`);
  for (const f of Object.keys(flags)) {
    if (!(f in WHERE_FLAGS) && !(spec.flags ?? []).includes(f)) {
      throw new UsageError(`${command}: unknown flag --${f}; it takes: ${[...(spec.flags ?? []), ...Object.keys(WHERE_FLAGS)].map((x) => `--${x}`).join(", ")}`);
    }
    if (typeof flags[f] === "string" && (flags[f] as string).trim() === "") throw new UsageError(`flag --${f} needs a value`);
  }
  if (args.length < spec.args.length) throw new UsageError(`${command}: missing argument <${spec.args[args.length]}>`);
  const max = spec.args.length + (spec.optional ?? []).length;
  if (!spec.variadic && args.length > max) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(args[max])}`);
  checkCommand(command, args, flags);
  return { command, args, flags, where: whereOf(flags, env, stackPrefix) };
}

const value = (flags: Invocation["flags"], env: Record<string, string | undefined>, flag: string): string | undefined => {
  const v = flags[flag] ?? env[WHERE_FLAGS[flag].env];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
};

function whereOf(flags: Invocation["flags"], env: Record<string, string | undefined>, stackPrefix: StackPrefix): Where {
  let prefix = value(flags, env, "prefix");
  let prefixFrom = flags.prefix ? "--prefix" : "LAB_PREFIX";
  if (!prefix) {
    const s = stackPrefix(value(flags, env, "stack"));
    prefix = s.prefix;
    prefixFrom = s.from;
  }
  if (!PREFIX.test(prefix)) throw new UsageError(`prefix = ${JSON.stringify(prefix)} (${prefixFrom}): must be a lab prefix such as lab-dev`);
  const where: Where = { prefix, prefixFrom, sourceUrl: value(flags, env, "source-url") ?? DEFAULT_SOURCE_URL };
  const connect = value(flags, env, "connect-url");
  if (connect) {
    where.connectUrls = connect.split(",").map((u) => u.trim().replace(/\/+$/, "")).filter(Boolean);
    for (const u of where.connectUrls) if (!/^https?:\/\/[^/\s]+$/.test(u)) throw new UsageError(`connectUrl = ${JSON.stringify(u)}: must be an http(s) URL`);
  }
  const registry = value(flags, env, "schema-registry");
  if (registry) {
    where.schemaRegistryUrl = registry.replace(/\/+$/, "");
    if (!/^https?:\/\/[^/\s]+/.test(where.schemaRegistryUrl)) throw new UsageError(`schemaRegistryUrl = ${JSON.stringify(registry)}: must be an http(s) URL`);
  }
  for (const [flag, key] of [["bootstrap", "bootstrap"], ["read-write", "readWrite"]] as const) {
    const v = value(flags, env, flag);
    if (v === undefined) continue;
    if (!HOST_PORT.test(v)) throw new UsageError(`--${flag} = ${JSON.stringify(v)}: must be host:port`);
    where[key] = v;
  }
  if (!/^postgres(ql)?:\/\//.test(where.sourceUrl)) throw new UsageError(`sourceUrl = ${JSON.stringify(where.sourceUrl.replace(/:[^:@/]*@/, ":***@"))}: must be a postgresql:// URL`);
  return where;
}

const positive = (command: string, flags: Invocation["flags"], f: string) => {
  if (flags[f] !== undefined && !/^[1-9]\d*$/.test(String(flags[f]))) throw new UsageError(`${command}: --${f} = ${JSON.stringify(flags[f])}: must be a positive integer`);
};

/** Per-command checks of argument values. */
function checkCommand(command: string, args: string[], flags: Invocation["flags"]): void {
  if (command === "consume") for (const f of ["max", "timeout"]) positive(command, flags, f);
  if (command === "experiment") {
    for (const f of ["rate", "settle"]) positive(command, flags, f);
    if (!(EXPERIMENT_NAMES as readonly string[]).includes(args[0])) throw new UsageError(`experiment: ${JSON.stringify(args[0])} is not one of ${EXPERIMENT_NAMES.join(", ")}`);
  }
  if (command === "signal-snapshot") {
    for (const t of args) if (!/^[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/.test(t)) throw new UsageError(`signal-snapshot: table ${JSON.stringify(t)} must be schema.table`);
    const st = flags["signal-table"];
    if (st !== undefined && !/^[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/.test(String(st))) throw new UsageError(`signal-snapshot: --signal-table = ${JSON.stringify(st)} must be schema.table`);
  }
  if (command === "compatibility" && args[0] !== undefined && !COMPATIBILITY_LEVELS.includes(args[0].toUpperCase())) {
    throw new UsageError(`compatibility: level ${JSON.stringify(args[0])} is not one of ${COMPATIBILITY_LEVELS.join(", ")}`);
  }
  if (command === "kill" || command === "start") {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(args[0])) throw new UsageError(`${command}: service ${JSON.stringify(args[0])} is not a container service name`);
  }
  if (command === "kill" && flags.signal !== undefined && !/^(SIG)?[A-Z0-9]+$/.test(String(flags.signal))) {
    throw new UsageError(`kill: --signal = ${JSON.stringify(flags.signal)} is not a signal name`);
  }
}

/** The row Debezium's signal table takes for an incremental snapshot of `tables`. */
export function snapshotSignal(id: string, tables: string[]): { id: string; type: string; data: string } {
  return { id, type: "execute-snapshot", data: JSON.stringify({ "data-collections": tables, type: "incremental" }) };
}
