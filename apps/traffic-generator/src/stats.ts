// What the traffic generator measured, computed from its operation records. Pure: tested alone.

export type OpKind = "write" | "read";

export interface OpRecord {
  op: OpKind;
  /** Epoch ms when the operation started and ended. */
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** Write sequence number within the run (writes only). */
  seq?: number;
  /** host:port of the PostgreSQL server that answered (inet_server_addr/port). */
  server?: string;
  /** Whether that server was a replica (pg_is_in_recovery) when it answered. */
  role?: "leader" | "replica";
  error?: string;
}

export interface TrafficSummary {
  runId: string;
  durationS: number;
  writes: { attempted: number; acked: number; failed: number };
  reads: { attempted: number; ok: number; failed: number };
  /** Acked writes not found when re-read through the read-write URL; null when that check could not run. */
  missingAckedWrites: number | null;
  missingSeqs: number[];
  /** Longest time without an acked write / a good read, in seconds (only counts gaps that contained a failure). */
  longestWriteOutageS: number;
  longestReadOutageS: number;
  /** Which servers answered, with counts. */
  writeServers: Record<string, number>;
  readServers: Record<string, number>;
}

/** Longest stretch (ms) from the last success before a failure to the next success (or to `endAt` if none came). */
export function longestOutageMs(records: readonly OpRecord[], op: OpKind, startAt: number, endAt: number): number {
  const ops = records.filter((r) => r.op === op).sort((a, b) => a.endedAt - b.endedAt);
  let lastOk = startAt;
  let failedSinceOk = false;
  let longest = 0;
  for (const r of ops) {
    if (!r.ok) { failedSinceOk = true; continue; }
    if (failedSinceOk) longest = Math.max(longest, r.endedAt - lastOk);
    lastOk = r.endedAt;
    failedSinceOk = false;
  }
  if (failedSinceOk) longest = Math.max(longest, endAt - lastOk);
  return longest;
}

/** Sequence numbers of acked writes whose rows were not found. */
export function missingAcked(records: readonly OpRecord[], foundSeqs: ReadonlySet<number>): number[] {
  return records.filter((r) => r.op === "write" && r.ok && r.seq !== undefined && !foundSeqs.has(r.seq))
    .map((r) => r.seq as number).sort((a, b) => a - b);
}

/** The event_name a write stores, and the way back from it. */
export function eventName(runId: string, seq: number): string {
  return `traffic:${runId}:${seq}`;
}

export function seqOf(runId: string, name: string): number | undefined {
  const prefix = `traffic:${runId}:`;
  if (!name.startsWith(prefix)) return undefined;
  const n = Number(name.slice(prefix.length));
  return Number.isInteger(n) ? n : undefined;
}

function countBy(records: readonly OpRecord[], op: OpKind): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) if (r.op === op && r.ok && r.server) counts[r.server] = (counts[r.server] ?? 0) + 1;
  return counts;
}

export function summarize(runId: string, records: readonly OpRecord[], startAt: number, endAt: number,
  foundSeqs: ReadonlySet<number> | null): TrafficSummary {
  const tally = (op: OpKind) => {
    const all = records.filter((r) => r.op === op);
    const ok = all.filter((r) => r.ok).length;
    return { attempted: all.length, ok, failed: all.length - ok };
  };
  const w = tally("write");
  const missing = foundSeqs ? missingAcked(records, foundSeqs) : [];
  return {
    runId,
    durationS: round((endAt - startAt) / 1000),
    writes: { attempted: w.attempted, acked: w.ok, failed: w.failed },
    reads: tally("read"),
    missingAckedWrites: foundSeqs ? missing.length : null,
    missingSeqs: missing,
    longestWriteOutageS: round(longestOutageMs(records, "write", startAt, endAt) / 1000),
    longestReadOutageS: round(longestOutageMs(records, "read", startAt, endAt) / 1000),
    writeServers: countBy(records, "write"),
    readServers: countBy(records, "read"),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** One log line per operation: time, op, ok/error, latency, server (and the error). */
export function formatOp(r: OpRecord): string {
  const parts = [
    new Date(r.endedAt).toISOString(), r.op.padEnd(5), r.ok ? "ok   " : "error",
    `${(r.endedAt - r.startedAt).toFixed(0).padStart(5)}ms`, r.server ?? "-",
  ];
  if (r.role) parts.push(r.role);
  if (r.seq !== undefined) parts.push(`seq=${r.seq}`);
  if (r.error) parts.push(r.error);
  return parts.join(" ");
}

export function formatSummary(s: TrafficSummary): string {
  const servers = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(" ") || "-";
  return [
    `run ${s.runId}: ${s.durationS}s`,
    `writes: ${s.writes.acked} acked / ${s.writes.attempted} attempted (${s.writes.failed} failed), servers: ${servers(s.writeServers)}`,
    `reads:  ${s.reads.ok} ok / ${s.reads.attempted} attempted (${s.reads.failed} failed), servers: ${servers(s.readServers)}`,
    `acked writes missing afterwards: ${s.missingAckedWrites ?? "unknown (re-read failed)"}${s.missingSeqs.length ? ` (seq ${s.missingSeqs.slice(0, 20).join(",")})` : ""}`,
    `longest write outage: ${s.longestWriteOutageS}s, longest read outage: ${s.longestReadOutageS}s, read errors: ${s.reads.failed}`,
  ].join("\n");
}

/** Contents of the status file the healthcheck reads. */
export interface TrafficStatus {
  runId: string;
  lastAckedWriteAt: number | null;
  acked: number;
  updatedAt: number;
}

/** Healthy while a write was acked less than maxAgeS ago; the reason either way. */
export function healthOf(status: TrafficStatus | undefined, now: number, maxAgeS: number): { healthy: boolean; reason: string } {
  if (!status) return { healthy: false, reason: "no status file yet" };
  if (status.lastAckedWriteAt === null) return { healthy: false, reason: `run ${status.runId}: no write acked yet` };
  const age = (now - status.lastAckedWriteAt) / 1000;
  return age <= maxAgeS
    ? { healthy: true, reason: `run ${status.runId}: last write acked ${age.toFixed(1)}s ago (${status.acked} acked)` }
    : { healthy: false, reason: `run ${status.runId}: last write acked ${age.toFixed(1)}s ago, more than ${maxAgeS}s` };
}
