import { badInput, oneOf, positiveInt, requireText } from "../dynamic";
import { backoffDelay } from "../retry";

/**
 * The pure half of the KafkaConnector provider: input normalisation, the diff of user-set keys, the retry policy,
 * and the texts of validation and status errors. No I/O here, so unit tests call it directly.
 */

export const CONNECTOR_STATES = ["running", "paused"] as const;
export type DesiredState = (typeof CONNECTOR_STATES)[number];

/** Connect stores every config value as a string; numbers and booleans are written the way Connect would print them. */
export type ConnectorConfig = Record<string, string>;

export interface ConnectorSpec {
  /** Every worker's REST URL; any live one is used. */
  connectUrls: string[];
  name: string;
  config: ConnectorConfig;
  sensitiveConfig: ConnectorConfig;
  state: DesiredState;
  waitTimeoutMs: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 180_000;

/** Raw inputs as the engine hands them over (anything may be wrong in them). */
export interface RawConnectorInputs {
  connectUrl?: unknown;
  name?: unknown;
  config?: unknown;
  sensitiveConfig?: unknown;
  state?: unknown;
  waitTimeoutMs?: unknown;
}

/** One URL, a list, or a comma-separated list of the workers' REST URLs; each must be http(s) without query. */
export function normalizeConnectUrls(key: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [value];
  if (list.length === 0) throw badInput(key, value, "must name at least one Connect worker URL");
  const urls = list.map((u, i) => normalizeConnectUrl(Array.isArray(value) ? `${key}[${i}]` : key, typeof u === "string" ? u.trim() : u));
  return [...new Set(urls)];
}

export function normalizeConnectUrl(key: string, value: unknown): string {
  const text = requireText(key, value);
  let url: URL;
  try { url = new URL(text); } catch { throw badInput(key, value, "must be an http(s) URL such as http://127.0.0.1:8083"); }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badInput(key, value, "must be an http(s) URL");
  if (url.search || url.hash) throw badInput(key, value, "must not carry a query or fragment");
  return text.replace(/\/+$/, "");
}

export function normalizeConnectorName(key: string, value: unknown): string {
  const name = requireText(key, value);
  // The name becomes a path segment of every REST call.
  if (/[/\\?#%]|^\s|\s$/.test(name)) throw badInput(key, value, "must not contain / \\ ? # % or surrounding spaces");
  return name;
}

/** `prefix["key"]`, the property-path spelling Pulumi uses for keys with dots in them. */
export function configKeyPath(prefix: string, key: string): string {
  return `${prefix}[${JSON.stringify(key)}]`;
}

export function normalizeConfigMap(prefix: string, value: unknown): ConnectorConfig {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw badInput(prefix, value, "must be an object of key → string");
  const out: ConnectorConfig = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.trim() === "") throw badInput(prefix, value, "has an empty key");
    if (typeof v === "string") out[k] = v;
    else if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean") out[k] = String(v);
    else throw badInput(configKeyPath(prefix, k), v, "must be a string, a finite number or a boolean");
  }
  return out;
}

export function normalizeConnectorSpec(raw: RawConnectorInputs): ConnectorSpec {
  const name = normalizeConnectorName("name", raw.name);
  const config = normalizeConfigMap("config", raw.config);
  const sensitiveConfig = normalizeConfigMap("sensitiveConfig", raw.sensitiveConfig);
  if (!config["connector.class"] && !sensitiveConfig["connector.class"]) {
    throw badInput(configKeyPath("config", "connector.class"), config["connector.class"], "is required (the plugin class, e.g. io.debezium.connector.postgresql.PostgresConnector)");
  }
  if (config.name !== undefined && config.name !== name) {
    throw badInput(configKeyPath("config", "name"), config.name, `must equal the connector name ${JSON.stringify(name)} or be left out`);
  }
  for (const k of Object.keys(sensitiveConfig)) {
    if (k in config) throw badInput(configKeyPath("sensitiveConfig", k), "(secret)", "is also set in config: set each key in one place");
  }
  return {
    connectUrls: normalizeConnectUrls("connectUrl", raw.connectUrl),
    name,
    config,
    sensitiveConfig,
    state: oneOf("state", raw.state, CONNECTOR_STATES, "running"),
    waitTimeoutMs: positiveInt("waitTimeoutMs", raw.waitTimeoutMs, DEFAULT_WAIT_TIMEOUT_MS),
  };
}

/** The config sent to Connect: the user's keys, the secrets merged in, and `name` as Connect expects it. */
export function connectConfig(spec: ConnectorSpec): ConnectorConfig {
  return { ...spec.config, ...spec.sensitiveConfig, name: spec.name };
}

/** Only the keys the user set, read from what Connect holds (Connect adds `name` and may fill defaults). */
export function pickUserKeys(live: Record<string, unknown>, userKeys: readonly string[]): ConnectorConfig {
  const out: ConnectorConfig = {};
  for (const k of userKeys) if (typeof live[k] === "string") out[k] = live[k] as string;
  return out;
}

export type KeyChange = "add" | "update" | "delete";

/** Per-key changes between two config maps; keys the user never set are never compared. */
export function configChanges(olds: ConnectorConfig, news: ConnectorConfig): Record<string, KeyChange> {
  const changes: Record<string, KeyChange> = {};
  for (const [k, v] of Object.entries(news)) {
    if (!(k in olds)) changes[k] = "add";
    else if (olds[k] !== v) changes[k] = "update";
  }
  for (const k of Object.keys(olds)) if (!(k in news)) changes[k] = "delete";
  return changes;
}

/**
 * Inputs whose change means a different connector, so the old one is deleted and a new one created: another name,
 * or worker URLs that share none with the old ones (another Connect cluster). Adding or dropping a worker is an update.
 */
export const REPLACE_KEYS = ["connectUrl", "name"] as const;

export function sameCluster(olds: readonly string[], news: readonly string[]): boolean {
  return olds.some((u) => news.includes(u));
}

export interface ConnectorDiff {
  replaces: string[];
  /** Property paths (config["a.b"]) with their kind of change, for the engine's detailed diff. */
  changed: Record<string, KeyChange | "replace">;
  configChanged: boolean;
  stateChanged: boolean;
}

/** What differs between the stored state and the new inputs; both sides already normalised. */
export function diffSpecs(olds: ConnectorSpec, news: ConnectorSpec, versionChanged: boolean): ConnectorDiff {
  const changed: ConnectorDiff["changed"] = {};
  const replaces = [...(sameCluster(olds.connectUrls, news.connectUrls) ? [] : ["connectUrl"]), ...(olds.name !== news.name ? ["name"] : [])];
  for (const k of replaces) changed[k] = "replace";
  if (replaces.length === 0 && olds.connectUrls.join(",") !== news.connectUrls.join(",")) changed.connectUrl = "update";
  for (const [k, kind] of Object.entries(configChanges(olds.config, news.config))) changed[configKeyPath("config", k)] = kind;
  for (const [k, kind] of Object.entries(configChanges(olds.sensitiveConfig, news.sensitiveConfig))) changed[configKeyPath("sensitiveConfig", k)] = kind;
  const configChanged = Object.keys(changed).some((p) => p.startsWith("config[") || p.startsWith("sensitiveConfig["));
  const stateChanged = olds.state !== news.state;
  if (stateChanged) changed.state = "update";
  if (olds.waitTimeoutMs !== news.waitTimeoutMs) changed.waitTimeoutMs = "update";
  if (versionChanged) changed.version = "update";
  return { replaces: [...replaces], changed, configChanged, stateChanged };
}

/** Bounded exponential backoff for REST calls Connect answers with 409 (rebalance) or 5xx, or cannot answer at all. */
export interface RequestRetryPolicy {
  /** Budget of one REST call, retries included (no retry starts after it). */
  timeoutMs: number;
  /** When no worker has answered anything for this long, the call fails now: nobody is listening. */
  unreachableMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** TCP connect to one worker. */
  connectTimeoutMs: number;
  /** The HTTP answer once connected (Connect's validate of a Debezium config talks to the database first). */
  attemptTimeoutMs: number;
}

export const DEFAULT_REQUEST_RETRY: RequestRetryPolicy = {
  timeoutMs: 30_000, unreachableMs: 3_000, initialDelayMs: 250, maxDelayMs: 2_000, connectTimeoutMs: 2_000, attemptTimeoutMs: 10_000,
};

/** 409: the group is rebalancing or the worker's config is stale; 5xx: the leader is gone or busy. Both pass. */
export function isRetryableStatus(status: number): boolean {
  return status === 409 || (status >= 500 && status <= 599);
}

/** The pause before attempt `attempt` + 1 (attempt counts from 1): doubles, capped. */
export function retryDelay(policy: RequestRetryPolicy, attempt: number): number {
  return backoffDelay(policy, attempt);
}

/** The response of PUT /connector-plugins/{class}/config/validate, as far as we read it. */
export interface ValidationResponse {
  name?: string;
  error_count?: number;
  configs?: { value?: { name?: string; value?: unknown; errors?: string[] } }[];
}

export interface FieldError { field: string; messages: string[] }

export function validationErrors(res: ValidationResponse): FieldError[] {
  return (res.configs ?? [])
    .map((c) => ({ field: c.value?.name ?? "(unnamed)", messages: (c.value?.errors ?? []).filter((m) => m && m.trim()) }))
    .filter((f) => f.messages.length > 0);
}

/** One line a field, so the Pulumi error shows every field Connect rejected at once. */
export function formatValidationErrors(connector: string, pluginClass: string, res: ValidationResponse): string {
  const fields = validationErrors(res);
  const count = res.error_count ?? fields.reduce((n, f) => n + f.messages.length, 0);
  const lines = fields.map((f) => `  - ${f.field}: ${f.messages.join("; ")}`);
  return `connector ${connector}: ${pluginClass} rejected the config with ${count} error(s); nothing was created:\n${lines.join("\n")}`;
}

/** GET /connectors/{name}/status. */
export interface ConnectorStatus {
  name?: string;
  connector?: { state?: string; worker_id?: string; trace?: string };
  tasks?: { id?: number; state?: string; worker_id?: string; trace?: string }[];
  type?: string;
}

export type StatusVerdict =
  | { kind: "reached"; workers: string[] }
  | { kind: "failed"; message: string }
  | { kind: "pending"; summary: string };

/** The first lines of a Java stack trace: the exception and its message, where the reason is. */
export function traceHead(trace: string | undefined, lines = 4): string {
  if (!trace) return "(no trace)";
  return trace.split("\n").slice(0, lines).map((l) => l.trimEnd()).join("\n");
}

export function summarizeStatus(s: ConnectorStatus): string {
  const tasks = (s.tasks ?? []).map((t) => `${t.id ?? "?"}:${t.state ?? "?"}`);
  return `connector ${s.connector?.state ?? "?"}${s.connector?.worker_id ? ` on ${s.connector.worker_id}` : ""}, tasks [${tasks.join(", ")}]`;
}

/** Whether the connector and every task (at least one) are in the wanted state; FAILED anywhere ends the wait. */
export function judgeStatus(connector: string, want: DesiredState, s: ConnectorStatus): StatusVerdict {
  if (s.connector?.state === "FAILED") {
    return { kind: "failed", message: `connector ${connector} FAILED on ${s.connector.worker_id ?? "?"}:\n${traceHead(s.connector.trace)}` };
  }
  const failedTask = (s.tasks ?? []).find((t) => t.state === "FAILED");
  if (failedTask) {
    return { kind: "failed", message: `connector ${connector}: task ${failedTask.id} FAILED on ${failedTask.worker_id ?? "?"}:\n${traceHead(failedTask.trace)}` };
  }
  const target = want === "running" ? "RUNNING" : "PAUSED";
  const tasks = s.tasks ?? [];
  if (s.connector?.state === target && tasks.length > 0 && tasks.every((t) => t.state === target)) {
    return { kind: "reached", workers: [...new Set([s.connector.worker_id ?? "", ...tasks.map((t) => t.worker_id ?? "")])].filter(Boolean).sort() };
  }
  return { kind: "pending", summary: summarizeStatus(s) };
}

/** The lab's word for a live Connect state, when it is one the resource can be in. */
export function liveDesiredState(s: ConnectorStatus): DesiredState | undefined {
  const state = s.connector?.state;
  return state === "RUNNING" ? "running" : state === "PAUSED" ? "paused" : undefined;
}

/** Replaces every secret value in a text (Connect echoes values in its errors) before it reaches a log. */
export function redact(text: string, secrets: ConnectorConfig): string {
  let out = text;
  for (const v of Object.values(secrets)) if (v.length >= 3) out = out.split(v).join("***");
  return out;
}
