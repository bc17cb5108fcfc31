import { errorText } from "./dynamic";

/**
 * The one retry loop of the lab's providers (and of the lab CLI): bounded in attempts and in time, exponential
 * backoff, and an error that says what was waited for, for how long, and the last failure. Pure apart from the
 * clock, which tests replace. Plain functions and data only: provider closures capture this module.
 */

/** How long to keep trying and how fast: the pause doubles from initialDelayMs up to maxDelayMs. */
export interface RetryPolicy {
  /** The budget: no attempt starts after this, so the whole wait takes at most timeoutMs + attemptTimeoutMs. */
  timeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** One attempt may not take longer than this (the attempt is told, and must enforce it). */
  attemptTimeoutMs: number;
}

/** Time as the loop sees it; tests pass a fake one so the loop runs without real sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The pause after the `failures`-th failed attempt: exponential, capped. */
export function backoffDelay(policy: Pick<RetryPolicy, "initialDelayMs" | "maxDelayMs">, failures: number): number {
  const exp = Math.min(Math.max(failures - 1, 0), 30); // 2^30 already exceeds any sane cap; avoids Infinity
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exp);
}

/** A hard cap on attempts, so the loop ends even if the clock stalls: every pause is at least initialDelayMs. */
export function maxAttempts(policy: RetryPolicy): number {
  return Math.ceil(policy.timeoutMs / policy.initialDelayMs) + 1;
}

/** After a failed attempt: wait this long and try again, or give up because the budget is spent. */
export function nextStep(policy: RetryPolicy, failures: number, elapsedMs: number): { waitMs: number } | { giveUp: true } {
  const remaining = policy.timeoutMs - elapsedMs;
  if (remaining <= 0 || failures >= maxAttempts(policy)) return { giveUp: true };
  return { waitMs: Math.min(backoffDelay(policy, failures), remaining) };
}

/** What an attempt reports besides success: try again (after `delayMs`, default the backoff), or stop now. */
export type AttemptFailure = { retry: string; delayMs?: number } | { stop: Error };

export interface Attempt<T> {
  /** Called with the attempt's time limit and its number (from 1). Throwing means "retry" with the error's text. */
  (timeoutMs: number, attempt: number): Promise<{ value: T } | AttemptFailure>;
}

export interface RetryResult<T> {
  value: T;
  attempts: number;
  elapsedMs: number;
}

export interface RetryOptions {
  clock?: Clock;
  /** The words after `what` in the error, e.g. "not ready" (default "still failing"). */
  failure?: string;
}

/**
 * Runs `attempt` until it returns a value, stops, or the budget is spent. The error names `what` (the target and
 * the phase), the time, the attempts, the budget and the last failure.
 */
export async function retry<T>(what: string, policy: RetryPolicy, attempt: Attempt<T>, opts: RetryOptions = {}): Promise<RetryResult<T>> {
  const clock = opts.clock ?? realClock;
  const started = clock.now();
  let last = "no attempt made";
  let attempts = 0;
  while (attempts < maxAttempts(policy)) {
    attempts++;
    let outcome: { value: T } | AttemptFailure;
    try {
      outcome = await attempt(policy.attemptTimeoutMs, attempts);
    } catch (e) {
      outcome = { retry: errorText(e) };
    }
    if ("value" in outcome) return { value: outcome.value, attempts, elapsedMs: clock.now() - started };
    if ("stop" in outcome) throw outcome.stop;
    last = outcome.retry;
    const step = nextStep(policy, attempts, clock.now() - started);
    if ("giveUp" in step) break;
    await clock.sleep(Math.min(outcome.delayMs ?? step.waitMs, step.waitMs));
  }
  throw new Error(`${what} ${opts.failure ?? "still failing"} after ${clock.now() - started} ms (${attempts} attempts, timeout ${policy.timeoutMs} ms); last failure: ${last}`);
}

/** Rejects with `${what}: no answer within N ms` unless `work` settles first; the timer never outlives it. */
export async function withTimeout<T>(what: string, timeoutMs: number, work: Promise<T>, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { onTimeout?.(); reject(new Error(`${what}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` every `everyMs` until it returns a value (a throw is a "not yet" whose text ends up in the error). */
export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<{ value: T; ms: number }> {
  const r = await retry<T>(what, { timeoutMs, initialDelayMs: everyMs, maxDelayMs: everyMs, attemptTimeoutMs: 0 }, async () => {
    const v = await probe();
    return v === undefined ? { retry: "not yet" } : { value: v };
  }, { failure: "not reached" });
  return { value: r.value, ms: r.elapsedMs };
}
