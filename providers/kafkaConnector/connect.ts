import { errorText } from "../dynamic";
import {
  ConnectorConfig, ConnectorStatus, DEFAULT_REQUEST_RETRY, DesiredState, formatValidationErrors, isRetryableStatus,
  judgeStatus, RequestRetryPolicy, retryDelay, ValidationResponse,
} from "./policy";

/** The thin I/O half: Kafka Connect's REST API through Node's fetch, with the retry policy from policy.ts. */

export interface ConnectResponse { status: number; body: any; text: string }

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One REST call, retried on 409, 5xx and connection errors with bounded backoff. Any other status is returned to
 * the caller (404 means different things to delete and to read). `what` names the connector in errors.
 */
export async function connectRequest(
  baseUrl: string, method: string, path: string, what: string, body?: unknown,
  policy: RequestRetryPolicy = DEFAULT_REQUEST_RETRY,
): Promise<ConnectResponse> {
  let last = "";
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(policy.attemptTimeoutMs),
      });
      const text = await res.text();
      if (!isRetryableStatus(res.status)) {
        let parsed: unknown = undefined;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        return { status: res.status, body: parsed, text };
      }
      last = `HTTP ${res.status} ${text.slice(0, 500)}`;
    } catch (e) {
      last = errorText(e);
    }
    if (attempt < policy.attempts) await sleep(retryDelay(policy, attempt));
  }
  throw new Error(`${what}: ${method} ${baseUrl}${path} still failing after ${policy.attempts} attempts: ${last}`);
}

function expect(res: ConnectResponse, ok: number[], what: string, call: string): ConnectResponse {
  if (ok.includes(res.status)) return res;
  const message = typeof res.body?.message === "string" ? res.body.message : res.text.slice(0, 500);
  throw new Error(`${what}: ${call} answered HTTP ${res.status}: ${message}`);
}

const connectorPath = (name: string) => `/connectors/${encodeURIComponent(name)}`;

/** PUT /connector-plugins/{class}/config/validate; throws the formatted field list when Connect finds errors. */
export async function validateConfig(baseUrl: string, connector: string, config: ConnectorConfig, policy?: RequestRetryPolicy): Promise<void> {
  const pluginClass = config["connector.class"];
  const what = `connector ${connector}`;
  const call = `validate with ${pluginClass}`;
  const res = expect(await connectRequest(baseUrl, "PUT", `/connector-plugins/${encodeURIComponent(pluginClass)}/config/validate`, what, config, policy),
    [200], what, call);
  const body = res.body as ValidationResponse;
  if ((body?.error_count ?? 0) > 0) throw new Error(formatValidationErrors(connector, pluginClass, body));
}

/** PUT /connectors/{name}/config: creates or updates. */
export async function putConfig(baseUrl: string, connector: string, config: ConnectorConfig, policy?: RequestRetryPolicy): Promise<void> {
  const what = `connector ${connector}`;
  expect(await connectRequest(baseUrl, "PUT", `${connectorPath(connector)}/config`, what, config, policy), [200, 201], what, "PUT config");
}

/** The live config, or undefined when the connector does not exist. */
export async function getConfig(baseUrl: string, connector: string, policy?: RequestRetryPolicy): Promise<Record<string, string> | undefined> {
  const what = `connector ${connector}`;
  const res = await connectRequest(baseUrl, "GET", `${connectorPath(connector)}/config`, what, undefined, policy);
  if (res.status === 404) return undefined;
  return expect(res, [200], what, "GET config").body;
}

export async function getStatus(baseUrl: string, connector: string, policy?: RequestRetryPolicy): Promise<ConnectorStatus | undefined> {
  const what = `connector ${connector}`;
  const res = await connectRequest(baseUrl, "GET", `${connectorPath(connector)}/status`, what, undefined, policy);
  if (res.status === 404) return undefined;
  return expect(res, [200], what, "GET status").body;
}

/**
 * PUT /pause or /resume: Connect records the target state and answers 202 before the tasks follow. Right after a
 * config write the worker answering may not have read it yet (404), so that is retried a bounded number of times.
 */
export async function setState(baseUrl: string, connector: string, state: DesiredState, policy?: RequestRetryPolicy, notFoundRetries = 20): Promise<void> {
  const what = `connector ${connector}`;
  const verb = state === "paused" ? "pause" : "resume";
  for (let attempt = 0; ; attempt++) {
    const res = await connectRequest(baseUrl, "PUT", `${connectorPath(connector)}/${verb}`, what, undefined, policy);
    if (res.status !== 404 || attempt >= notFoundRetries) {
      expect(res, [200, 202, 204], what, verb);
      return;
    }
    await sleep(250);
  }
}

/** DELETE /connectors/{name}; a connector that is already gone counts as deleted. Returns whether it existed. */
export async function deleteConnector(baseUrl: string, connector: string, policy?: RequestRetryPolicy): Promise<boolean> {
  const what = `connector ${connector}`;
  const res = expect(await connectRequest(baseUrl, "DELETE", connectorPath(connector), what, undefined, policy), [200, 204, 404], what, "DELETE");
  return res.status !== 404;
}

export interface WaitResult { workers: string[]; elapsedMs: number; polls: number }

/**
 * Polls the status until the connector and all its tasks are RUNNING (or PAUSED) on two polls in a row (right after
 * a config change the old tasks still report RUNNING for a moment). FAILED anywhere ends the wait with the trace.
 */
export async function waitForState(
  baseUrl: string, connector: string, want: DesiredState, timeoutMs: number, everyMs = 500, policy?: RequestRetryPolicy,
): Promise<WaitResult> {
  const started = Date.now();
  const maxPolls = Math.ceil(timeoutMs / everyMs) + 1;
  let summary = "no status yet";
  let streak = 0;
  for (let poll = 1; poll <= maxPolls && Date.now() - started <= timeoutMs; poll++) {
    const status = await getStatus(baseUrl, connector, policy);
    if (status) {
      const verdict = judgeStatus(connector, want, status);
      if (verdict.kind === "failed") throw new Error(verdict.message);
      if (verdict.kind === "reached" && ++streak >= 2) return { workers: verdict.workers, elapsedMs: Date.now() - started, polls: poll };
      if (verdict.kind === "pending") { streak = 0; summary = verdict.summary; }
    } else {
      streak = 0;
      summary = "Connect has no status for it yet";
    }
    await sleep(everyMs);
  }
  throw new Error(`connector ${connector}: not ${want.toUpperCase()} within ${timeoutMs} ms (last seen: ${summary})`);
}
