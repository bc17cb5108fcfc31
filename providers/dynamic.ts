import * as pulumi from "@pulumi/pulumi";

/**
 * Small pieces every lab dynamic provider shares. Keep this file free of I/O: provider objects capture it and
 * Pulumi's closure serializer copies whatever they capture into the state.
 */

/** Inputs every lab dynamic resource carries: bumping `version` turns a provider code change into an update. */
export interface VersionedInputs {
  version: string;
}

/** The provider host adds `__provider` (the serialized provider) to every property bag; outputs should not echo it. */
export function withoutProviderKey<T extends object>(props: T): T {
  const copy = { ...props } as Record<string, unknown>;
  delete copy.__provider;
  return copy as T;
}

/**
 * JSON with object keys sorted: state comes back from the engine as a protobuf Struct whose key order differs from
 * the program's, and that must not read as a change. Array order still counts.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, v) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().filter((key) => v[key] !== undefined).map((key) => [key, v[key]]))
    : v));
}

/** Top-level keys whose values differ between the old state and the new inputs (deep; unset equals null). */
export function changedKeys(olds: Record<string, unknown>, news: Record<string, unknown>, keys: readonly string[]): string[] {
  return keys.filter((k) => canonicalJson(olds[k]) !== canonicalJson(news[k]));
}

/** Which keys force a replacement and which only an update: the diff every lab provider starts from. */
export function keyDiff(olds: object, news: object, replaceKeys: readonly string[], updateKeys: readonly string[]): { replaces: string[]; updates: string[] } {
  const o = olds as Record<string, unknown>, n = news as Record<string, unknown>;
  return { replaces: changedKeys(o, n, replaceKeys), updates: changedKeys(o, n, updateKeys) };
}

/**
 * Resource options with `names` added to additionalSecretOutputs. A dynamic provider receives secrets unwrapped
 * and returns plain outputs, so only this option keeps a password encrypted in the state.
 */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, names: readonly string[]): pulumi.CustomResourceOptions {
  const already = opts?.additionalSecretOutputs ?? [];
  return { ...opts, additionalSecretOutputs: [...new Set([...already, ...names])] };
}

/** The message of anything thrown (with its cause, which fetch keeps the real reason in), for error texts. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const text = e.message || e.name;
  return e.cause === undefined ? text : `${text} (${errorText(e.cause)})`;
}

/**
 * Bad input: the message names the key and the value; `key` lets check() report the property. A plain Error with a
 * field, not a subclass: the closure serializer turns classes into functions and `Error.call(this)` loses the message.
 */
export type InputError = Error & { key: string };

export function badInput(key: string, value: unknown, reason: string): InputError {
  return Object.assign(new Error(`${key} = ${JSON.stringify(value)}: ${reason}`), { key });
}

/** The engine's placeholder for a value not known until apply (the SDK's rpc.unknownValue, copied to keep the provider closure small). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when any value inside is still unknown (preview): validation waits for the real value. */
export function hasUnknowns(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknowns);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknowns);
  return false;
}

/** A check() result: the inputs unchanged, or the validation error as a failure on the property it names. */
export function checkWith<T>(news: T, validate: (news: T) => unknown): { inputs: T; failures?: { property: string; reason: string }[] } {
  if (hasUnknowns(news)) return { inputs: news };
  try {
    validate(news);
    return { inputs: news };
  } catch (e) {
    const property = typeof (e as Partial<InputError>)?.key === "string" ? (e as InputError).key : "";
    return { inputs: news, failures: [{ property, reason: errorText(e) }] };
  }
}

/**
 * The provider of a resource that is one action, run on create and again on every update (a wait, a job): its diff is
 * `keys` changing, always in place; refresh keeps what the last run recorded (a run is a moment, not state); delete
 * has nothing to remove.
 */
export function actionProvider<I, O>(a: {
  validate: (news: I) => unknown;
  keys: readonly string[];
  run: (inputs: I) => Promise<O>;
  id: (inputs: I, outs: O) => string;
}): pulumi.dynamic.ResourceProvider<I, O> {
  return {
    async check(_olds, news) {
      return checkWith(news, a.validate);
    },
    async diff(_id, olds, news) {
      return { changes: changedKeys(olds as Record<string, unknown>, news as Record<string, unknown>, a.keys).length > 0, deleteBeforeReplace: false };
    },
    async create(inputs) {
      const outs = await a.run(inputs);
      return { id: a.id(inputs, outs), outs };
    },
    async update(_id, _olds, news) {
      return { outs: await a.run(news) };
    },
    async read(id, props) {
      return { id, props };
    },
    async delete() {
      return;
    },
  };
}

export function requireText(key: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") throw badInput(key, value, "must be a non-empty string");
  return value;
}

export function requirePort(key: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    throw badInput(key, value, "must be an integer 1..65535");
  }
  return value as number;
}

/** A positive whole number of milliseconds (or of anything else), with a default when unset. */
export function positiveInt(key: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || (value as number) <= 0) throw badInput(key, value, "must be a positive integer");
  return value as number;
}

/** One of `allowed`; unset means `fallback`, or an error when there is none. */
export function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback?: T): T {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (!allowed.includes(value as T)) throw badInput(key, value, `must be one of ${allowed.join(", ")}`);
  return value as T;
}
