// The base of every lab dynamic resource: what pulumi.dynamic.Resource registers, with each provider's serialized
// closure kept in bin/.providers/ between runs. Pulumi's closure serializer parses every captured function with
// TypeScript and walks node_modules with arborist: 1.5-2 s of CPU for the six providers on every `up`, while their
// text changes only with the compiled program, the SDK or the installed packages (the cache key).
// Not captured by any provider: nothing here runs in the provider host.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROGRAM_BUILD_DIR, PROGRAM_COMPILED, REPO_ROOT } from "../program/paths";

/** What Pulumi's closure serializer returns (pulumi.runtime.serializeFunction). */
export interface SerializedFunction { text: string; containsSecrets: boolean }
export type Serialize = (provider: object) => Promise<SerializedFunction>;

const sdkSerialize: Serialize = (provider) => pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });

/**
 * What every cache key starts from: the SDK's version, every compiled module of the program (a closure may capture
 * any of them; an edit anywhere serializes again, next to a compile that costs more) and package-lock.json (the
 * node_modules it requires from). Hashed once per run.
 */
export function programDigest(sdkVersion: string, files: { name: string; text: string }[], lock: string): string {
  const h = crypto.createHash("sha256").update(`${sdkVersion}\0${lock}\0`);
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${f.name}\0${f.text}\0`);
  return h.digest("hex");
}

/** The key of a provider type's cache entry. */
export function providerCacheKey(type: string, digest: string): string {
  return crypto.createHash("sha256").update(`${digest}\0${type}`).digest("hex").slice(0, 20);
}

/** The stored text under `key`, read synchronously: a dynamic resource's registration then waits for no I/O. */
export function readCachedSerialization(dir: string, type: string, key: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, `${type}-${key}.js`), "utf8");
  } catch {
    return undefined;
  }
}

/** Serializes the provider and stores the text under `key` (older entries of the type removed), unless it captured a secret. */
export async function serializeAndStore(dir: string, type: string, key: string, provider: object, serialize: Serialize = sdkSerialize): Promise<SerializedFunction> {
  const sf = await serialize(provider);
  if (sf.containsSecrets) return sf;
  const file = path.join(dir, `${type}-${key}.js`);
  try {
    await fs.promises.mkdir(dir, { recursive: true });
    for (const old of (await fs.promises.readdir(dir)).filter((f) => f.startsWith(`${type}-`) && f !== path.basename(file))) {
      await fs.promises.rm(path.join(dir, old), { force: true });
    }
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, sf.text);
    await fs.promises.rename(tmp, file);
  } catch (e) {
    // Only a cache: the next run serializes again.
    pulumi.log.debug(`${type}: serialized provider not stored in ${dir}: ${(e as Error).message}`);
  }
  return sf;
}

const CACHE_DIR = path.join(PROGRAM_BUILD_DIR, ".providers");

function jsFiles(dir: string): { name: string; text: string }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === path.basename(CACHE_DIR) ? [] : jsFiles(p);
    return e.name.endsWith(".js") ? [{ name: path.relative(PROGRAM_BUILD_DIR, p), text: fs.readFileSync(p, "utf8") }] : [];
  });
}

let digest: string | undefined;
const serialized = new WeakMap<object, pulumi.Output<string>>();

/** The provider's `__provider` input, once per provider object. */
function serializedProvider(provider: object, type: string): pulumi.Output<string> {
  let out = serialized.get(provider);
  if (!out) {
    out = providerText(provider, type);
    serialized.set(provider, out);
  }
  return out;
}

/** From the cache when the program runs compiled, else serialized as the SDK does. */
function providerText(provider: object, type: string): pulumi.Output<string> {
  let sf: Promise<SerializedFunction>;
  if (PROGRAM_COMPILED) {
    digest ??= programDigest(require("@pulumi/pulumi/package.json").version, jsFiles(PROGRAM_BUILD_DIR),
      fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
    const key = providerCacheKey(type, digest);
    const cached = readCachedSerialization(CACHE_DIR, type, key);
    if (cached !== undefined) return pulumi.output(cached);
    sf = serializeAndStore(CACHE_DIR, type, key, provider);
  } else {
    sf = sdkSerialize(provider);
  }
  return pulumi.output(sf).apply((s): pulumi.Output<string> => (s.containsSecrets ? pulumi.secret(s.text) : pulumi.output(s.text)));
}

/**
 * A dynamic resource of the lab: type `pulumi-nodejs:dynamic/lab:<type>` with the serialized provider as
 * `__provider`, exactly what `pulumi.dynamic.Resource` registers (state written by either reads the same).
 */
export abstract class LabDynamicResource extends pulumi.CustomResource {
  constructor(provider: pulumi.dynamic.ResourceProvider, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    if ("__provider" in props) throw new Error(`${type} ${name}: a dynamic resource must not set __provider`);
    super(`pulumi-nodejs:dynamic/lab:${type}`, name, { ...props, __provider: serializedProvider(provider, type) }, opts);
  }
}
