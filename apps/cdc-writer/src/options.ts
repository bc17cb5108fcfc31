// The writer's settings from its environment (the seed's `writer` container took OUTBOX=true the same way).
export interface WriterOptions {
  /** postgresql:// URL of HAProxy's read-write port: the writer always lands on the current leader. */
  sourceUrl: string;
  /** Rows changed per second, spread over batches of batchMs. */
  ratePerSecond: number;
  /** 0: every change is a new row (each loss shows as a missing id); N: update rows 1..N round-robin, as the seed. */
  rows: number;
  /** Also write one outbox event per row, in the same transaction. */
  outbox: boolean;
  /** One transaction per batch: at 1,000 rows/s a transaction per row would be the bottleneck. */
  batchMs: number;
  /** Connect and statement timeout; a dead leader must not hold the writer longer than this. */
  timeoutMs: number;
}

export class OptionError extends Error {
  constructor(key: string, value: unknown, why: string) {
    super(`${key} = ${JSON.stringify(value)}: ${why}`);
    this.name = "OptionError";
  }
}

function int(env: Record<string, string | undefined>, key: string, dflt: number, min: number, max: number): number {
  const v = env[key];
  if (v === undefined || v === "") return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new OptionError(key, v, `must be an integer in ${min}..${max}`);
  return Number(v);
}

export function parseWriterOptions(env: Record<string, string | undefined>): WriterOptions {
  const sourceUrl = env.SOURCE_URL ?? "";
  if (!/^postgres(ql)?:\/\/\S+$/.test(sourceUrl)) {
    throw new OptionError("SOURCE_URL", sourceUrl.replace(/:[^:@/]*@/, ":***@"), "must be a postgresql:// URL of the source_db through HAProxy");
  }
  const outbox = (env.OUTBOX ?? "false").toLowerCase();
  if (!["true", "false", "1", "0", ""].includes(outbox)) throw new OptionError("OUTBOX", env.OUTBOX, "must be true or false");
  return {
    sourceUrl,
    ratePerSecond: int(env, "WRITER_RATE", 10, 1, 20_000),
    rows: int(env, "WRITER_ROWS", 100, 0, 10_000_000),
    outbox: outbox === "true" || outbox === "1",
    batchMs: int(env, "WRITER_BATCH_MS", 10, 1, 10_000),
    timeoutMs: int(env, "WRITER_TIMEOUT_MS", 3000, 100, 600_000),
  };
}
