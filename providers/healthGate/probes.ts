import * as net from "net";
import type * as Pg from "pg";
import { errorText } from "../dynamic";
import { describeTarget, HealthTarget, RetryPolicy } from "./policy";
import { Clock, realClock, retry } from "../retry";

/** One readiness check: resolves when the target is ready, throws the reason when it is not. */
export type Probe = (timeoutMs: number) => Promise<void>;

export type { Clock } from "../retry";
export { realClock } from "../retry";

export interface Readiness {
  attempts: number;
  elapsedMs: number;
}

export function tcpProbe(host: string, port: number): Probe {
  return (timeoutMs) => new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (why: string) => { socket.destroy(); reject(new Error(why)); };
    socket.setTimeout(timeoutMs, () => fail(`no TCP answer within ${timeoutMs} ms`));
    socket.once("connect", () => { socket.destroy(); resolve(); });
    socket.once("error", (e) => fail(errorText(e)));
  });
}

export function httpProbe(url: string, bodyMatch?: string): Probe {
  return async (timeoutMs) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    const body = await res.text();
    if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
    if (bodyMatch && !new RegExp(bodyMatch).test(body)) {
      throw new Error(`HTTP ${res.status} but the body does not match /${bodyMatch}/: ${body.slice(0, 200)}`);
    }
  };
}

export function sqlProbe(t: { host: string; port: number; user: string; database: string; password?: string }): Probe {
  return async (timeoutMs) => {
    // Required on first use, so that a no-op up (check and diff only) never loads pg in the provider host.
    const { Client }: typeof Pg = require("pg");
    const client = new Client({
      host: t.host, port: t.port, user: t.user, database: t.database, password: t.password,
      connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs,
    });
    client.on("error", () => { /* a dropped connection after the probe is not the probe's failure */ });
    try {
      await client.connect();
      const { rows } = await client.query("select 1 as ready");
      if (rows[0]?.ready !== 1) throw new Error(`select 1 returned ${JSON.stringify(rows)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}

export function probeFor(t: HealthTarget): Probe {
  switch (t.kind) {
    case "tcp": return tcpProbe(t.host, t.port);
    case "http": return httpProbe(t.url, t.bodyMatch);
    case "sql": return sqlProbe(t);
  }
}

/**
 * Runs `probe` until it succeeds or the policy's deadline passes. The error names the target and the last failure,
 * so a failed `pulumi up` says which service never came up and why.
 */
export async function waitUntilReady(what: string, probe: Probe, policy: RetryPolicy, clock: Clock = realClock): Promise<Readiness> {
  const r = await retry(what, policy, async (timeoutMs) => { await probe(timeoutMs); return { value: undefined }; }, { clock, failure: "not ready" });
  return { attempts: r.attempts, elapsedMs: r.elapsedMs };
}

/** Waits for a validated target with the real clock. */
export function waitForTarget(t: HealthTarget, policy: RetryPolicy): Promise<Readiness> {
  return waitUntilReady(describeTarget(t), probeFor(t), policy);
}
