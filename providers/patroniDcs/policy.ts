// Pure half of PatroniDcs: Patroni's dynamic settings as the lab names them, the patronictl command that sets
// them, and what `patronictl show-config` answers read back as the same shape.
import { parse } from "yaml";
import { badInput } from "../dynamic";

/** lab:patroni as Patroni's DCS keys (seconds; synchronous_mode a boolean). */
export interface DcsSettings {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
  synchronous_mode: boolean;
}

export const DCS_KEYS = ["ttl", "loop_wait", "retry_timeout", "synchronous_mode"] as const;

export function validateDcsSettings(s: DcsSettings): DcsSettings {
  for (const k of ["ttl", "loop_wait", "retry_timeout"] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw badInput(`settings.${k}`, s[k], "must be a whole number of seconds >= 1");
  }
  if (typeof s.synchronous_mode !== "boolean") throw badInput("settings.synchronous_mode", s.synchronous_mode, "must be true or false");
  return s;
}

// Patroni's REST API on the member itself, through the python3 every Patroni image has: a few ms to start, where
// patronictl (click, psycopg, the etcd client) takes seconds on a loaded host.
const REST = (method: string) => "import sys, urllib.request as u; " +
  `r = u.Request('http://127.0.0.1:' + sys.argv[1] + '/config', method='${method}', data=(sys.argv[2].encode() if len(sys.argv) > 2 else None), headers={'Content-Type': 'application/json'}); ` +
  "sys.stdout.write(u.urlopen(r, timeout=5).read().decode())";

/** PATCH /config with the lab's keys: Patroni applies them to the running cluster (the DCS), no restart. */
export function patchConfigCommand(restPort: number, s: DcsSettings): string[] {
  return ["python3", "-c", REST("PATCH"), String(restPort), JSON.stringify(Object.fromEntries(DCS_KEYS.map((k) => [k, s[k]])))];
}

/** GET /config: the cluster's dynamic configuration as JSON. */
export function showConfigCommand(restPort: number): string[] {
  return ["python3", "-c", REST("GET"), String(restPort)];
}

/** The lab's keys out of GET /config (JSON, or `patronictl show-config` YAML); Patroni's defaults for omitted keys. */
export function parseShowConfig(yaml: string): DcsSettings {
  const doc = (parse(yaml) ?? {}) as Record<string, unknown>;
  return {
    ttl: Number(doc.ttl ?? 30),
    loop_wait: Number(doc.loop_wait ?? 10),
    retry_timeout: Number(doc.retry_timeout ?? 10),
    synchronous_mode: doc.synchronous_mode === true || doc.synchronous_mode === "on" || doc.synchronous_mode === "true",
  };
}
