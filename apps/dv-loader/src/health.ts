// What "healthy" means for the loader.
import type { LoaderStatus } from "./loader";

/** Healthy while the consumer runs, no batch is failing, and the DWH answered within the last `maxAgeMs`. */
export function isHealthy(s: LoaderStatus, now: number, maxAgeMs = 30_000): boolean {
  return s.consuming && s.failingBatch === undefined && s.lastDwhOkAt !== undefined && now - s.lastDwhOkAt <= maxAgeMs;
}
