// The traffic generator's I/O: one write lane through the read-write URL, one read lane through the read-only URL,
// each a single connection that is dropped on any error and re-opened (through HAProxy, to whoever leads now).
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import { TrafficOptions } from "./options";
import { OpKind, OpRecord, TrafficStatus, TrafficSummary, eventName, seqOf, summarize } from "./stats";

export interface TrafficHooks {
  /** Called after every operation (the CLI prints formatOp(record)). */
  onOp?(record: OpRecord): void;
  /** How long stop() keeps trying to re-read the run's rows through the read-write URL. */
  verifyTimeoutMs?: number;
}

export interface TrafficRun {
  runId: string;
  /** Every operation so far, in completion order. */
  readonly records: readonly OpRecord[];
  /** Live counters, e.g. to wait until writes resume after a failover. */
  stats(): { acked: number; lastAckedWriteAt: number | null; writeErrors: number; readsOk: number; readErrors: number };
  /** Resolves when the lanes have finished (duration reached or stop() called). */
  done: Promise<void>;
  /** Stops the lanes, re-reads the run's rows through the read-write URL and returns the summary. Idempotent. */
  stop(): Promise<TrafficSummary>;
}

/** PostgreSQL's warning when a commit stopped waiting for the synchronous standby: committed locally, not acked. */
const SYNC_WAIT_CANCELLED = /canceling (the )?wait for synchronous replication/i;

class Lane {
  private client?: Client;
  private notices: string[] = [];
  constructor(private readonly url: string, private readonly timeoutMs: number, private readonly name: string) {}

  /** Runs one statement; any failure drops the connection so the next try reconnects. */
  async query<T>(sql: string, params: unknown[]): Promise<{ rows: T[]; notices: string[] }> {
    this.notices = [];
    try {
      if (!this.client) {
        const client = new Client({
          connectionString: this.url,
          connectionTimeoutMillis: this.timeoutMs,
          statement_timeout: this.timeoutMs,
          query_timeout: this.timeoutMs + 500, // client side: a dead peer that never answers
          keepAlive: true,
          application_name: `traffic-generator-${this.name}`,
        });
        client.on("error", () => this.drop(client));
        client.on("notice", (n) => this.notices.push(n.message ?? String(n)));
        this.client = client;
        await client.connect();
      }
      const res = await this.client.query(sql, params as any[]);
      return { rows: res.rows as T[], notices: this.notices };
    } catch (e) {
      this.drop(this.client);
      throw e;
    }
  }

  drop(client: Client | undefined): void {
    if (!client) return;
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
  }

  close(): void { this.drop(this.client); }
}

function message(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return `${err.code ? `${err.code} ` : ""}${err.message ?? String(e)}`.replace(/\s+/g, " ").slice(0, 200);
}

interface ServerRow { addr: string | null; port: number | null; replica?: boolean }
const server = (r: ServerRow | undefined) => (r ? `${r.addr ?? "local"}:${r.port ?? "-"}` : undefined);

/** Writes the status file atomically (rename), so the health command never reads half a file. */
function writeStatus(file: string, status: TrafficStatus): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(status));
  fs.renameSync(tmp, file);
}

export function startTraffic(opts: TrafficOptions, hooks: TrafficHooks = {}): TrafficRun {
  const records: OpRecord[] = [];
  const startAt = Date.now();
  let stopping = false;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => { wake = resolve; });
  let seq = 0;
  let acked = 0;
  let lastAckedWriteAt: number | null = null;
  let ownerReady = false;
  let statusWrittenAt = 0;
  const writer = new Lane(opts.readWriteUrl, opts.timeoutMs, "write");
  const reader = new Lane(opts.readOnlyUrl, opts.timeoutMs, "read");

  const status = (): TrafficStatus => ({ runId: opts.runId, lastAckedWriteAt, acked, updatedAt: Date.now() });
  if (opts.statusFile) writeStatus(opts.statusFile, status());

  const record = (r: OpRecord) => { records.push(r); hooks.onOp?.(r); };

  async function write(): Promise<void> {
    const mySeq = ++seq;
    const startedAt = Date.now();
    try {
      if (!ownerReady) {
        await writer.query("INSERT INTO owners (owner_name) VALUES ($1) ON CONFLICT (owner_name) DO NOTHING", [opts.owner]);
        ownerReady = true;
      }
      const { rows, notices } = await writer.query<ServerRow>(
        "INSERT INTO events (event_name, owner_name) VALUES ($1, $2) RETURNING host(inet_server_addr()) AS addr, inet_server_port() AS port",
        [eventName(opts.runId, mySeq), opts.owner]);
      const unconfirmed = notices.find((n) => SYNC_WAIT_CANCELLED.test(n));
      if (unconfirmed) throw new Error(`not acked: ${unconfirmed}`);
      const endedAt = Date.now();
      acked++;
      lastAckedWriteAt = endedAt;
      record({ op: "write", startedAt, endedAt, ok: true, seq: mySeq, server: server(rows[0]) });
      if (opts.statusFile && endedAt - statusWrittenAt >= 1000) {
        statusWrittenAt = endedAt;
        writeStatus(opts.statusFile, status());
      }
    } catch (e) {
      record({ op: "write", startedAt, endedAt: Date.now(), ok: false, seq: mySeq, error: message(e) });
    }
  }

  async function read(): Promise<void> {
    const startedAt = Date.now();
    try {
      const { rows } = await reader.query<ServerRow>(
        "SELECT host(inet_server_addr()) AS addr, inet_server_port() AS port, pg_is_in_recovery() AS replica, (SELECT max(id) FROM events) AS last_id", []);
      record({ op: "read", startedAt, endedAt: Date.now(), ok: true, server: server(rows[0]), role: rows[0]?.replica ? "replica" : "leader" });
    } catch (e) {
      record({ op: "read", startedAt, endedAt: Date.now(), ok: false, error: message(e) });
    }
  }

  // A fixed rate per lane; a slow operation delays the next one instead of piling up concurrent ones.
  async function lane(op: OpKind, run: () => Promise<void>): Promise<void> {
    const interval = 1000 / opts.rate;
    const endAt = opts.durationS > 0 ? startAt + opts.durationS * 1000 : Infinity;
    let next = Date.now();
    while (!stopping && Date.now() < endAt) {
      await run();
      next += interval;
      const wait = Math.min(next, endAt) - Date.now();
      if (wait > 0) await Promise.race([stopped, new Promise((r) => setTimeout(r, wait).unref())]);
      else next = Date.now(); // behind schedule (an outage): resume the rate, no burst to catch up
    }
    (op === "write" ? writer : reader).close();
  }

  const done = Promise.all([lane("write", write), lane("read", read)]).then(() => undefined);

  /** The run's rows as found through the read-write URL, retried while the cluster is failing over. */
  async function foundSeqs(): Promise<Set<number> | null> {
    const deadline = Date.now() + (hooks.verifyTimeoutMs ?? 30_000);
    const lane = new Lane(opts.readWriteUrl, Math.max(opts.timeoutMs, 5000), "verify");
    try {
      for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
        try {
          const { rows } = await lane.query<{ event_name: string }>(
            "SELECT event_name FROM events WHERE event_name LIKE $1", [`${eventName(opts.runId, 0).slice(0, -1)}%`]);
          return new Set(rows.map((r) => seqOf(opts.runId, r.event_name)).filter((n): n is number => n !== undefined));
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      return null;
    } finally {
      lane.close();
    }
  }

  let summary: Promise<TrafficSummary> | undefined;
  return {
    runId: opts.runId,
    records,
    done,
    stats: () => ({
      acked, lastAckedWriteAt,
      writeErrors: records.filter((r) => r.op === "write" && !r.ok).length,
      readsOk: records.filter((r) => r.op === "read" && r.ok).length,
      readErrors: records.filter((r) => r.op === "read" && !r.ok).length,
    }),
    stop() {
      summary ??= (async () => {
        stopping = true;
        wake();
        await done;
        const endAt = Date.now();
        if (opts.statusFile) writeStatus(opts.statusFile, status());
        return summarize(opts.runId, records, startAt, endAt, await foundSeqs());
      })();
      return summary;
    },
  };
}
