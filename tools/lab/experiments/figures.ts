// Pure: what an experiment's raw observations (acknowledged writes, times) mean, and the one table it prints.

/** One write the database acknowledged: its id and when the acknowledgement arrived (ms since the epoch). */
export interface AckedWrite { id: number; ackedAt: number }

/** The longest stretch without an acknowledged write, from `from` to `to` (the fault window's edges count). */
export function longestGap(acks: readonly AckedWrite[], from: number, to: number): { ms: number; start: number; end: number } {
  const times = [from, ...acks.map((a) => a.ackedAt).filter((t) => t >= from && t <= to).sort((a, b) => a - b), to];
  let best = { ms: 0, start: from, end: from };
  for (let i = 1; i < times.length; i++) {
    const ms = times[i] - times[i - 1];
    if (ms > best.ms) best = { ms, start: times[i - 1], end: times[i] };
  }
  return best;
}

/** Acknowledged ids the database no longer holds: the writes a failover lost. */
export function lostIds(acked: readonly number[], present: Iterable<number>): number[] {
  const have = new Set(present);
  return [...new Set(acked)].filter((id) => !have.has(id)).sort((a, b) => a - b);
}

/** Failed writes since `from` that a read-only member refused (PostgreSQL's SQLSTATE 25006 message). */
export function readOnlyRefusals(failures: readonly { at: number; error: string }[], from: number): number {
  return failures.filter((x) => x.at >= from && /read-only transaction/.test(x.error)).length;
}

/** Ids present in the source but missing in the destination (CDC), and the other way round. */
export function rowDiff(source: Iterable<number>, destination: Iterable<number>): { missing: number[]; extra: number[] } {
  const src = new Set(source);
  const dst = new Set(destination);
  return {
    missing: [...src].filter((id) => !dst.has(id)).sort((a, b) => a - b),
    extra: [...dst].filter((id) => !src.has(id)).sort((a, b) => a - b),
  };
}

/** What every experiment reports; a figure an experiment does not measure stays undefined and prints as "-". */
export interface ExperimentFigures {
  experiment: string;
  /** The container the fault hit, e.g. lab-dev-pg-1. */
  target: string;
  writesAcked: number;
  /** Longest gap between acknowledged writes while the fault lasted. */
  outageMs?: number;
  /** Acknowledged ids missing afterwards. */
  ackedWritesLost?: number;
  /** Writes refused with "cannot execute INSERT in a read-only transaction": HAProxy sent them to a member not (yet) primary. */
  readOnlyRefusals?: number;
  /** CDC: rows in the source that the destination lacks once it settled. */
  rowsLostSourceVsDestination?: number;
  /** Connect: from the fault until every connector and task is RUNNING again. */
  timeToRunningMs?: number;
  /** From restoring the container until it is back in its role (replica streaming, etcd member healthy...). */
  rejoinMs?: number;
  /** The leader before and after (Patroni experiments). */
  leaderBefore?: string;
  leaderAfter?: string;
  notes?: string[];
}

const ROWS: [keyof ExperimentFigures, string, (v: any) => string][] = [
  ["target", "fault on", String],
  ["leaderBefore", "leader before", String],
  ["leaderAfter", "leader after", String],
  ["writesAcked", "writes acknowledged", String],
  ["outageMs", "outage (longest gap between acked writes)", seconds],
  ["ackedWritesLost", "acked writes lost", String],
  ["readOnlyRefusals", "writes refused as read-only", String],
  ["rowsLostSourceVsDestination", "rows lost, source vs destination", String],
  ["timeToRunningMs", "time to RUNNING (connect)", seconds],
  ["rejoinMs", "rejoin time", seconds],
];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** One two-column table, the same for every experiment; unmeasured figures print "-". */
export function renderFigures(f: ExperimentFigures): string {
  const rows = ROWS.map(([key, label, fmt]) => [label, f[key] === undefined ? "-" : fmt(f[key])]);
  const width = Math.max(...rows.map(([l]) => l.length));
  const line = `+${"-".repeat(width + 2)}+${"-".repeat(Math.max(...rows.map(([, v]) => v.length)) + 2)}+`;
  const valueWidth = line.length - width - 7;
  const out = [`experiment ${f.experiment}`, line, ...rows.map(([l, v]) => `| ${l.padEnd(width)} | ${v.padEnd(valueWidth)} |`), line];
  for (const n of f.notes ?? []) out.push(`note: ${n}`);
  return out.join("\n");
}
