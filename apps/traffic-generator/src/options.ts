// Options of the traffic generator from argv and the environment (flags win). Pure: tested alone.
import { randomBytes } from "crypto";
import { parseArgs } from "util";
import { TRAFFIC_ENV } from "./contract";

export interface TrafficOptions {
  /** Writes go here (HAProxy's read-write port, i.e. the leader). */
  readWriteUrl: string;
  /** Reads go here (HAProxy's read-only port, i.e. a replica). */
  readOnlyUrl: string;
  /** Writes per second, and as many reads. */
  rate: number;
  /** Seconds to run; 0 = until SIGINT/SIGTERM or stop(). */
  durationS: number;
  /** Tag of this run's rows (event_name = "traffic:<runId>:<seq>"). */
  runId: string;
  /** Per-connection connect and statement timeout: an outage is measured, not hidden by a hung socket. */
  timeoutMs: number;
  /** File rewritten with the time of the last acked write, for an honest container healthcheck. */
  statusFile?: string;
  /** Owner the generated events belong to (created if missing). */
  owner: string;
  /** Print one line per operation. */
  verbose: boolean;
}

/** The command line's options (parsed by node:util parseArgs); each string option but max-age-s sets one setting. */
const OPTIONS = {
  "rw-url": { type: "string" }, "ro-url": { type: "string" }, rate: { type: "string" }, duration: { type: "string" },
  "run-id": { type: "string" }, "timeout-ms": { type: "string" }, "status-file": { type: "string" }, owner: { type: "string" },
  "max-age-s": { type: "string" }, quiet: { type: "boolean" }, help: { type: "boolean", short: "h" },
} as const;
type OptionName = keyof typeof OPTIONS;

const SETTING_OF: Partial<Record<OptionName, keyof typeof TRAFFIC_ENV>> = {
  "rw-url": "readWriteUrl", "ro-url": "readOnlyUrl", rate: "rate", duration: "durationS", "run-id": "runId",
  "timeout-ms": "timeoutMs", "status-file": "statusFile", owner: "owner",
};

export const USAGE = `traffic-generator: writes through the read-write URL and reads through the read-only URL at a fixed rate,
logs every operation and prints a summary (acked writes, acked writes missing afterwards, longest outage).

usage: traffic-generator [options]
       traffic-generator health --status-file FILE [--max-age-s N]

options (environment variable in brackets):
  --rw-url URL        read-write PostgreSQL URL, e.g. postgresql://postgres:pw@haproxy:5001/postgres [${TRAFFIC_ENV.readWriteUrl}]
  --ro-url URL        read-only PostgreSQL URL (HAProxy 5002)                                 [${TRAFFIC_ENV.readOnlyUrl}]
  --rate N            writes per second, and as many reads (default 5)                        [${TRAFFIC_ENV.rate}]
  --duration S        seconds to run, 0 = until Ctrl-C / SIGTERM (default 0)                   [${TRAFFIC_ENV.durationS}]
  --run-id ID         tag of this run's rows (default: random)                                 [${TRAFFIC_ENV.runId}]
  --timeout-ms N      connect and statement timeout per operation (default 2000)               [${TRAFFIC_ENV.timeoutMs}]
  --status-file FILE  rewritten after acked writes, read by the health command                 [${TRAFFIC_ENV.statusFile}]
  --owner NAME        owner of the generated events (default traffic-generator)                [${TRAFFIC_ENV.owner}]
  --quiet             no line per operation, only the summary
  --help              this text

health: exits 0 when the status file says a write was acked less than --max-age-s seconds ago (default 15), 1 otherwise.`;

function bad(key: string, value: unknown, why: string): never {
  throw new Error(`traffic-generator ${key} = ${JSON.stringify(value)}: ${why}`);
}

function number(key: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) bad(key, raw, `must be a number in ${min}..${max}`);
  return n;
}

function postgresUrl(key: string, raw: string | undefined): string {
  if (!raw) bad(key, raw ?? "", "is required (a postgresql:// URL)");
  let url: URL;
  try { url = new URL(raw); } catch { bad(key, raw, "is not a URL"); }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") bad(key, raw, "must start with postgresql://");
  return raw;
}

export type Command = { kind: "help" } | { kind: "run"; options: TrafficOptions } | { kind: "health"; statusFile: string; maxAgeS: number };

/** Parses argv (without node and script) and env into a command; throws naming the bad key and value. */
export function parseCommand(argv: string[], env: Record<string, string | undefined>): Command {
  // Not strict: the checks below name the bad argument and value the way every lab error does.
  const { values, tokens } = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  if (values.help) return { kind: "help" };
  const first = tokens[0];
  const health = first?.kind === "positional" && first.value === "health";
  for (const t of tokens) {
    if (t.kind === "positional" && !(health && t.index === 0)) bad("argument", t.value, "unknown option (see --help)");
    if (t.kind !== "option") continue;
    const spec = (OPTIONS as Record<string, { type: string }>)[t.name];
    if (!spec || (t.name === "max-age-s" && !health)) bad("argument", t.rawName, "unknown option (see --help)");
    if (spec.type === "string" && (t.value === undefined || t.value.startsWith("--"))) bad(t.rawName, t.value ?? "", "needs a value");
  }
  const raw: Partial<Record<keyof typeof TRAFFIC_ENV, string>> = {};
  for (const [key, name] of Object.entries(TRAFFIC_ENV) as [keyof typeof TRAFFIC_ENV, string][]) {
    if (env[name] !== undefined && env[name] !== "") raw[key] = env[name];
  }
  for (const [name, setting] of Object.entries(SETTING_OF) as [OptionName, keyof typeof TRAFFIC_ENV][]) {
    const v = values[name];
    if (typeof v === "string") raw[setting] = v;
  }
  const quiet = values.quiet === true;
  const maxAge = typeof values["max-age-s"] === "string" ? values["max-age-s"] : "15";
  if (health) {
    if (!raw.statusFile) bad("--status-file", "", "is required for health");
    return { kind: "health", statusFile: raw.statusFile, maxAgeS: number("--max-age-s", maxAge, 1, 86400) };
  }
  const runId = raw.runId ?? randomBytes(4).toString("hex");
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(runId)) bad("runId", runId, "must be 1..40 letters, digits, '_' or '-'");
  const owner = raw.owner ?? "traffic-generator";
  if (owner.length > 100) bad("owner", owner, "must be at most 100 characters (owners.owner_name)");
  return {
    kind: "run",
    options: {
      readWriteUrl: postgresUrl("readWriteUrl", raw.readWriteUrl),
      readOnlyUrl: postgresUrl("readOnlyUrl", raw.readOnlyUrl),
      rate: number("rate", raw.rate ?? "5", 0.1, 1000),
      durationS: number("durationS", raw.durationS ?? "0", 0, 7 * 24 * 3600),
      runId,
      timeoutMs: number("timeoutMs", raw.timeoutMs ?? "2000", 100, 60_000),
      statusFile: raw.statusFile,
      owner,
      verbose: !quiet,
    },
  };
}
