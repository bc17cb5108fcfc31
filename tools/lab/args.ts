// Pure: `npm run lab -- <command> [args] [--flags]` → what to run and where. Connection details come from flags,
// then LAB_* environment variables, then the stack's loopback defaults (config.ts DEFAULT_PORTS).
import { DEFAULT_PORTS } from "../../config";

export interface Endpoints {
  connectUrl: string;
  bootstrap: string;
  schemaRegistryUrl: string;
  patroniUrl: string;
  sourceUrl: string;
  prefix: string;
}

export interface Invocation {
  command: string;
  args: string[];
  flags: Record<string, string | true>;
  endpoints: Endpoints;
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

/** Flags every command accepts: where the lab's services are. */
const ENDPOINT_FLAGS: Record<string, { env: string; key: keyof Endpoints; dflt: string }> = {
  "connect-url": { env: "LAB_CONNECT_URL", key: "connectUrl", dflt: `http://127.0.0.1:${DEFAULT_PORTS.connect}` },
  "bootstrap": { env: "LAB_KAFKA_BOOTSTRAP", key: "bootstrap", dflt: `127.0.0.1:${DEFAULT_PORTS.kafka}` },
  "schema-registry": { env: "LAB_SCHEMA_REGISTRY_URL", key: "schemaRegistryUrl", dflt: `http://127.0.0.1:${DEFAULT_PORTS.schemaRegistry}` },
  "patroni-url": { env: "LAB_PATRONI_URL", key: "patroniUrl", dflt: "http://127.0.0.1:8008" },
  "source-url": { env: "LAB_SOURCE_URL", key: "sourceUrl", dflt: `postgresql://postgres@127.0.0.1:${DEFAULT_PORTS.postgresPrimary}/demo` },
  "prefix": { env: "LAB_PREFIX", key: "prefix", dflt: "lab-dev" },
};

export const COMMANDS: Record<string, CommandSpec> = {
  connectors: { args: [], help: "list connectors with their state and tasks (list-connectors.sh)" },
  config: { args: ["connector"], help: "print a connector's config (connector-config.sh)" },
  status: { args: ["connector"], help: "print a connector's status" },
  pause: { args: ["connector"], help: "pause a connector (pause-connector.sh)" },
  resume: { args: ["connector"], help: "resume a paused connector (resume-connectors.sh)" },
  restart: { args: ["connector"], help: "restart a connector and its tasks (restart-connectors.sh)" },
  delete: { args: ["connector"], help: "delete a connector (delete-connector.sh)" },
  topics: { args: [], help: "list Kafka topics (kafka-topics.sh)" },
  consume: {
    args: ["topic"], flags: ["max", "timeout", "from-beginning", "avro"],
    help: "print records as JSON lines; --avro decodes with the schema registry (kafka-console-consumer.sh, kafka-avro-console-consumer.sh)",
  },
  switchover: { args: [], flags: ["leader", "candidate"], help: "Patroni switchover through its REST API (patronictl.sh switchover)" },
  kill: { args: ["service"], flags: ["signal"], help: "docker kill <prefix>-<service> (kill.sh)" },
  "signal-snapshot": {
    args: ["table"], variadic: true, flags: ["signal-table"],
    help: "request an incremental snapshot of schema.table... through the signal table (signal-snapshot.sh)",
  },
  compatibility: {
    args: [], optional: ["level"], flags: ["subject"],
    help: "get, or set with <level>, the schema registry compatibility (get/set-compatibility-level.sh)",
  },
  help: { args: [], help: "this text" },
};

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
    const flags = (c.flags ?? []).map((f) => `[--${f}${["from-beginning", "avro"].includes(f) ? "" : " X"}]`).join(" ");
    return `  ${[name, args, flags].filter(Boolean).join(" ").padEnd(58)} ${c.help}`;
  });
  const endpoints = Object.entries(ENDPOINT_FLAGS).map(([flag, e]) => `  --${flag.padEnd(16)} ${e.env.padEnd(24)} default ${e.dflt}`);
  return ["usage: npm run lab -- <command> [arguments] [flags]", "", "commands:", ...lines, "",
    "where the lab is (flag, environment variable, default):", ...endpoints, ""].join("\n");
}

const BOOLEAN_FLAGS = new Set(["from-beginning", "avro"]);

/** Parses argv (without node and the script) and the environment; throws UsageError naming what is wrong. */
export function parseInvocation(argv: string[], env: Record<string, string | undefined>): Invocation {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) { positional.push(a); continue; }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (BOOLEAN_FLAGS.has(name) && eq < 0) { flags[name] = true; continue; }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") throw new UsageError(`flag --${name} needs a value`);
    flags[name] = value;
  }
  const [command = "help", ...args] = positional;
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(", ")}`);
  for (const f of Object.keys(flags)) {
    if (!(f in ENDPOINT_FLAGS) && !(spec.flags ?? []).includes(f)) {
      throw new UsageError(`${command}: unknown flag --${f}; it takes: ${[...(spec.flags ?? []), ...Object.keys(ENDPOINT_FLAGS)].map((x) => `--${x}`).join(", ")}`);
    }
  }
  if (args.length < spec.args.length) throw new UsageError(`${command}: missing argument <${spec.args[args.length]}>`);
  const max = spec.args.length + (spec.optional ?? []).length;
  if (!spec.variadic && args.length > max) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(args[max])}`);
  const endpoints = {} as Endpoints;
  for (const [flag, e] of Object.entries(ENDPOINT_FLAGS)) {
    const v = flags[flag] ?? env[e.env] ?? e.dflt;
    endpoints[e.key] = String(v).replace(/\/+$/, "");
  }
  for (const key of ["connectUrl", "schemaRegistryUrl", "patroniUrl"] as const) {
    if (!/^https?:\/\/[^/\s]+/.test(endpoints[key])) throw new UsageError(`${key} = ${JSON.stringify(endpoints[key])}: must be an http(s) URL`);
  }
  if (!/^postgres(ql)?:\/\//.test(endpoints.sourceUrl)) throw new UsageError(`sourceUrl = ${JSON.stringify(endpoints.sourceUrl.replace(/:[^:@/]*@/, ":***@"))}: must be a postgresql:// URL`);
  checkCommand(command, args, flags);
  return { command, args, flags, endpoints };
}

/** Per-command checks of argument values. */
function checkCommand(command: string, args: string[], flags: Record<string, string | true>): void {
  if (command === "consume") {
    for (const f of ["max", "timeout"]) {
      if (flags[f] !== undefined && !/^[1-9]\d*$/.test(String(flags[f]))) throw new UsageError(`consume: --${f} = ${JSON.stringify(flags[f])}: must be a positive integer`);
    }
  }
  if (command === "signal-snapshot") {
    for (const t of args) if (!/^[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/.test(t)) throw new UsageError(`signal-snapshot: table ${JSON.stringify(t)} must be schema.table`);
    const st = flags["signal-table"];
    if (st !== undefined && !/^[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/.test(String(st))) throw new UsageError(`signal-snapshot: --signal-table = ${JSON.stringify(st)} must be schema.table`);
  }
  if (command === "compatibility" && args[0] !== undefined && !COMPATIBILITY_LEVELS.includes(args[0].toUpperCase())) {
    throw new UsageError(`compatibility: level ${JSON.stringify(args[0])} is not one of ${COMPATIBILITY_LEVELS.join(", ")}`);
  }
  if (command === "kill") {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(args[0])) throw new UsageError(`kill: service ${JSON.stringify(args[0])} is not a container service name`);
    if (flags.signal !== undefined && !/^(SIG)?[A-Z0-9]+$/.test(String(flags.signal))) throw new UsageError(`kill: --signal = ${JSON.stringify(flags.signal)} is not a signal name`);
  }
}

/** The row Debezium's signal table takes for an incremental snapshot of `tables`. */
export function snapshotSignal(id: string, tables: string[]): { id: string; type: string; data: string } {
  return { id, type: "execute-snapshot", data: JSON.stringify({ "data-collections": tables, type: "incremental" }) };
}
