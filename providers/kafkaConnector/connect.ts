import * as http from "http";
import * as https from "https";
import { errorText } from "../dynamic";
import { retry, RetryPolicy } from "../retry";
import {
  ConnectorConfig, ConnectorStatus, DEFAULT_REQUEST_RETRY, DesiredState, formatValidationErrors, isRetryableStatus,
  judgeStatus, RequestRetryPolicy, ValidationResponse,
} from "./policy";

/**
 * The thin I/O half: Kafka Connect's REST API through Node's http client, with the retry policy from policy.ts.
 * Every call takes all the workers' URLs and uses any live one: a killed worker 1 must not block a delete.
 */

export interface ConnectResponse { status: number; body: any; text: string; url: string }

/** One URL, several (any live one answers), or a comma-separated list, e.g. the stack output connectUrl. */
export type ConnectUrls = string | readonly string[];

/** The workers' base URLs without trailing slashes, in the given order, each once. */
export function connectUrlList(urls: ConnectUrls): string[] {
  const list = (typeof urls === "string" ? urls.split(",") : [...urls]).map((u) => u.trim().replace(/\/+$/, "")).filter(Boolean);
  return [...new Set(list)];
}

/** The phase a request failed in: no TCP connection, or connected but no (complete) HTTP answer. */
export type RequestPhase = "connect" | "response";

export type PhasedError = Error & { phase: RequestPhase; url: string };

function phased(url: string, phase: RequestPhase, why: string): PhasedError {
  return Object.assign(new Error(`${url} ${phase}: ${why}`), { phase, url });
}

/**
 * One HTTP request with a connect timeout and a separate timeout for the answer once connected, so a port that
 * accepts and never answers fails as clearly as a closed one. The error says the URL and the phase.
 */
export function httpCall(
  url: string, method: string, body: string | undefined, timeouts: { connectTimeoutMs: number; responseTimeoutMs: number },
  headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try { target = new URL(url); } catch { reject(phased(url, "connect", "not a URL")); return; }
    const client = target.protocol === "https:" ? https : http;
    let phase: RequestPhase = "connect";
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    // agent: false → a fresh socket each time, so the connect phase is always observed.
    const req = client.request(target, { method, headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent: false });
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(phased(url, phase, why));
    };
    timer = setTimeout(() => fail(`no TCP connection within ${timeouts.connectTimeoutMs} ms`), timeouts.connectTimeoutMs);
    req.once("socket", (socket) => {
      socket.once(target.protocol === "https:" ? "secureConnect" : "connect", () => {
        phase = "response";
        clearTimeout(timer);
        timer = setTimeout(() => fail(`connected, but no HTTP answer within ${timeouts.responseTimeoutMs} ms`), timeouts.responseTimeoutMs);
      });
    });
    req.once("error", (e) => fail(errorText(e)));
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", (e) => fail(errorText(e)));
      res.once("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.end(body);
  });
}

/** Which worker answered last, per worker list: the next call starts there instead of at a dead worker 1. */
const lastAnswered: Record<string, string> = {};

/** The workers in the order to try them: the one that answered last first. */
export function tryOrder(urls: readonly string[], preferred: string | undefined): string[] {
  const i = preferred === undefined ? -1 : urls.indexOf(preferred);
  return i <= 0 ? [...urls] : [...urls.slice(i), ...urls.slice(0, i)];
}

function retryPolicyOf(policy: RequestRetryPolicy): RetryPolicy {
  return { timeoutMs: policy.timeoutMs, initialDelayMs: policy.initialDelayMs, maxDelayMs: policy.maxDelayMs, attemptTimeoutMs: policy.attemptTimeoutMs };
}

/**
 * One REST call against any live worker, retried on 409, 5xx and unreachable workers with bounded backoff. Any other
 * status is returned to the caller (404 means different things to delete and to read). When no worker has answered
 * at all within policy.unreachableMs the call fails then, naming each address and the phase it failed in.
 */
export async function connectRequest(
  connect: ConnectUrls, method: string, path: string, what: string, body?: unknown,
  policy: RequestRetryPolicy = DEFAULT_REQUEST_RETRY,
): Promise<ConnectResponse> {
  const urls = connectUrlList(connect);
  if (urls.length === 0) throw new Error(`${what}: ${method} ${path}: no Connect URL given`);
  const key = urls.join(",");
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = Date.now();
  let answered = false;
  const call = `${what}: ${method} ${path}`;
  const r = await retry<ConnectResponse>(call, retryPolicyOf(policy), async (responseTimeoutMs) => {
    const failures: string[] = [];
    for (const url of tryOrder(urls, lastAnswered[key])) {
      let res: { status: number; text: string };
      try {
        res = await httpCall(`${url}${path}`, method, payload, { connectTimeoutMs: policy.connectTimeoutMs, responseTimeoutMs });
      } catch (e) {
        failures.push(errorText(e));
        continue;
      }
      answered = true;
      lastAnswered[key] = url;
      if (!isRetryableStatus(res.status)) {
        let parsed: unknown = undefined;
        try { parsed = res.text ? JSON.parse(res.text) : undefined; } catch { parsed = undefined; }
        return { value: { status: res.status, body: parsed, text: res.text, url } };
      }
      failures.push(`${url}${path} answered HTTP ${res.status} ${res.text.slice(0, 300)}`);
    }
    const last = failures.join("; ");
    if (!answered && Date.now() - started >= policy.unreachableMs) {
      return { stop: new Error(`${call}: no Connect worker answered within ${Date.now() - started} ms: ${last}`) };
    }
    return { retry: last };
  });
  return r.value;
}

function expect(res: ConnectResponse, ok: number[], what: string, call: string): ConnectResponse {
  if (ok.includes(res.status)) return res;
  const message = typeof res.body?.message === "string" ? res.body.message : res.text.slice(0, 500);
  throw new Error(`${what}: ${call} on ${res.url} answered HTTP ${res.status}: ${message}`);
}

const connectorPath = (name: string) => `/connectors/${encodeURIComponent(name)}`;

/** PUT /connector-plugins/{class}/config/validate; throws the formatted field list when Connect finds errors. */
export async function validateConfig(connect: ConnectUrls, connector: string, config: ConnectorConfig, policy?: RequestRetryPolicy): Promise<void> {
  const pluginClass = config["connector.class"];
  const what = `connector ${connector}`;
  const call = `validate with ${pluginClass}`;
  const res = expect(await connectRequest(connect, "PUT", `/connector-plugins/${encodeURIComponent(pluginClass)}/config/validate`, what, config, policy),
    [200], what, call);
  const body = res.body as ValidationResponse;
  if ((body?.error_count ?? 0) > 0) throw new Error(formatValidationErrors(connector, pluginClass, body));
}

/** PUT /connectors/{name}/config: creates or updates. */
export async function putConfig(connect: ConnectUrls, connector: string, config: ConnectorConfig, policy?: RequestRetryPolicy): Promise<void> {
  const what = `connector ${connector}`;
  expect(await connectRequest(connect, "PUT", `${connectorPath(connector)}/config`, what, config, policy), [200, 201], what, "PUT config");
}

/** The live config, or undefined when the connector does not exist. */
export async function getConfig(connect: ConnectUrls, connector: string, policy?: RequestRetryPolicy): Promise<Record<string, string> | undefined> {
  const what = `connector ${connector}`;
  const res = await connectRequest(connect, "GET", `${connectorPath(connector)}/config`, what, undefined, policy);
  if (res.status === 404) return undefined;
  return expect(res, [200], what, "GET config").body;
}

export async function getStatus(connect: ConnectUrls, connector: string, policy?: RequestRetryPolicy): Promise<ConnectorStatus | undefined> {
  const what = `connector ${connector}`;
  const res = await connectRequest(connect, "GET", `${connectorPath(connector)}/status`, what, undefined, policy);
  if (res.status === 404) return undefined;
  return expect(res, [200], what, "GET status").body;
}

/**
 * PUT /pause or /resume: Connect records the target state and answers 202 before the tasks follow. Right after a
 * config write the worker answering may not have read it yet (404), so that is retried within notFoundMs.
 */
export async function setState(connect: ConnectUrls, connector: string, state: DesiredState, policy?: RequestRetryPolicy, notFoundMs = 10_000): Promise<void> {
  const what = `connector ${connector}`;
  const verb = state === "paused" ? "pause" : "resume";
  await retry(`${what}: ${verb}`, { timeoutMs: notFoundMs, initialDelayMs: 250, maxDelayMs: 250, attemptTimeoutMs: 0 }, async (_ms, attempt) => {
    const res = await connectRequest(connect, "PUT", `${connectorPath(connector)}/${verb}`, what, undefined, policy);
    if (res.status === 404 && attempt < Math.ceil(notFoundMs / 250)) return { retry: `${res.url} answered HTTP 404: ${res.text.slice(0, 200)}` };
    try { expect(res, [200, 202, 204], what, verb); } catch (e) { return { stop: e as Error }; }
    return { value: undefined };
  }, { failure: "kept answering 404" });
}

/** DELETE /connectors/{name}; a connector that is already gone counts as deleted. Returns whether it existed. */
export async function deleteConnector(connect: ConnectUrls, connector: string, policy?: RequestRetryPolicy): Promise<boolean> {
  const what = `connector ${connector}`;
  const res = expect(await connectRequest(connect, "DELETE", connectorPath(connector), what, undefined, policy), [200, 204, 404], what, "DELETE");
  return res.status !== 404;
}

export interface WaitResult { workers: string[]; elapsedMs: number; polls: number }

/**
 * Polls the status until the connector and all its tasks are RUNNING (or PAUSED) on two polls in a row (right after
 * a config change the old tasks still report RUNNING for a moment). FAILED anywhere ends the wait with the trace.
 */
export async function waitForState(
  connect: ConnectUrls, connector: string, want: DesiredState, timeoutMs: number, everyMs = 500, policy?: RequestRetryPolicy,
): Promise<WaitResult> {
  let streak = 0;
  const r = await retry<string[]>(`connector ${connector}: ${want.toUpperCase()}`, { timeoutMs, initialDelayMs: everyMs, maxDelayMs: everyMs, attemptTimeoutMs: 0 },
    async () => {
      const status = await getStatus(connect, connector, policy);
      if (!status) { streak = 0; return { retry: "Connect has no status for it yet" }; }
      const verdict = judgeStatus(connector, want, status);
      if (verdict.kind === "failed") return { stop: new Error(verdict.message) };
      if (verdict.kind === "reached" && ++streak >= 2) return { value: verdict.workers };
      if (verdict.kind === "pending") { streak = 0; return { retry: verdict.summary }; }
      return { retry: "reached once, confirming" };
    }, { failure: "not reached" });
  return { workers: r.value, elapsedMs: r.elapsedMs, polls: r.attempts };
}
