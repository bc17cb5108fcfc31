// The loader's consume loop: Debezium topics → mapChangeEvent → writeRows, one DWH transaction per batch, and the
// Kafka offsets committed only after that transaction commits (at-least-once; the vault's writes are idempotent).
import { Consumer, MessagesStream, stringDeserializers } from "@platformatic/kafka";
import { Client, ClientConfig } from "pg";
import { DvRow, LOADED_TABLES, mapChangeEvent, parseChangeEvent, topicOf } from "./mapping";
import { Inserted, writeRows } from "./vault";

export interface LoaderOptions {
  /** host:port of the brokers. */
  bootstrap: string[];
  /** Debezium's topic.prefix; topics are <prefix>.<schema>.<table>. */
  topicPrefix: string;
  /** The source schema (bookings). */
  sourceSchema: string;
  groupId: string;
  dwh: ClientConfig;
  /** "committed" resumes where the group stopped; "earliest" replays every topic from its first record. */
  mode?: "committed" | "earliest";
  /** Records per DWH transaction at most. */
  batchSize?: number;
  /** How long a partial batch may wait before it is written. */
  lingerMs?: number;
  log?: (line: string) => void;
}

export interface LoaderStatus {
  consuming: boolean;
  /** When the last batch committed in the DWH (or the DWH last answered a ping). */
  lastDwhOkAt?: number;
  lastError?: string;
  /** Why the batch at the head of the buffer keeps failing (cleared once it commits): the loader is stuck. */
  failingBatch?: string;
  records: number;
  batches: number;
  inserted: Inserted;
  /** Next offset to read per topic/partition, as far as the vault has it. */
  positions: Record<string, string>;
}

type Msg = { topic: string; partition: number; offset: bigint; value: string | null; commit(): void | Promise<void> };

export class DvLoader {
  readonly topics: string[];
  private consumer?: Consumer<string, string, string, string>;
  private stream?: MessagesStream<string, string, string, string>;
  private db?: Client;
  private buffer: Msg[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly state: LoaderStatus = { consuming: false, records: 0, batches: 0, inserted: {}, positions: {} };

  constructor(private readonly o: LoaderOptions) {
    this.topics = LOADED_TABLES.map((t) => topicOf(o.topicPrefix, o.sourceSchema, t));
  }

  status(): LoaderStatus {
    return { ...this.state, inserted: { ...this.state.inserted }, positions: { ...this.state.positions } };
  }

  async start(): Promise<void> {
    this.db = new Client(this.o.dwh);
    this.db.on("error", (e) => { this.state.lastError = `dwh: ${e.message}`; this.state.lastDwhOkAt = undefined; });
    await this.db.connect();
    this.state.lastDwhOkAt = Date.now();
    this.consumer = new Consumer({
      clientId: `dv-loader-${this.o.groupId}`, groupId: this.o.groupId, bootstrapBrokers: this.o.bootstrap,
      deserializers: stringDeserializers, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTime: 200,
    });
    this.stream = await this.consumer.consume({
      topics: this.topics, autocommit: false,
      mode: this.o.mode ?? "committed", fallbackMode: "earliest",
    });
    this.state.consuming = true;
    this.stream.on("data", (m: Msg) => this.accept(m));
    this.stream.on("error", (e: Error) => { this.state.lastError = `kafka: ${e.message}`; this.state.consuming = false; });
    this.stream.on("close", () => { this.state.consuming = false; });
  }

  private accept(m: Msg): void {
    this.buffer.push(m);
    if (this.buffer.length >= (this.o.batchSize ?? 500)) {
      // Back-pressure: stop fetching until the DWH has the batch.
      this.stream?.pause();
      this.scheduleFlush(0);
    } else this.scheduleFlush(this.o.lingerMs ?? 50);
  }

  private scheduleFlush(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flush()).catch((e) => {
        this.state.lastError = `batch: ${(e as Error).message}`;
        this.state.failingBatch = this.state.lastError;
        this.o.log?.(`batch failed, will retry: ${(e as Error).message}`);
        this.scheduleFlush(1_000);
      });
    }, delayMs);
  }

  /** Writes the buffered records in one transaction, then commits their offsets; a failure keeps them buffered. */
  private async flush(): Promise<void> {
    const batch = this.buffer.slice(0, this.o.batchSize ?? 500);
    if (batch.length === 0 || !this.db) return;
    const rows: DvRow[] = [];
    for (const m of batch) {
      const event = parseChangeEvent(m.value);
      if (event) rows.push(...mapChangeEvent(event));
    }
    await this.db.query("begin");
    let inserted: Inserted;
    try {
      inserted = await writeRows(this.db, rows);
      await this.db.query("commit");
    } catch (e) {
      await this.db.query("rollback").catch(() => undefined);
      throw e;
    }
    this.buffer.splice(0, batch.length);
    this.state.lastDwhOkAt = Date.now();
    this.state.lastError = undefined;
    this.state.failingBatch = undefined;
    this.state.records += batch.length;
    this.state.batches += 1;
    for (const [t, n] of Object.entries(inserted)) this.state.inserted[t] = (this.state.inserted[t] ?? 0) + n;
    const last = new Map<string, Msg>();
    for (const m of batch) last.set(`${m.topic}/${m.partition}`, m);
    for (const [tp, m] of last) {
      await m.commit();
      this.state.positions[tp] = String(m.offset + 1n);
    }
    this.o.log?.(`batch of ${batch.length} record(s): ${JSON.stringify(inserted)}`);
    if (this.buffer.length > 0) this.scheduleFlush(0);
    else this.stream?.resume();
  }

  /** True when the DWH answers now (the container's healthcheck asks this through /health). */
  async pingDwh(): Promise<boolean> {
    try {
      await this.db?.query("select 1");
      this.state.lastDwhOkAt = Date.now();
      return !!this.db;
    } catch (e) {
      this.state.lastError = `dwh: ${(e as Error).message}`;
      return false;
    }
  }

  /** The end offset of every partition of the loaded topics (what "caught up" means right now). */
  async endOffsets(): Promise<Record<string, string>> {
    if (!this.consumer) throw new Error("loader not started");
    const offsets = await this.consumer.listOffsets({ topics: this.topics });
    const out: Record<string, string> = {};
    for (const [topic, parts] of offsets) parts.forEach((o, p) => { out[`${topic}/${p}`] = String(o); });
    return out;
  }

  /** Resolves once every partition's position reached its end offset as read when called; bounded by timeoutMs. */
  async waitCaughtUp(timeoutMs: number): Promise<void> {
    const ends = await this.endOffsets();
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; Date.now() < deadline && i < timeoutMs / 50 + 1; i++) {
      const behind = Object.entries(ends).filter(([tp, end]) => end !== "0" && BigInt(this.state.positions[tp] ?? "0") < BigInt(end));
      if (behind.length === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    const behind = Object.entries(ends).map(([tp, end]) => `${tp} at ${this.state.positions[tp] ?? 0}/${end}`).join(", ");
    throw new Error(`dv-loader not caught up within ${timeoutMs} ms: ${behind}${this.state.lastError ? `; last error: ${this.state.lastError}` : ""}`);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.flushing.catch(() => undefined);
    await Promise.resolve(this.stream?.close()).catch(() => undefined);
    // close(force) without a callback answers a promise (the typings pick the callback overload).
    await Promise.resolve(this.consumer?.close(true) as Promise<void> | undefined).catch(() => undefined);
    await this.db?.end().catch(() => undefined);
    this.state.consuming = false;
  }
}
