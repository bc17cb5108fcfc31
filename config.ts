// The only module that reads pulumi.Config: it parses, fills defaults and validates every `lab:*` key
// before any resource is registered, so a bad value fails fast with the key and the value in the message.
import * as fs from "fs";
import * as path from "path";
import { moduleDir, REPO_ROOT } from "./program/paths";
import * as pulumi from "@pulumi/pulumi";
import { badInput } from "./providers/dynamic";

/** Every image the lab runs or builds FROM, pinned; override one by one (`lab:images`) for a mirror. */
export const DEFAULT_IMAGES = {
  postgres: "postgres:15.10-bookworm",
  etcd: "quay.io/coreos/etcd:v3.5.17",
  haproxy: "haproxy:2.6.18-bookworm",
  grafana: "grafana/grafana:11.3.1",
  prometheus: "prom/prometheus:v2.55.1",
  node: "node:20.19.5-bookworm-slim", // >= 20.19: the loader's Kafka client needs it
  kafka: "apache/kafka:4.3.0", // the Kafka the Connect plugins are built against (.ci/install.d/30-kafka.sh)
  pgAdmin: "dpage/pgadmin4:8.14",
  // Serves the Confluent REST API at /apis/ccompat/v7; same release line as the Connect image's Avro converter.
  schemaRegistry: "apicurio/apicurio-registry-mem:2.6.13.Final",
  greenplum: "woblerr/greenplum:6.27.1",
  minio: "minio/minio:RELEASE.2024-11-07T00-52-20Z",
  airflow: "apache/airflow:2.10.5-python3.11", // same as images/airflow and the tests' venv
  // The one Debian base every lab:imageSource=build image starts FROM (lab:debianBase=pull).
  debian: "debian:bookworm-slim",
} as const;
export type ImageKey = keyof typeof DEFAULT_IMAGES;
export type Images = Record<ImageKey, string>;

/**
 * What a homework declares in homeworks/<name>/needs.ts (a pure data module: config.ts reads it, nothing there imports
 * a component): the host ports it publishes with their defaults, the secrets it reads with the public default its
 * committed stack file carries, and the keys of lab:images it runs.
 */
export interface HomeworkNeeds {
  ports: Readonly<Record<string, number>>;
  /** Secret key → the public password the committed Pulumi.<name>.yaml holds (encrypted with the passphrase `lab`). */
  secrets: Readonly<Record<string, string>>;
  images: readonly ImageKey[];
}

/** The homeworks found in one folder: every subfolder with an index.ts, its needs, and what they add up to. */
export interface HomeworkCatalog {
  root: string;
  names: readonly string[];
  needs: Readonly<Record<string, HomeworkNeeds>>;
  /** Every published port key with its default (one default per key across homeworks). */
  defaultPorts: Readonly<Record<string, number>>;
  /**
   * The public passwords the committed stack files carry: fine on loopback, refused on any other address. Words that
   * occur nowhere else, so Pulumi's masking of secrets hides nothing else.
   */
  publicSecrets: Readonly<Record<string, string>>;
}

/** Where the lab's homeworks live: adding one is a folder here plus its stack file Pulumi.<name>.yaml. */
export const HOMEWORKS_DIR = path.join(REPO_ROOT, "homeworks");
const HOMEWORK_NAME = /^[a-z][a-z0-9-]{0,29}$/;

/** Reads every homeworks/<name>/needs.ts under `root`; two homeworks giving one key two defaults is an error. */
export function discoverHomeworks(root = HOMEWORKS_DIR): HomeworkCatalog {
  const names = fs.readdirSync(root)
    .filter((d) => fs.statSync(path.join(root, d)).isDirectory() && ["index.ts", "index.js"].some((f) => fs.existsSync(path.join(root, d, f))))
    .sort();
  const needs: Record<string, HomeworkNeeds> = {};
  const defaultPorts: Record<string, number> = {};
  const publicSecrets: Record<string, string> = {};
  const declaredBy: Record<string, string> = {};
  const agree = (kind: string, into: Record<string, unknown>, name: string, key: string, value: unknown) => {
    const at = `${kind}.${key}`;
    if (key in into && into[key] !== value) {
      throw new ConfigError(at, value, `homework ${name} declares ${JSON.stringify(value)}, ${declaredBy[at]} ${JSON.stringify(into[key])}: one default per key`);
    }
    into[key] = value;
    declaredBy[at] ??= name;
  };
  for (const name of names) {
    if (!HOMEWORK_NAME.test(name)) throw new ConfigError("homeworks", name, `folder ${path.join(root, name)}: a homework name holds 1..30 of a-z, 0-9, '-' and starts with a letter`);
    const n = loadNeeds(root, name);
    for (const [k, v] of Object.entries(n.ports)) agree("ports", defaultPorts, name, k, v);
    for (const [k, v] of Object.entries(n.secrets)) agree("secrets", publicSecrets, name, k, v);
    needs[name] = n;
  }
  return { root, names, needs, defaultPorts, publicSecrets };
}

function loadNeeds(root: string, name: string): HomeworkNeeds {
  const file = path.join(root, name, "needs");
  let n: HomeworkNeeds | undefined;
  try { n = require(path.join(moduleDir(path.join(root, name)), "needs")).needs; } catch (e) { throw new ConfigError("homeworks", name, `cannot load ${file}: ${(e as Error).message}`); }
  const bad = (why: string) => new ConfigError("homeworks", name, `${file}.ts: ${why}`);
  if (!n || typeof n !== "object") throw bad("exports no `needs` object");
  for (const [k, v] of Object.entries(n.ports ?? {})) if (!Number.isInteger(v) || v < 1 || v > 65535) throw bad(`ports.${k} = ${JSON.stringify(v)}: must be 1..65535`);
  for (const [k, v] of Object.entries(n.secrets ?? {})) if (typeof v !== "string" || v.trim() === "") throw bad(`secrets.${k}: the public default must be a non-empty string`);
  for (const k of n.images ?? []) if (!(k in DEFAULT_IMAGES)) throw bad(`images: unknown image key ${JSON.stringify(k)}; known: ${Object.keys(DEFAULT_IMAGES).join(", ")}`);
  if (!n.ports || !n.secrets || !n.images) throw bad("needs { ports, secrets, images }");
  return n;
}

export type Homework = string;

export interface PatroniSettings {
  /** Leader lease in seconds; Patroni's floor is 20 and nobody may lead before it expires. */
  ttl: number;
  loopWait: number;
  retryTimeout: number;
  /** Commit waits for a synchronous replica: an unplanned leader kill then loses no acknowledged write. */
  synchronousMode: boolean;
}

/** Patroni's own limits on its timings (seconds), the one place both config.ts and the renderer check. */
export const PATRONI_TIMING_LIMITS = { ttl: [20, 3600], loopWait: [1, 3600], retryTimeout: [3, 3600] } as const;

/** Patroni's rule between the timings (it rewrites values that break it): loop_wait + 2 × retry_timeout ≤ ttl. */
export function patroniTimingRule(p: { ttl: number; loopWait: number; retryTimeout: number }): string | undefined {
  if (p.loopWait + 2 * p.retryTimeout <= p.ttl) return undefined;
  return `Patroni needs loopWait + 2*retryTimeout <= ttl (${p.loopWait} + 2*${p.retryTimeout} = ${p.loopWait + 2 * p.retryTimeout} > ${p.ttl})`;
}

export interface TrafficSettings {
  enabled: boolean;
  ratePerSecond: number;
}

/** Where the services' images come from: the pinned official images, or built by the program from Debian packages. */
export const IMAGE_SOURCES = ["registry", "build"] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];
/** How build mode gets its Debian base: one pull of lab:images.debian, or made from a Debian mirror (no registry). */
export const DEBIAN_BASES = ["pull", "debootstrap"] as const;
export type DebianBase = (typeof DEBIAN_BASES)[number];

export interface BuildSettings {
  imageSource: ImageSource;
  debianBase: DebianBase;
  /** Mirror debootstrap reads (lab:debianBase=debootstrap); default: the first of this host's apt sources. */
  debianMirror?: string;
  /** Network every image build's RUN steps use (`host` where bridges have no egress); default Docker's own. */
  network?: string;
  /** Platform of the lab's own builds (default linux/amd64; linux/arm64 on Apple silicon avoids emulation). */
  platform: string;
}

export interface LabConfig {
  project: string;
  stack: string;
  homeworks: Homework[];
  /** The homeworks this config was parsed against (and where their compositions live). */
  catalog: HomeworkCatalog;
  /** Prefix of every Docker name (containers, network, volumes), so stacks coexist on one Docker host. */
  prefix: string;
  /** Host address every published port binds to. */
  bindAddress: string;
  /** Host ports by key (every homework's keys, defaults filled). */
  ports: Record<string, number>;
  images: Images;
  patroni: PatroniSettings;
  traffic: TrafficSettings;
  /** Grafana runs only from its registry image (packaged nowhere else): off where nothing can be pulled. */
  grafana: { enabled: boolean };
  /** patroni-cdc's schema registry: registry-only as well (Apicurio's application is not buildable from Maven Central). */
  schemaRegistry: { enabled: boolean };
  build: BuildSettings;
  /** `pulumi destroy` keeps the data volumes and a later `up` reattaches them. */
  keepData: boolean;
  /** The secrets that are set, by key. */
  secrets: Record<string, pulumi.Output<string>>;
}

/** What the parser reads: plain values by key (objects as parsed JSON) and secrets as Outputs. */
export interface RawConfig {
  project: string;
  stack: string;
  get(key: string): unknown;
  secret(key: string): pulumi.Output<string> | undefined;
  /** The decrypted text of a set secret, only to refuse an empty one before anything is created. */
  secretText?(key: string): string | undefined;
}

/**
 * Bad lab:* input, in the one format the lab reports bad input in (providers/dynamic.ts badInput, used by the
 * components and providers): `<key> = <value as JSON>: <why>`, here with the key's `lab:` namespace.
 */
export class ConfigError extends Error {
  public readonly key: string;
  constructor(key: string, value: unknown, why: string) {
    super(badInput(`lab:${key}`, value, why).message);
    this.name = "ConfigError";
    this.key = `lab:${key}`;
  }
}

const PLAIN_KEYS = [
  "homeworks", "prefix", "bindAddress", "allowNonLoopback", "ports", "images", "patroni", "traffic", "grafana", "schemaRegistry",
  "imageSource", "debianBase", "debianMirror", "buildNetwork", "platform", "keepData",
];

/** Parses lab:* against the homeworks of `catalog` (default: this checkout's homeworks/). */
export function parseLabConfig(raw: RawConfig, presentKeys: string[] = [], catalog: HomeworkCatalog = HOMEWORK_CATALOG): LabConfig {
  const SECRET_KEYS = Object.keys(catalog.publicSecrets);
  const KNOWN_KEYS = new Set([...PLAIN_KEYS, ...SECRET_KEYS]);
  const needsOf = (h: Homework) => catalog.needs[h];
  for (const k of presentKeys) {
    if (!KNOWN_KEYS.has(k)) throw new ConfigError(k, raw.get(k) ?? "(secret)", `unknown key; known keys: ${[...KNOWN_KEYS].join(", ")}`);
  }
  const homeworks = parseHomeworks(raw, catalog);
  const prefix = str(raw, "prefix", `lab-${raw.stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-"));
  if (!/^[a-z][a-z0-9-]{0,29}$/.test(prefix)) {
    throw new ConfigError("prefix", prefix, "must start with a letter and hold 1..30 of a-z, 0-9, '-' (it names Docker objects)");
  }
  const bindAddress = parseBindAddress(raw);
  const ports = parsePorts(raw, homeworks, catalog);
  const images = parseMap(raw, "images", DEFAULT_IMAGES, (key, v) => {
    if (typeof v !== "string" || !/^[\w./:@-]+$/.test(v)) throw new ConfigError(`images.${key}`, v, "must be an image reference like registry/name:tag");
    if (!/[:@]/.test(v.split("/").pop()!) || /:latest$/.test(v)) {
      throw new ConfigError(`images.${key}`, v, "must be pinned to a tag or digest (not latest)");
    }
    return v;
  });
  const patroni = parsePatroni(raw);
  const traffic = parseMap(raw, "traffic", { enabled: true, ratePerSecond: 10 }, (key, v) => {
    if (key === "enabled") return bool(`traffic.${key}`, v);
    return intIn(`traffic.${key}`, v, 1, 1000);
  }) as TrafficSettings;
  const grafana = parseMap(raw, "grafana", { enabled: true }, (key, v) => bool(`grafana.${key}`, v));
  const schemaRegistry = parseMap(raw, "schemaRegistry", { enabled: true }, (key, v) => bool(`schemaRegistry.${key}`, v));
  const build = parseBuild(raw);
  const keepData = raw.get("keepData") === undefined ? false : bool("keepData", raw.get("keepData"));
  const secrets: Record<string, pulumi.Output<string>> = {};
  const needed = new Set(homeworks.flatMap((h) => Object.keys(needsOf(h).secrets)));
  for (const key of SECRET_KEYS) {
    const s = raw.secret(key);
    if (s && raw.secretText?.(key)?.trim() === "") throw new ConfigError(key, "(empty)", `an empty secret is no password; set it with \`pulumi config set --secret lab:${key} <value>\``);
    if (s && bindAddress.split(".")[0] !== "127" && raw.secretText?.(key) === catalog.publicSecrets[key]) {
      throw new ConfigError(key, "(the public default)", `lab:bindAddress = ${bindAddress} publishes beyond this host: set a password of your own with \`pulumi config set --secret lab:${key} <value>\``);
    }
    if (s) secrets[key] = s;
    else if (needed.has(key)) {
      throw new ConfigError(key, undefined, `missing secret needed by ${homeworks.filter((h) => key in needsOf(h).secrets).join(", ")}; set it with \`pulumi config set --secret lab:${key} <value>\``);
    }
  }
  return { project: raw.project, stack: raw.stack, homeworks, catalog, prefix, bindAddress, ports, images, patroni, traffic, grafana, schemaRegistry, build, keepData, secrets };
}

function parseHomeworks(raw: RawConfig, catalog: HomeworkCatalog): Homework[] {
  const HOMEWORKS = catalog.names;
  const given = raw.get("homeworks");
  const v = Array.isArray(given) && given.length === 0 ? undefined : given; // Pulumi.yaml's default is []
  const fallback: Homework[] = (HOMEWORKS as readonly string[]).includes(raw.stack) ? [raw.stack as Homework] : ["patroni-ha"];
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError("homeworks", v, `must be a list of: ${HOMEWORKS.join(", ")}`);
  for (const h of v) {
    if (!(HOMEWORKS as readonly unknown[]).includes(h)) throw new ConfigError("homeworks", v, `unknown homework ${JSON.stringify(h)}; known: ${HOMEWORKS.join(", ")}`);
  }
  if (new Set(v).size !== v.length) throw new ConfigError("homeworks", v, "lists a homework twice");
  return v as Homework[];
}

function parseBuild(raw: RawConfig): BuildSettings {
  const imageSource = oneOf(raw, "imageSource", IMAGE_SOURCES);
  const debianBase = oneOf(raw, "debianBase", DEBIAN_BASES);
  const mirror = raw.get("debianMirror");
  if (mirror !== undefined && mirror !== "" && (typeof mirror !== "string" || !/^(https?|file):\/\/\S+$/.test(mirror))) {
    throw new ConfigError("debianMirror", mirror, "must be a Debian mirror URL such as http://<mirror>/debian");
  }
  const network = raw.get("buildNetwork");
  if (network !== undefined && network !== "" && (typeof network !== "string" || !/^[a-zA-Z0-9][\w.-]*$/.test(network))) {
    throw new ConfigError("buildNetwork", network, "must be a Docker network name such as host or default");
  }
  const platform = str(raw, "platform", "linux/amd64");
  if (!/^linux\/(amd64|arm64)$/.test(platform)) throw new ConfigError("platform", platform, "must be linux/amd64 or linux/arm64");
  return {
    imageSource, debianBase, platform,
    ...(mirror ? { debianMirror: mirror as string } : {}),
    ...(network ? { network: network as string } : {}),
  };
}

/** A string key with a fixed set of values, the first being the default. */
function oneOf<T extends string>(raw: RawConfig, key: string, values: readonly T[]): T {
  const v = raw.get(key);
  if (v === undefined || v === "") return values[0];
  if (!(values as readonly unknown[]).includes(v)) throw new ConfigError(key, v, `must be one of: ${values.join(", ")}`);
  return v as T;
}

function parseBindAddress(raw: RawConfig): string {
  const addr = str(raw, "bindAddress", "127.0.0.1");
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (!ipv4 || ipv4.slice(1).some((o) => Number(o) > 255)) throw new ConfigError("bindAddress", addr, "must be an IPv4 address such as 127.0.0.1");
  const allow = raw.get("allowNonLoopback");
  if (ipv4[1] !== "127" && !(allow === undefined ? false : bool("allowNonLoopback", allow))) {
    throw new ConfigError("bindAddress", addr, "is not a loopback address; the lab's default credentials are public, so set lab:allowNonLoopback=true to publish on it deliberately");
  }
  return addr;
}

function parsePorts(raw: RawConfig, homeworks: Homework[], catalog: HomeworkCatalog): Record<string, number> {
  const ports = parseMap(raw, "ports", catalog.defaultPorts, (key, v) => intIn(`ports.${key}`, v, 1, 65535)) as Record<string, number>;
  const owner = new Map<number, string>();
  // Two homeworks publishing the same service would bind its host port twice.
  const publisher = new Map<string, Homework>();
  for (const h of homeworks) {
    for (const key of Object.keys(catalog.needs[h].ports)) {
      const other = publisher.get(key);
      if (other) throw new ConfigError("homeworks", homeworks, `${other} and ${h} both publish lab:ports.${key}; run them in separate stacks`);
      publisher.set(key, h);
    }
  }
  const used = [...publisher.keys()];
  for (const key of used) {
    const other = owner.get(ports[key]);
    if (other) throw new ConfigError(`ports.${key}`, ports[key], `already used by lab:ports.${other}; every published port must be distinct`);
    owner.set(ports[key], key);
  }
  return ports;
}

function parsePatroni(raw: RawConfig): PatroniSettings {
  const p = parseMap(raw, "patroni", { ttl: 20, loopWait: 1, retryTimeout: 5, synchronousMode: true }, (key, v) => {
    if (key === "synchronousMode") return bool(`patroni.${key}`, v);
    const [min, max] = PATRONI_TIMING_LIMITS[key];
    if (key === "ttl" && typeof v === "number" && v < min) throw new ConfigError("patroni.ttl", v, `Patroni's minimum leader lease is ${min} s`);
    return intIn(`patroni.${key}`, v, min, max);
  }) as PatroniSettings;
  // The rule binds three keys: name them all, with the values that break it.
  const broken = patroniTimingRule(p);
  if (broken) throw new ConfigError("patroni", { ttl: p.ttl, loopWait: p.loopWait, retryTimeout: p.retryTimeout }, broken);
  return p;
}

/** Reads an object key, rejecting unknown sub-keys, and fills defaults key by key. */
function parseMap<T extends Record<string, unknown>>(raw: RawConfig, key: string, defaults: T, check: (k: keyof T & string, v: unknown) => unknown): { [K in keyof T]: T[K] extends string ? string : T[K] extends number ? number : T[K] } {
  const v = raw.get(key);
  if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v))) {
    throw new ConfigError(key, v, `must be an object with keys among: ${Object.keys(defaults).join(", ")}`);
  }
  const given = (v ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!(k in defaults)) throw new ConfigError(`${key}.${k}`, given[k], `unknown key; known: ${Object.keys(defaults).join(", ")}`);
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(defaults)) out[k] = k in given ? check(k, given[k]) : defaults[k];
  return out as any;
}

function str(raw: RawConfig, key: string, dflt: string): string {
  const v = raw.get(key);
  if (v === undefined || v === "") return dflt; // Pulumi.yaml's default for strings is ""

  if (typeof v !== "string" || v === "") throw new ConfigError(key, v, "must be a non-empty string");
  return v;
}

function intIn(key: string, v: unknown, min: number, max: number): number {
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(key, v, `must be ${min}..${max}`);
  return n;
}

function bool(key: string, v: unknown): boolean {
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw new ConfigError(key, v, "must be true or false");
}

/** Reads the stack's `lab:*` config through pulumi.Config and parses it. */
export function loadLabConfig(): LabConfig {
  const cfg = new pulumi.Config("lab");
  const all = pulumi.runtime.allConfig();
  const present = Object.keys(all).filter((k) => k.startsWith("lab:")).map((k) => k.slice(4));
  return parseLabConfig({
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    get: (key) => {
      const text = cfg.get(key);
      if (text === undefined) return undefined;
      try { return JSON.parse(text); } catch { return text; } // plain strings are not JSON
    },
    // getSecret answers with an Output even when the key is unset: decide presence from the key list.
    secret: (key) => (present.includes(key) ? cfg.requireSecret(key) : undefined),
    secretText: (key) => all[`lab:${key}`],
  }, present);
}

/** The homeworks of this checkout (homeworks/), read once the rest of this module is defined. */
export const HOMEWORK_CATALOG = discoverHomeworks();
export const HOMEWORKS: readonly string[] = HOMEWORK_CATALOG.names;
