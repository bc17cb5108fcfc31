import * as pulumi from "@pulumi/pulumi";
import { LabDynamicResource } from "../resource";
import { actionProvider, VersionedInputs, withoutProviderKey, withSecretOutputs } from "../dynamic";
import { describeTarget, HealthTarget, normalizeRetryPolicy, normalizeTarget } from "./policy";
import { waitForTarget } from "./probes";

export * from "./policy";
export { waitUntilReady, waitForTarget, probeFor, tcpProbe, httpProbe, sqlProbe, realClock } from "./probes";
export type { Probe, Clock, Readiness } from "./probes";

/** Bump when the provider's behaviour changes: the version input turns that into an update of every gate. */
export const HEALTH_GATE_PROVIDER_VERSION = "1";

/** What the provider receives: the target flattened so `password` is a top-level (secret) property. */
export interface HealthGateInputs extends VersionedInputs {
  kind: HealthTarget["kind"];
  host?: string;
  port?: number;
  url?: string;
  bodyMatch?: string;
  user?: string;
  database?: string;
  password?: string;
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  attemptTimeoutMs?: number;
  triggers?: unknown[];
}

export interface HealthGateOutputs extends HealthGateInputs {
  target: string;
  attempts: number;
  elapsedMs: number;
  readyAt: string;
}

/** Every input whose change makes the gate wait again. */
const GATE_KEYS = ["kind", "host", "port", "url", "bodyMatch", "user", "database", "password",
  "timeoutMs", "initialDelayMs", "maxDelayMs", "attemptTimeoutMs", "triggers", "version"] as const;

function validate(inputs: HealthGateInputs) {
  return { target: normalizeTarget(inputs as unknown as Record<string, unknown>), policy: normalizeRetryPolicy(inputs) };
}

async function openGate(inputs: HealthGateInputs): Promise<HealthGateOutputs> {
  const { target, policy } = validate(inputs);
  const ready = await waitForTarget(target, policy);
  return { ...withoutProviderKey(inputs), target: describeTarget(target), ...ready, readyAt: new Date().toISOString() };
}

/**
 * The engine calls create/update only in `pulumi up`, never in preview; check and diff (which preview does call)
 * are pure, so a preview never probes anything.
 */
export const healthGateProvider = actionProvider<HealthGateInputs, HealthGateOutputs>({
  validate, keys: GATE_KEYS, run: openGate, id: (_inputs, outs) => outs.target,
});

type InputsOf<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export type HealthGateTarget =
  | InputsOf<Extract<HealthTarget, { kind: "tcp" }>>
  | InputsOf<Extract<HealthTarget, { kind: "http" }>>
  | InputsOf<Extract<HealthTarget, { kind: "sql" }>>;

export interface HealthGateArgs {
  target: HealthGateTarget;
  timeoutMs?: pulumi.Input<number>;
  initialDelayMs?: pulumi.Input<number>;
  maxDelayMs?: pulumi.Input<number>;
  attemptTimeoutMs?: pulumi.Input<number>;
  /** Values that make the gate wait again when they change, e.g. the id of the container it guards. */
  triggers?: pulumi.Input<unknown>[];
}

/** Waits, during `pulumi up`, until a TCP port, an HTTP endpoint or a SQL server is ready; depend on it with dependsOn. */
export class HealthGate extends LabDynamicResource {
  // `declare`: with target es2022 a plain field would be re-initialised to undefined after super() set it.
  declare public readonly target: pulumi.Output<string>;
  declare public readonly attempts: pulumi.Output<number>;
  declare public readonly elapsedMs: pulumi.Output<number>;
  declare public readonly readyAt: pulumi.Output<string>;

  constructor(name: string, args: HealthGateArgs, opts?: pulumi.CustomResourceOptions) {
    const t = args.target as Record<string, pulumi.Input<unknown> | undefined>;
    const password = t.password === undefined ? undefined : pulumi.secret(t.password);
    super(healthGateProvider, "HealthGate", name, {
      ...t, password,
      timeoutMs: args.timeoutMs, initialDelayMs: args.initialDelayMs, maxDelayMs: args.maxDelayMs,
      attemptTimeoutMs: args.attemptTimeoutMs, triggers: args.triggers, version: HEALTH_GATE_PROVIDER_VERSION,
      target: undefined, attempts: undefined, elapsedMs: undefined, readyAt: undefined,
    }, withSecretOutputs(opts, ["password"]));
  }
}
