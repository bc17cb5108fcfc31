// How a homework declares a setting of its own (`lab:<key>`, an object of typed fields) in its needs.ts: the defaults,
// the check of each field and of the whole, and what the setting leaves out when it turns a component off. config.ts
// reads and checks every declared setting before anything is created; the homework's compose gets the parsed values.
import { badInput } from "../providers/dynamic";

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

/** One field of a setting: its default and how a given value is read (`key` is the field's full name, e.g. patroni.ttl). */
export interface Field<T> {
  default: T;
  parse(key: string, value: unknown): T;
}

/** What a component switch turns off: the lab:ports keys it no longer publishes and the lab:images keys it no longer runs. */
export interface LeftOut {
  ports: readonly string[];
  images: readonly string[];
}

/** A setting `lab:<key>` as a homework declares it. */
export interface Setting<T extends Record<string, unknown> = Record<string, unknown>> {
  fields: { readonly [K in keyof T]: Field<T[K]> };
  /** A rule across fields; a broken one names the fields it binds (with their values) and why. */
  rule?(value: T): { fields: readonly (keyof T & string)[]; why: string } | undefined;
  /** A component switch: what `lab:<key>.enabled false` leaves out (pre-flight neither checks its ports nor pulls its images). */
  switchesOff?: LeftOut;
}

/** The parsed value of a setting. */
export type SettingValue<S> = S extends Setting<infer T> ? T : never;

export function flag(dflt: boolean): Field<boolean> {
  return {
    default: dflt,
    parse(key, v) {
      if (v === true || v === "true") return true;
      if (v === false || v === "false") return false;
      throw new ConfigError(key, v, "must be true or false");
    },
  };
}

/** A whole number in [min, max]; `below` says why a value under min is refused when it is more than a range (e.g. a floor). */
export function integer(dflt: number, min: number, max: number, below?: string): Field<number> {
  return {
    default: dflt,
    parse(key, v) {
      const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
      if (below && typeof n === "number" && n < min) throw new ConfigError(key, v, below);
      if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(key, v, `must be ${min}..${max}`);
      return n;
    },
  };
}

/** `lab:<key>.enabled` (default true) for a component a homework can leave out, with what it then leaves out. */
export function componentSwitch(leaves: LeftOut): Setting<{ enabled: boolean }> {
  return { fields: { enabled: flag(true) }, switchesOff: leaves };
}

/** Reads `lab:<key>` against its declaration: unknown fields refused, defaults filled field by field, the rule checked. */
export function parseSetting<T extends Record<string, unknown>>(key: string, setting: Setting<T>, given: unknown): T {
  const names = Object.keys(setting.fields);
  if (given !== undefined && (typeof given !== "object" || given === null || Array.isArray(given))) {
    throw new ConfigError(key, given, `must be an object with keys among: ${names.join(", ")}`);
  }
  const g = (given ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(g)) if (!names.includes(k)) throw new ConfigError(`${key}.${k}`, g[k], `unknown key; known: ${names.join(", ")}`);
  const value = Object.fromEntries(names.map((k) => {
    const f = setting.fields[k as keyof T];
    return [k, k in g ? f.parse(`${key}.${k}`, g[k]) : f.default];
  })) as T;
  const broken = setting.rule?.(value);
  // The rule binds several fields: name them all, with the values that break it.
  if (broken) throw new ConfigError(key, Object.fromEntries(broken.fields.map((f) => [f, value[f]])), broken.why);
  return value;
}
