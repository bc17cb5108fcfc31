import { badInput, oneOf, positiveInt, requirePort, requireText } from "../dynamic";

/** What a gate waits for. Pure data: the probes in probes.ts do the I/O. */
export type HealthTarget =
  | { kind: "tcp"; host: string; port: number }
  | { kind: "http"; url: string; bodyMatch?: string }
  | { kind: "sql"; host: string; port: number; user: string; database: string; password?: string };

export const TARGET_KINDS = ["tcp", "http", "sql"] as const;

/** How long to keep trying and how fast: the providers' one retry policy (providers/retry.ts). */
export type { RetryPolicy } from "../retry";
export { backoffDelay, maxAttempts, nextStep } from "../retry";
import type { RetryPolicy } from "../retry";

/**
 * One probe may not hang longer than attemptTimeoutMs. No attempt starts after timeoutMs, but the last one gets its
 * full budget (a sliver would fail with "timeout" and hide the real reason): a gate takes at most timeoutMs + attemptTimeoutMs.
 */
export const DEFAULT_RETRY: RetryPolicy = { timeoutMs: 120_000, initialDelayMs: 250, maxDelayMs: 5_000, attemptTimeoutMs: 5_000 };

export function normalizeRetryPolicy(raw: Partial<Record<keyof RetryPolicy, unknown>>, prefix = ""): RetryPolicy {
  const p: RetryPolicy = {
    timeoutMs: positiveInt(`${prefix}timeoutMs`, raw.timeoutMs, DEFAULT_RETRY.timeoutMs),
    initialDelayMs: positiveInt(`${prefix}initialDelayMs`, raw.initialDelayMs, DEFAULT_RETRY.initialDelayMs),
    maxDelayMs: positiveInt(`${prefix}maxDelayMs`, raw.maxDelayMs, DEFAULT_RETRY.maxDelayMs),
    attemptTimeoutMs: positiveInt(`${prefix}attemptTimeoutMs`, raw.attemptTimeoutMs, DEFAULT_RETRY.attemptTimeoutMs),
  };
  if (p.maxDelayMs < p.initialDelayMs) throw badInput(`${prefix}maxDelayMs`, p.maxDelayMs, `must be >= initialDelayMs (${p.initialDelayMs})`);
  return p;
}

/** A target as people read it in an error; never includes the password. */
export function describeTarget(t: HealthTarget): string {
  switch (t.kind) {
    case "tcp": return `tcp ${t.host}:${t.port}`;
    case "http": return `http ${t.url}${t.bodyMatch ? ` (body ~ /${t.bodyMatch}/)` : ""}`;
    case "sql": return `sql ${t.user}@${t.host}:${t.port}/${t.database}`;
  }
}

/** Validates a target from untyped inputs; errors name the key and the value. */
export function normalizeTarget(raw: Record<string, unknown>, prefix = ""): HealthTarget {
  const kind = oneOf(`${prefix}kind`, raw.kind, TARGET_KINDS);
  if (kind === "http") {
    const url = requireText(`${prefix}url`, raw.url);
    let parsed: URL;
    try { parsed = new URL(url); } catch { throw badInput(`${prefix}url`, url, "must be an absolute URL"); }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw badInput(`${prefix}url`, url, "must start with http:// or https://");
    if (raw.bodyMatch === undefined || raw.bodyMatch === null || raw.bodyMatch === "") return { kind, url };
    const bodyMatch = requireText(`${prefix}bodyMatch`, raw.bodyMatch);
    try { new RegExp(bodyMatch); } catch (e) { throw badInput(`${prefix}bodyMatch`, bodyMatch, `is not a regular expression (${(e as Error).message})`); }
    return { kind, url, bodyMatch };
  }
  const host = requireText(`${prefix}host`, raw.host);
  const port = requirePort(`${prefix}port`, raw.port);
  if (kind === "tcp") return { kind, host, port };
  const sql: HealthTarget = { kind, host, port, user: requireText(`${prefix}user`, raw.user), database: requireText(`${prefix}database`, raw.database) };
  if (typeof raw.password === "string") sql.password = raw.password;
  return sql;
}
