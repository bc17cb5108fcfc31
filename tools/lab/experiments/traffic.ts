// The experiments' own traffic: one pg client writing one row per tick at a fixed rate through HAProxy's
// read-write port, each row with an id; acknowledged ids are recorded with the time the ack arrived.
import { Client, ClientConfig } from "pg";
import { AckedWrite } from "./figures";

export interface TrafficOptions {
  conn: ClientConfig;
  /** schema.table the rows go to; created by the caller. */
  table: string;
  /** Extra column values every row carries, e.g. { name: "lab-experiment" }. */
  columns?: Record<string, string>;
  ratePerSecond: number;
  /** The first id; ids count up from it, one per attempted write. */
  firstId: number;
  /** A hard stop even if nobody calls stop(): every loop is bounded. */
  maxMs: number;
}

export interface Traffic {
  acks: AckedWrite[];
  /** Attempts that failed (connection lost, timeout...), with their time. */
  failures: { at: number; error: string }[];
  /** Every id a write was attempted with (acked or not). */
  attempted: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts writing at once; stop() ends the loop and closes the client. */
export function startTraffic(o: TrafficOptions): Traffic {
  const every = 1000 / o.ratePerSecond;
  const timeout = Math.max(1_000, Math.min(3_000, every * 20));
  const cols = Object.keys(o.columns ?? {});
  const sql = `insert into ${o.table} (id${cols.map((c) => `, ${c}`).join("")}) values ($1${cols.map((_, i) => `, $${i + 2}`).join("")})`;
  const t: Traffic = { acks: [], failures: [], attempted: 0, stop: async () => undefined };
  let stopped = false;
  let client: Client | undefined;
  const started = Date.now();
  const drop = async () => { const c = client; client = undefined; await c?.end().catch(() => undefined); };
  const loop = (async () => {
    for (let tick = 0; !stopped && Date.now() - started < o.maxMs && tick < (o.maxMs / every) + 1; tick++) {
      const due = started + tick * every;
      if (Date.now() < due) await sleep(due - Date.now());
      const id = o.firstId + t.attempted++;
      try {
        if (!client) {
          const c = new Client({ ...o.conn, connectionTimeoutMillis: timeout, query_timeout: timeout });
          c.on("error", () => { /* the next write notices */ });
          client = c;
          await c.connect();
        }
        await client.query(sql, [id, ...cols.map((c) => o.columns![c])]);
        t.acks.push({ id, ackedAt: Date.now() });
      } catch (e) {
        t.failures.push({ at: Date.now(), error: (e as Error).message });
        await drop();
      }
    }
  })();
  t.stop = async () => { stopped = true; await loop; await drop(); };
  return t;
}
