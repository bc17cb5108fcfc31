// Pulumi's SDK stamps every promise it makes with `new Error().stack` (runtime/debuggable.js) and prints those stacks
// only when PULUMI_DEBUG_PROMISE_LEAKS is set; its runner's source-map-support hook maps each of them frame by frame,
// which cost about 1 s of a patroni-cdc no-op up's CPU (bench/README-noop.md). Unless that variable is set, those
// probes are left unformatted; every other stack is mapped as before.
import * as path from "path";

export const UNFORMATTED_PROMISE_STACK = "Error (not formatted: set PULUMI_DEBUG_PROMISE_LEAKS to see where this promise was made)";
const PROBE_FILE = path.join("@pulumi", "pulumi", "runtime", "debuggable.js");

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/** Wraps the installed Error.prepareStackTrace; a no-op without one or with PULUMI_DEBUG_PROMISE_LEAKS set. */
export function skipUnusedPromiseStacks(env: NodeJS.ProcessEnv = process.env): void {
  const mapStack = Error.prepareStackTrace as PrepareStackTrace | undefined;
  if (typeof mapStack !== "function" || env.PULUMI_DEBUG_PROMISE_LEAKS) return;
  Error.prepareStackTrace = (error, frames) => {
    const top = frames[0];
    const probe = top !== undefined && top.getFunctionName() === "debuggablePromise" && (top.getFileName() ?? "").endsWith(PROBE_FILE);
    return probe ? UNFORMATTED_PROMISE_STACK : mapStack(error, frames);
  };
}
