// The program leaves the SDK's per-promise debug stacks unformatted (program/promiseStacks.ts) and maps every other stack.
import * as assert from "assert";
import { skipUnusedPromiseStacks, UNFORMATTED_PROMISE_STACK } from "./promiseStacks";

// The SDK's own helper, the one that stamps a stack on every promise it makes.
const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T> };
/** The stack debuggablePromise stamps on the promise it is given. */
function stampOf(): string {
  const p = Promise.resolve(1);
  debuggablePromise(p, "test");
  return (p as unknown as { _debugStackTrace: string })._debugStackTrace;
}

describe("stacks: the SDK's per-promise stacks are not formatted, every other stack is", () => {
  const installed = Error.prepareStackTrace;
  let mapped = 0;
  const mapper = (error: Error, frames: NodeJS.CallSite[]) => { mapped++; return `MAPPED ${error.message} (${frames.length} frames)`; };
  afterEach(() => { Error.prepareStackTrace = installed; });

  it("skips debuggablePromise's probe and still maps a program error", () => {
    Error.prepareStackTrace = mapper;
    skipUnusedPromiseStacks({});
    mapped = 0;
    assert.strictEqual(stampOf(), UNFORMATTED_PROMISE_STACK);
    assert.strictEqual(mapped, 0);
    assert.match(new Error("boom").stack!, /^MAPPED boom \(\d+ frames\)$/);
    assert.strictEqual(mapped, 1);
  });

  it("maps the probes too when PULUMI_DEBUG_PROMISE_LEAKS asks for them (the SDK prints them then)", () => {
    Error.prepareStackTrace = mapper;
    skipUnusedPromiseStacks({ PULUMI_DEBUG_PROMISE_LEAKS: "1" });
    assert.match(stampOf(), /^MAPPED  \(\d+ frames\)$/);
  });

  it("installs nothing when no hook maps stacks", () => {
    Reflect.deleteProperty(Error, "prepareStackTrace");
    skipUnusedPromiseStacks({});
    assert.strictEqual(Error.prepareStackTrace, undefined);
  });
});
