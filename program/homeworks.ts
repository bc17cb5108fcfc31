// The homeworks of a checkout: every folder of homeworks/ with an index.ts, and what each declares in its needs.ts
// (a pure data module: read before anything is created, it imports no component that registers resources).
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_IMAGES, ImageKey } from "../images/catalog";
import { moduleDir, REPO_ROOT } from "./paths";
import { ConfigError, Setting } from "./settings";

/**
 * What a homework declares in homeworks/<name>/needs.ts: the host ports it publishes with their defaults, the secrets
 * it reads with the public default its committed stack file carries, the keys of lab:images it runs, and its own
 * settings (lab:<key>, program/settings.ts).
 */
export interface HomeworkNeeds {
  ports: Readonly<Record<string, number>>;
  /** Secret key → the public password the committed Pulumi.<name>.yaml holds (encrypted with the passphrase `lab`). */
  secrets: Readonly<Record<string, string>>;
  images: readonly ImageKey[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  settings: Readonly<Record<string, Setting<any>>>;
  /** The homework a stack stands up when lab:homeworks is unset and the stack is not named after a homework. */
  isDefault?: true;
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
  /** Every setting key with its declaration (homeworks sharing a key share the declaration). */
  settings: Readonly<Record<string, Setting>>;
  /** The homework whose needs say isDefault, if one does. */
  fallback?: string;
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
  const settings: Record<string, Setting> = {};
  const declaredBy: Record<string, string> = {};
  const agree = (kind: string, into: Record<string, unknown>, name: string, key: string, value: unknown) => {
    const at = `${kind}.${key}`;
    if (key in into && into[key] !== value) {
      if (typeof value === "object") throw new ConfigError(key, name, `homeworks ${declaredBy[at]} and ${name} declare lab:${key} each their own way: share one declaration (import it from one module)`);
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
    for (const [k, v] of Object.entries(n.settings)) agree("settings", settings, name, k, v);
    needs[name] = n;
  }
  const defaults = names.filter((n) => needs[n].isDefault);
  if (defaults.length > 1) throw new ConfigError("homeworks", defaults, "more than one homework says isDefault in its needs.ts");
  return { root, names, needs, defaultPorts, publicSecrets, settings, ...(defaults.length ? { fallback: defaults[0] } : {}) };
}

/** A setting key is one camelCase word: it is read as lab:<key>. */
const SETTING_KEY = /^[a-z][A-Za-z0-9]{0,39}$/;

function loadNeeds(root: string, name: string): HomeworkNeeds {
  const file = path.join(root, name, "needs");
  let n: HomeworkNeeds | undefined;
  try { n = require(path.join(moduleDir(path.join(root, name)), "needs")).needs; } catch (e) { throw new ConfigError("homeworks", name, `cannot load ${file}: ${(e as Error).message}`); }
  const bad = (why: string) => new ConfigError("homeworks", name, `${file}.ts: ${why}`);
  if (!n || typeof n !== "object") throw bad("exports no `needs` object");
  if (!n.ports || !n.secrets || !n.images || !n.settings) throw bad("needs { ports, secrets, images, settings }");
  for (const [k, v] of Object.entries(n.ports)) if (!Number.isInteger(v) || v < 1 || v > 65535) throw bad(`ports.${k} = ${JSON.stringify(v)}: must be 1..65535`);
  for (const [k, v] of Object.entries(n.secrets)) if (typeof v !== "string" || v.trim() === "") throw bad(`secrets.${k}: the public default must be a non-empty string`);
  for (const k of n.images) if (!(k in DEFAULT_IMAGES)) throw bad(`images: unknown image key ${JSON.stringify(k)}; known: ${Object.keys(DEFAULT_IMAGES).join(", ")}`);
  for (const [k, s] of Object.entries(n.settings)) {
    if (!SETTING_KEY.test(k)) throw bad(`settings.${k}: a setting key is a camelCase word`);
    if (!s || typeof s !== "object" || !s.fields || Object.keys(s.fields).length === 0) throw bad(`settings.${k}: declare its fields (program/settings.ts)`);
  }
  return n;
}
