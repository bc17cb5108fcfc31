// ContainerJob: a one-shot container (created by the docker provider with `start: false`) run to its end during
// `pulumi up`, as compose's `service_completed_successfully` does. The docker provider never fails on an exit code,
// and a container it recorded is not run again; this resource starts it, waits for it to exit and fails the `up`
// with the job's own log lines when it exits non-zero. A failed job is not recorded, so the next `up` runs it again;
// a new container (a new image, env or command replaces it) runs it again too; an unchanged one changes nothing.
import * as pulumi from "@pulumi/pulumi";
import type Docker from "dockerode";
import { LabDynamicResource } from "../resource";
import { actionProvider, positiveInt, requireText, VersionedInputs, withoutProviderKey } from "../dynamic";
import { withTimeout } from "../retry";

export const CONTAINER_JOB_PROVIDER_VERSION = "1";
/** Lines of the job's own output an error carries. */
export const JOB_LOG_LINES = 40;

export interface ContainerJobInputs extends VersionedInputs {
  /** Container name (what errors and `docker logs` use). */
  name: string;
  /** The container's id: a replaced container is a new job to run. */
  containerId: string;
  /** How long the job may run before the `up` fails. */
  timeoutSeconds: number;
}

export interface ContainerJobOutputs extends ContainerJobInputs {
  exitCode: number;
  elapsedMs: number;
  finishedAt: string;
}

const JOB_KEYS = ["name", "containerId", "timeoutSeconds", "version"] as const;

function validate(inputs: ContainerJobInputs): void {
  requireText("name", inputs.name);
  requireText("containerId", inputs.containerId);
  positiveInt("timeoutSeconds", inputs.timeoutSeconds, 1);
}

/** The error a failed job gives: its name, exit code and the last lines it printed. */
export function jobFailure(name: string, exitCode: number, logs: string, seconds: number): Error {
  const tail = logs.trimEnd().split("\n").slice(-JOB_LOG_LINES).join("\n");
  return new Error(`${name} exited with code ${exitCode} after ${seconds.toFixed(1)} s; its last ${JOB_LOG_LINES} log lines (docker logs ${name}):\n${tail || "(no output)"}`);
}

/** dockerode is required on first use: a no-op `up` only checks and diffs (bench/README-noop.md). */
function dockerClient(): Docker {
  const Dockerode: typeof Docker = require("dockerode");
  return new Dockerode();
}

/** Starts the container (unless it already runs), waits for its exit, and fails with its log on a non-zero code. */
async function runJob(inputs: ContainerJobInputs): Promise<ContainerJobOutputs> {
  validate(inputs);
  const docker = dockerClient();
  const c = docker.getContainer(inputs.containerId);
  const started = Date.now();
  const since = Math.floor(started / 1000) - 1;
  const state = (await withTimeout(`docker inspect ${inputs.name}`, 15_000, c.inspect())).State;
  if (!state.Running) await withTimeout(`docker start ${inputs.name}`, 30_000, c.start());
  const what = `${inputs.name} (a one-shot job) to exit`;
  const r = await withTimeout(what, inputs.timeoutSeconds * 1000, c.wait({ condition: "not-running" }) as Promise<{ StatusCode: number }>);
  const seconds = (Date.now() - started) / 1000;
  if (r.StatusCode !== 0) {
    const buf = await withTimeout(`docker logs ${inputs.name}`, 15_000, c.logs({ stdout: true, stderr: true, since, follow: false }) as unknown as Promise<Buffer>);
    throw jobFailure(inputs.name, r.StatusCode, demux(buf), seconds);
  }
  return { ...withoutProviderKey(inputs), exitCode: 0, elapsedMs: Date.now() - started, finishedAt: new Date().toISOString() };
}

/** Docker's multiplexed log stream (8-byte frame headers, no TTY) as text. */
export function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && buf[i] <= 2 && buf.readUInt32BE(i + 4) <= buf.length - i - 8) {
    const n = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + n));
    i += 8 + n;
  }
  return i === 0 ? buf.toString("utf8") : Buffer.concat(out).toString("utf8");
}

/** Runs again in place; the container belongs to its docker resource, so a delete leaves it to that. */
export const containerJobProvider = actionProvider<ContainerJobInputs, ContainerJobOutputs>({
  validate, keys: JOB_KEYS, run: runJob, id: (inputs) => inputs.name,
});

export interface ContainerJobArgs {
  container: { name: pulumi.Input<string>; id: pulumi.Input<string> };
  timeoutSeconds: number;
}

/** Runs a container created with `start: false` to a successful end; depend on it for "after the job succeeded". */
export class ContainerJob extends LabDynamicResource {
  declare public readonly exitCode: pulumi.Output<number>;
  declare public readonly elapsedMs: pulumi.Output<number>;

  constructor(name: string, args: ContainerJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(containerJobProvider, "ContainerJob", name, {
      name: args.container.name, containerId: args.container.id, timeoutSeconds: args.timeoutSeconds,
      version: CONTAINER_JOB_PROVIDER_VERSION, exitCode: undefined, elapsedMs: undefined, finishedAt: undefined,
    }, opts);
  }
}
