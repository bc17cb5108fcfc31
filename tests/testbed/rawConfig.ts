import * as pulumi from "@pulumi/pulumi";
import { RawConfig } from "../../config";

/** A RawConfig from plain values; every secret set unless listed in `missing`. */
export function rawConfig(values: Record<string, unknown> = {}, stack = "dev", missing: string[] = [], texts: Record<string, string> = {}): RawConfig {
  return {
    project: "data-eng-lab", stack,
    get: (k) => values[k],
    secret: (k) => (missing.includes(k) ? undefined : pulumi.secret(texts[k] ?? `${k}-value`)),
    secretText: (k) => (missing.includes(k) ? undefined : texts[k] ?? `${k}-value`),
  };
}

