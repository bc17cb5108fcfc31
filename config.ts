// The only module that reads pulumi.Config: it parses, fills defaults and validates every `lab:*` key
// before any resource is registered, so a bad value fails fast with the key and the value in the message.
// It knows what every lab has (prefix, bind address, ports, images, how images are built, keepData, secrets); each
// homework declares its own settings in its needs.ts (program/settings.ts), which are read here too.
import * as pulumi from "@pulumi/pulumi";
import { BuildSettings, DEBIAN_BASES, IMAGE_SOURCES } from "./components/core/labImages";
import { DEFAULT_IMAGES, Images } from "./images/catalog";
import { HomeworkCatalog, discoverHomeworks } from "./program/homeworks";
import { ConfigError, flag, integer, parseSetting } from "./program/settings";

export type Homework = string;

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
  build: BuildSettings;
  /** `pulumi destroy` keeps the data volumes and a later `up` reattaches them. */
  keepData: boolean;
  /** The secrets that are set, by key. */
  secrets: Record<string, pulumi.Output<string>>;
  /** Every homework setting (lab:<key> declared in a needs.ts), parsed, defaults filled. */
  settings: Record<string, Record<string, unknown>>;
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

/** The keys every lab has; a homework's own settings and secrets come from its needs.ts. */
const PLAIN_KEYS = [
  "homeworks", "prefix", "bindAddress", "allowNonLoopback", "ports", "images",
  "imageSource", "debianBase", "debianMirror", "buildNetwork", "platform", "keepData",
];

/** Parses lab:* against the homeworks of `catalog` (default: this checkout's homeworks/). */
export function parseLabConfig(raw: RawConfig, presentKeys: string[] = [], catalog: HomeworkCatalog = HOMEWORK_CATALOG): LabConfig {
  const SECRET_KEYS = Object.keys(catalog.publicSecrets);
  const SETTING_KEYS = Object.keys(catalog.settings);
  for (const k of [...SECRET_KEYS, ...SETTING_KEYS]) {
    if (PLAIN_KEYS.includes(k)) throw new ConfigError("homeworks", k, `a homework declares lab:${k}, a key every lab has (config.ts): name it otherwise`);
  }
  const KNOWN_KEYS = new Set([...PLAIN_KEYS, ...SETTING_KEYS, ...SECRET_KEYS]);
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
  const settings = Object.fromEntries(SETTING_KEYS.map((k) => [k, parseSetting(k, catalog.settings[k], raw.get(k))]));
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
  return { project: raw.project, stack: raw.stack, homeworks, catalog, prefix, bindAddress, ports, images, build, keepData, secrets, settings };
}

function parseHomeworks(raw: RawConfig, catalog: HomeworkCatalog): Homework[] {
  const HOMEWORKS = catalog.names;
  const given = raw.get("homeworks");
  const v = Array.isArray(given) && given.length === 0 ? undefined : given; // Pulumi.yaml's default is []
  if (v === undefined) {
    if (HOMEWORKS.includes(raw.stack)) return [raw.stack];
    if (catalog.fallback) return [catalog.fallback];
    throw new ConfigError("homeworks", v, `unset, and stack ${raw.stack} is not named after a homework; set it to a list of: ${HOMEWORKS.join(", ")}`);
  }
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

/** Reads an object key (lab:ports, lab:images) as a setting whose fields are the defaults' keys. */
function parseMap<T extends Record<string, unknown>>(raw: RawConfig, key: string, defaults: T, check: (k: keyof T & string, v: unknown) => unknown): { [K in keyof T]: T[K] extends string ? string : T[K] extends number ? number : T[K] } {
  const fields = Object.fromEntries(Object.keys(defaults).map((k) => [k, { default: defaults[k], parse: (_: string, v: unknown) => check(k, v) }]));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return parseSetting(key, { fields }, raw.get(key)) as any;
}

function str(raw: RawConfig, key: string, dflt: string): string {
  const v = raw.get(key);
  if (v === undefined || v === "") return dflt; // Pulumi.yaml's default for strings is ""

  if (typeof v !== "string" || v === "") throw new ConfigError(key, v, "must be a non-empty string");
  return v;
}

function intIn(key: string, v: unknown, min: number, max: number): number {
  return integer(min, min, max).parse(key, v);
}

function bool(key: string, v: unknown): boolean {
  return flag(false).parse(key, v);
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
