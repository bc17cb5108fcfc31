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

/** `patronictl edit-config --force -s key=value …`: Patroni applies it to the running cluster, no restart. */
export function editConfigCommand(configPath: string, s: DcsSettings): string[] {
  return ["patronictl", "-c", configPath, "edit-config", "--force", ...DCS_KEYS.flatMap((k) => ["-s", `${k}=${s[k]}`])];
}

export function showConfigCommand(configPath: string): string[] {
  return ["patronictl", "-c", configPath, "show-config"];
}

/** The lab's keys out of `patronictl show-config` YAML (Patroni's defaults for keys it omits). */
export function parseShowConfig(yaml: string): DcsSettings {
  const doc = (parse(yaml) ?? {}) as Record<string, unknown>;
  return {
    ttl: Number(doc.ttl ?? 30),
    loop_wait: Number(doc.loop_wait ?? 10),
    retry_timeout: Number(doc.retry_timeout ?? 10),
    synchronous_mode: doc.synchronous_mode === true || doc.synchronous_mode === "on" || doc.synchronous_mode === "true",
  };
}
