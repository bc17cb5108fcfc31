// The lab's own Pulumi program run against the real Docker engine: the SDK's mocks with a newResource that performs
// each resource's real operation (docker network/volume/image/container, local commands, dynamic providers), because
// the docker provider plugin cannot be installed here. Keeps per-URN state so a second run can diff like the provider.
import * as pulumi from "@pulumi/pulumi";
import { unwrapSecrets } from "../testbed/pulumiValues";
import { spawn } from "child_process";
import * as path from "path";
import { buildImage, containerLogs, contextDigest, docker, putFiles, REPO } from "../testbed/docker";

export const E2E_LABEL = "lab.e2e";
const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/image:Image";
const COMMAND = "command:local:Command";
const COMMAND_TIMEOUT_MS = 30 * 60_000;

export interface RunLabArgs {
  stack: string;
  /** `lab:*` values by key without the namespace; objects are passed as JSON, as `pulumi config set --path` stores them. */
  config?: Record<string, unknown>;
  secrets?: Record<string, string>;
  runId: string;
  /** The program's entry module (default: the repository's index.ts). */
  program?: string;
  project?: string;
  log?: (line: string) => void;
}

export interface Counts { created: number; updated: number; replaced: number; same: number }

export interface Recorded {
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  outputs: Record<string, any>;
}

export interface RunResult {
  outputs: Record<string, unknown>;
  counts: Counts;
  /** What each custom resource did in this run, by URN. */
  ops: Record<string, "create" | "update" | "replace" | "same">;
  resources: Recorded[];
}

interface RunState {
  resources: Map<string, Recorded>;
  /** Creation order, for teardown in reverse. */
  order: string[];
  /** Image tags the run built (kept as a cache unless teardown is asked to remove them). */
  images: Set<string>;
}

const states = new Map<string, RunState>();

function stateOf(runId: string): RunState {
  if (!states.has(runId)) states.set(runId, { resources: new Map(), order: [], images: new Set() });
  return states.get(runId)!;
}

/** The recorded resources of a run (after runLab), e.g. to find a container's id by its Docker name. */
export function recorded(runId: string): Recorded[] {
  return [...stateOf(runId).resources.values()];
}

// ---------------------------------------------------------------------------------------------------------------
// Values: secrets unwrapped, durations as Go prints them, inputs checked against what the harness implements.


const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration (what the provider applies to healthcheck durations), in nanoseconds. */
export function durationNs(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0, m: RegExpExecArray | null, at = 0;
  while ((m = re.exec(text))) { total += Number(m[1]) * UNIT_NS[m[2]]; at = re.lastIndex; }
  if (at !== text.length || text === "") throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return Math.round(total);
}

/** Go's time.Duration.String(): 5s, 1m0s, 1h0m0s, 500ms — the form the provider reads back from Docker. */
export function canonicalDuration(ns: number): string {
  if (ns === 0) return "0s";
  if (ns < 1e9) {
    if (ns < 1e3) return `${ns}ns`;
    if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
    return `${trim(ns / 1e6)}ms`;
  }
  const h = Math.floor(ns / 3600e9), m = Math.floor((ns % 3600e9) / 60e9), s = (ns % 60e9) / 1e9;
  return h ? `${h}h${m}m${trim(s)}s` : m ? `${m}m${trim(s)}s` : `${trim(s)}s`;
}
const trim = (x: number) => String(Number(x.toFixed(9)));

type Shape = { [key: string]: true | Shape | [Shape] };

/** Fails naming the resource and the first key the harness does not implement (nothing silently dropped). */
function checkKeys(what: string, value: any, shape: Shape, at = ""): void {
  if (value === undefined || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    const key = at ? `${at}.${k}` : k;
    const s = shape[k];
    if (!s) throw new Error(`input ${key} is not implemented by the e2e harness (${what.split("::")[2]})`);
    if (s === true || v === undefined || v === null) continue;
    if (Array.isArray(s)) (v as any[]).forEach((item, i) => checkKeys(what, item, s[0], `${key}[${i}]`));
    else checkKeys(what, v, s, key);
  }
}

const CONTAINER_SHAPE: Shape = {
  name: true, image: true, hostname: true, envs: true, command: true, entrypoints: true, user: true, restart: true,
  wait: true, waitTimeout: true, workingDir: true, dnsOpts: true, start: true, mustRun: true,
  networksAdvanced: [{ name: true, aliases: true }],
  ports: [{ internal: true, external: true, ip: true, protocol: true }],
  volumes: [{ volumeName: true, containerPath: true, readOnly: true }],
  uploads: [{ file: true, content: true, executable: true }],
  healthcheck: { tests: true, interval: true, timeout: true, retries: true, startPeriod: true },
  labels: [{ label: true, value: true }],
};
const NETWORK_SHAPE: Shape = { name: true, driver: true, labels: [{ label: true, value: true }], internal: true };
const VOLUME_SHAPE: Shape = { name: true, driver: true, labels: [{ label: true, value: true }] };
const IMAGE_SHAPE: Shape = {
  imageName: true, skipPush: true, buildOnPreview: true,
  build: { context: true, dockerfile: true, args: true, platform: true, network: true, target: true, builderVersion: true },
};
const COMMAND_SHAPE: Shape = {
  create: true, update: true, delete: true, dir: true, environment: true, interpreter: true, stdin: true,
  triggers: true, addPreviousOutputInEnv: true,
};

// ---------------------------------------------------------------------------------------------------------------
// The real operations.

const labelsOf = (inputs: any, runId: string): Record<string, string> =>
  ({ ...Object.fromEntries((inputs.labels ?? []).map((l: any) => [l.label, l.value])), [E2E_LABEL]: runId });

async function createNetwork(inputs: any, runId: string): Promise<{ id: string; outputs: any }> {
  const n = await docker.createNetwork({
    Name: inputs.name, Driver: inputs.driver ?? "bridge", Internal: inputs.internal ?? false, Labels: labelsOf(inputs, runId),
    CheckDuplicate: true,
  });
  const info = await docker.getNetwork(n.id).inspect();
  const ipamConfigs = (info.IPAM?.Config ?? []).map((c: any) => ({ subnet: c.Subnet, gateway: c.Gateway, ipRange: c.IPRange ?? "", auxAddress: {} }));
  return { id: n.id, outputs: { driver: "bridge", internal: false, ...inputs, ipamConfigs, scope: info.Scope, ipamDriver: "default" } };
}

async function createVolume(inputs: any, runId: string): Promise<{ id: string; outputs: any }> {
  const v = await (await docker.createVolume({ Name: inputs.name, Driver: inputs.driver ?? "local", Labels: labelsOf(inputs, runId) })).inspect();
  return { id: v.Name, outputs: { driver: "local", ...inputs, mountpoint: v.Mountpoint } };
}

async function buildImageResource(inputs: any, log: (l: string) => void): Promise<{ id: string; outputs: any }> {
  const b = inputs.build ?? {};
  if (!b.context) throw new Error(`image ${inputs.imageName}: only local builds are implemented (build.context missing)`);
  const context = path.resolve(REPO, b.context);
  // Absolute (the program's form); one outside the context is sent along with it, as the provider and the CLI do.
  const dockerfile = b.dockerfile ? path.resolve(context, b.dockerfile) : path.join(context, "Dockerfile");
  if (b.target) throw new Error(`image ${inputs.imageName}: input build.target is not implemented by the e2e harness`);
  // The provider's Check hashes the context before anything is built.
  const digest = contextDigest(context, dockerfile);
  const started = Date.now();
  log(`building ${inputs.imageName} (${path.relative(REPO, context) || "."}, ${path.relative(REPO, dockerfile)})`);
  const id = await buildImage({
    tag: inputs.imageName, context, dockerfile, args: b.args ?? {}, network: b.network, platform: b.platform,
    // The provider's default builder is BuildKit; BuilderV1 asks for the classic one.
    builder: b.builderVersion === "BuilderV1" ? "classic" : "buildkit",
  });
  log(`built ${inputs.imageName} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    id,
    outputs: {
      ...inputs, imageName: inputs.imageName, repoDigest: id, context: b.context, dockerfile: b.dockerfile ?? path.join(b.context, "Dockerfile"),
      platform: b.platform, baseImageName: inputs.imageName, registryServer: "",
      // What the provider's Check adds to the inputs: a moved or edited file the build sends is an update.
      build: { ...b, contextDigest: digest },
    },
  };
}

async function createContainer(inputs: any, runId: string, log: (l: string) => void): Promise<{ id: string; outputs: any }> {
  try { await docker.getImage(inputs.image).inspect(); } catch {
    throw new Error(`container ${inputs.name}: image ${inputs.image} is not on this engine (nothing can be pulled here)`);
  }
  const nets: any[] = inputs.networksAdvanced ?? [];
  const ports: any[] = inputs.ports ?? [];
  const hc = inputs.healthcheck;
  const portKey = (p: any) => `${p.internal}/${p.protocol ?? "tcp"}`;
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) (bindings[portKey(p)] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external === undefined ? "" : String(p.external) });
  const c = await docker.createContainer({
    name: inputs.name, Image: inputs.image, Hostname: inputs.hostname, Env: inputs.envs, Cmd: inputs.command,
    Entrypoint: inputs.entrypoints, User: inputs.user, WorkingDir: inputs.workingDir, Labels: labelsOf(inputs, runId),
    ExposedPorts: Object.fromEntries(ports.map((p) => [portKey(p), {}])),
    Healthcheck: hc ? {
      Test: hc.tests, Interval: durationNs(hc.interval ?? "0s"), Timeout: durationNs(hc.timeout ?? "0s"),
      StartPeriod: durationNs(hc.startPeriod ?? "0s"), Retries: hc.retries ?? 0,
    } : undefined,
    HostConfig: {
      PortBindings: bindings,
      Binds: (inputs.volumes ?? []).map((v: any) => `${v.volumeName}:${v.containerPath}${v.readOnly ? ":ro" : ""}`),
      RestartPolicy: { Name: inputs.restart ?? "no" },
      NetworkMode: nets[0]?.name,
      DnsOptions: inputs.dnsOpts,
    },
    NetworkingConfig: nets[0] ? { EndpointsConfig: { [nets[0].name]: { Aliases: nets[0].aliases ?? [] } } } : undefined,
  } as any);
  for (const n of nets.slice(1)) await docker.getNetwork(n.name).connect({ Container: c.id, EndpointConfig: { Aliases: n.aliases ?? [] } });
  if (inputs.uploads?.length) {
    await putFiles(c.id, inputs.uploads.map((u: any) => ({ path: String(u.file), content: u.content ?? "", mode: u.executable ? 0o755 : 0o644 })));
  }
  // `start: false` (a one-shot job's container, components/core/labContainer.ts): only created, as the provider does.
  if (inputs.start !== false) await c.start();
  if (inputs.wait) await waitForContainer(c.id, inputs.name, (inputs.waitTimeout ?? 60) * 1000, !!hc, log);
  const info = await c.inspect();
  const networkDatas = Object.entries(info.NetworkSettings.Networks).map(([networkName, n]: [string, any]) => ({
    networkName, ipAddress: n.IPAddress, ipPrefixLength: n.IPPrefixLen, gateway: n.Gateway, macAddress: n.MacAddress,
    globalIpv6Address: n.GlobalIPv6Address, globalIpv6PrefixLength: n.GlobalIPv6PrefixLen, ipv6Gateway: n.IPv6Gateway,
  }));
  return {
    id: c.id,
    outputs: {
      ...inputs,
      ports: ports.map((p) => ({ protocol: "tcp", ip: "0.0.0.0", ...p })),
      healthcheck: hc ? {
        ...hc, interval: canonicalDuration(durationNs(hc.interval ?? "0s")), timeout: canonicalDuration(durationNs(hc.timeout ?? "0s")),
        startPeriod: canonicalDuration(durationNs(hc.startPeriod ?? "0s")), startInterval: "0s", retries: hc.retries ?? 0,
      } : undefined,
      waitTimeout: inputs.waitTimeout ?? 60,
      // The provider's read records exit_code only for a container that is not running.
      networkDatas, bridge: "", exitCode: info.State.Running ? null : info.State.ExitCode,
      start: inputs.start ?? true, mustRun: inputs.mustRun ?? true, attach: false, logs: false, rm: false,
      networkMode: nets[0]?.name ?? "bridge",
    },
  };
}

/** Like the provider's `wait`: healthy (or running, without a healthcheck) within the timeout, else its last log lines. */
async function waitForContainer(id: string, name: string, timeoutMs: number, hasHealthcheck: boolean, log: (l: string) => void): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < 100_000; i++) {
    const s = (await docker.getContainer(id).inspect()).State;
    if (hasHealthcheck ? s.Health?.Status === "healthy" : s.Running) {
      log(`${name} healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    if (Date.now() - started > timeoutMs) {
      const last = s.Health?.Log?.slice(-1)[0]?.Output?.trim();
      throw new Error(`container ${name} not healthy after ${timeoutMs / 1000} s (state ${s.Status}, health ${s.Health?.Status}; last check: ${last})\n--- last log lines ---\n${await containerLogs(id, 30)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** pulumi-command's local.Command: the script through the interpreter (default /bin/sh -c) in dir with environment. */
function runCommand(script: string, inputs: any, previous?: any): Promise<{ stdout: string; stderr: string }> {
  const interpreter: string[] = inputs.interpreter?.length ? inputs.interpreter : ["/bin/sh", "-c"];
  const env: Record<string, string> = { ...process.env as Record<string, string>, ...(inputs.environment ?? {}) };
  if (previous && inputs.addPreviousOutputInEnv !== false) {
    env.PULUMI_COMMAND_STDOUT = previous.stdout ?? "";
    env.PULUMI_COMMAND_STDERR = previous.stderr ?? "";
  }
  return new Promise((resolve, reject) => {
    const p = spawn(interpreter[0], [...interpreter.slice(1), script], { cwd: inputs.dir, env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [], err: Buffer[] = [];
    p.stdout.on("data", (b) => out.push(b));
    p.stderr.on("data", (b) => err.push(b));
    // A command that exits without reading its stdin closes the pipe: EPIPE there is no failure of the command.
    p.stdin.on("error", () => undefined);
    p.stdin.end(inputs.stdin ?? "");
    const t = setTimeout(() => p.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
    p.on("error", (e) => { clearTimeout(t); reject(e); });
    p.on("close", (code, signal) => {
      clearTimeout(t);
      const stdout = Buffer.concat(out).toString().replace(/\n$/, ""), stderr = Buffer.concat(err).toString().replace(/\n$/, "");
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`command ${JSON.stringify(script)} failed (exit ${code ?? signal}); stderr: ${stderr}`));
    });
  });
}

// Loaded as @pulumi/pulumi's dynamic-provider host loads it: the serialized closure, evaluated as a module.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const requireFromString: (code: string) => any = require("require-from-string");
const dynamicProviders = new Map<string, any>();
function dynamicProvider(inputs: any): any {
  const text = inputs.__provider;
  if (typeof text !== "string") throw new Error("dynamic resource without a serialized __provider");
  if (!dynamicProviders.has(text)) dynamicProviders.set(text, requireFromString(text).handler());
  return dynamicProviders.get(text);
}

// ---------------------------------------------------------------------------------------------------------------
// Diff, as each provider decides: which input changes only update and which replace.

/** Order-insensitive where the provider keeps a set (envs, labels, volumes, uploads); durations compared by value. */
function normalizeContainer(inputs: any): any {
  const sortBy = (xs: any[] | undefined) => (xs ?? []).map((x) => JSON.stringify(sortKeys(x))).sort();
  const hc = inputs.healthcheck;
  return {
    ...inputs,
    envs: sortBy(inputs.envs), labels: sortBy(inputs.labels), volumes: sortBy(inputs.volumes), uploads: sortBy(inputs.uploads),
    ports: (inputs.ports ?? []).map((p: any) => ({ protocol: "tcp", ip: "0.0.0.0", ...p })),
    healthcheck: hc ? { ...hc, interval: durationNs(hc.interval ?? "0s"), timeout: durationNs(hc.timeout ?? "0s"), startPeriod: durationNs(hc.startPeriod ?? "0s"), retries: hc.retries ?? 0 } : undefined,
    waitTimeout: inputs.waitTimeout ?? 60,
  };
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined && v[k] !== null).map((k) => [k, sortKeys(v[k])]));
  return v;
}
const same = (a: any, b: any) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

/** Keys whose change the provider applies in place; any other changed key replaces the resource. */
const UPDATABLE: Record<string, string[]> = {
  [CONTAINER]: ["restart", "wait", "waitTimeout"],
  [NETWORK]: [],
  [VOLUME]: [],
  [COMMAND]: ["create", "update", "delete", "dir", "environment", "interpreter", "stdin", "addPreviousOutputInEnv"],
};

function changedKeys(type: string, olds: any, news: any): string[] {
  const [o, n] = type === CONTAINER ? [normalizeContainer(olds), normalizeContainer(news)] : [olds, news];
  return [...new Set([...Object.keys(o), ...Object.keys(n)])].filter((k) => !same(o[k], n[k]));
}

// ---------------------------------------------------------------------------------------------------------------
// One run.

type Op = "create" | "update" | "replace" | "same";

async function deleteResource(r: Recorded, log: (l: string) => void): Promise<void> {
  switch (r.type) {
    // The provider's removeVolumes defaults to true: a container's anonymous volumes (an image's VOLUME) go with it.
    case CONTAINER: await docker.getContainer(r.id).remove({ force: true, v: true }).catch(ignoreGone); break;
    case NETWORK: await docker.getNetwork(r.id).remove().catch(ignoreGone); break;
    case VOLUME: await docker.getVolume(r.id).remove({ force: true }).catch(ignoreGone); break;
    case COMMAND: if (r.inputs.delete) await runCommand(r.inputs.delete, r.outputs, r.outputs); break;
    default:
      if (r.type.startsWith("pulumi-nodejs:dynamic")) {
        const p = dynamicProvider(r.outputs);
        if (p.delete) await p.delete(r.id, r.outputs);
      }
  }
  log(`deleted ${r.type} ${r.name}`);
}

function ignoreGone(e: any): void {
  if (e?.statusCode !== 404) throw e;
}

async function createResource(type: string, urn: string, inputs: any, runId: string, log: (l: string) => void): Promise<{ id: string; outputs: any }> {
  switch (type) {
    case NETWORK: checkKeys(urn, inputs, NETWORK_SHAPE); return createNetwork(inputs, runId);
    case VOLUME: checkKeys(urn, inputs, VOLUME_SHAPE); return createVolume(inputs, runId);
    case IMAGE: checkKeys(urn, inputs, IMAGE_SHAPE); return buildImageResource(inputs, log);
    case CONTAINER: checkKeys(urn, inputs, CONTAINER_SHAPE); return createContainer(inputs, runId, log);
    case COMMAND: {
      checkKeys(urn, inputs, COMMAND_SHAPE);
      const r = inputs.create ? await runCommand(inputs.create, inputs) : { stdout: "", stderr: "" };
      return { id: `${urn.split("::").pop()}-${runId}`, outputs: { ...inputs, ...r } };
    }
  }
  if (type.startsWith("pulumi-nodejs:dynamic")) {
    const p = dynamicProvider(inputs);
    const checked = p.check ? await p.check({}, inputs) : { inputs };
    if (checked.failures?.length) throw new Error(`${urn}: check failed: ${checked.failures.map((f: any) => `${f.property}: ${f.reason}`).join("; ")}`);
    const t = Date.now();
    log(`${urn.split("::").pop()}: create (dynamic)`);
    const r = await p.create(checked.inputs);
    log(`${urn.split("::").pop()}: created in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return { id: r.id, outputs: { ...(r.outs ?? {}), __provider: inputs.__provider } };
  }
  throw new Error(`${urn}: resource type ${type} is not implemented by the e2e harness`);
}

/** Create, or against the recorded state: same, update in place, or replace (delete first: names are fixed). */
async function apply(state: RunState, type: string, urn: string, name: string, inputs: any, runId: string, log: (l: string) => void): Promise<{ op: Op; rec: Recorded }> {
  const old = state.resources.get(urn);
  const record = (id: string, outputs: any): Recorded => {
    const rec = { urn, type, name, id, inputs, outputs };
    state.resources.set(urn, rec);
    if (!state.order.includes(urn)) state.order.push(urn);
    return rec;
  };
  if (!old) {
    const r = await createResource(type, urn, inputs, runId, log);
    if (type === IMAGE) state.images.add(inputs.imageName);
    return { op: "create", rec: record(r.id, r.outputs) };
  }
  if (type === IMAGE) {
    // Every run builds (to know the id); the image changed if its inputs, its context digest or its id did.
    checkKeys(urn, inputs, IMAGE_SHAPE);
    const r = await buildImageResource(inputs, log);
    const changed = [
      ...(same(old.inputs, inputs) ? [] : ["inputs"]), ...(r.outputs.build.contextDigest === old.outputs.build?.contextDigest ? [] : ["contextDigest"]),
      ...(r.id === old.id ? [] : ["id"]),
    ];
    if (changed.length) log(`update ${urn}: ${changed.join(", ")}`);
    return { op: changed.length ? "update" : "same", rec: record(r.id, r.outputs) };
  }
  if (type.startsWith("pulumi-nodejs:dynamic")) {
    const p = dynamicProvider(inputs);
    const d = p.diff ? await p.diff(old.id, old.outputs, inputs) : { changes: !same(old.inputs, inputs) };
    if (!d.changes) return { op: "same", rec: record(old.id, old.outputs) };
    if (d.replaces?.length) {
      await deleteResource(old, log);
      const r = await createResource(type, urn, inputs, runId, log);
      return { op: "replace", rec: record(r.id, r.outputs) };
    }
    const u = p.update ? await p.update(old.id, old.outputs, inputs) : { outs: old.outputs };
    return { op: "update", rec: record(old.id, { ...(u.outs ?? {}), __provider: inputs.__provider }) };
  }
  const changed = changedKeys(type, old.inputs, inputs);
  if (changed.length === 0) return { op: "same", rec: record(old.id, old.outputs) };
  const updatable = UPDATABLE[type] ?? [];
  if (changed.every((k) => updatable.includes(k))) {
    log(`update ${urn}: ${changed.join(", ")}`);
    if (type === CONTAINER) {
      if (changed.includes("restart")) await docker.getContainer(old.id).update({ RestartPolicy: { Name: inputs.restart ?? "no" } });
      return { op: "update", rec: record(old.id, { ...old.outputs, ...inputs, healthcheck: old.outputs.healthcheck, ports: old.outputs.ports }) };
    }
    if (type === COMMAND) {
      const script = inputs.update ?? inputs.create;
      const r = script ? await runCommand(script, inputs, old.outputs) : { stdout: "", stderr: "" };
      return { op: "update", rec: record(old.id, { ...inputs, ...r }) };
    }
  }
  log(`replace ${urn}: ${changed.join(", ")}`);
  await deleteResource(old, log);
  const r = await createResource(type, urn, inputs, runId, log);
  return { op: "replace", rec: record(r.id, r.outputs) };
}

async function settle(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return settle(await (value as any).promise(true));
  if (value instanceof Promise) return settle(await value);
  if (Array.isArray(value)) return Promise.all(value.map(settle));
  if (value && typeof value === "object" && !(value instanceof pulumi.Resource)) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await settle(v)])));
  }
  return value;
}

/** Forgets the repository's own modules, so the program registers its resources afresh on the next require. */
function clearProgramModules(): void {
  for (const file of Object.keys(require.cache)) {
    const rel = path.relative(REPO, file);
    if (rel.startsWith("..") || rel.startsWith("node_modules") || rel.startsWith("tests/testbed") || rel.startsWith(path.join("tests", "e2e", "harness"))) continue;
    delete require.cache[file];
  }
}

/**
 * Runs the program once against the engine: every custom resource created (or, with the state of an earlier run
 * of the same runId, diffed and left alone, updated or replaced). Rejects with every resource's failure.
 */
export async function runLab(a: RunLabArgs): Promise<RunResult> {
  const log = a.log ?? (() => undefined);
  const state = stateOf(a.runId);
  const ops: Record<string, Op> = {};
  const failures: string[] = [];
  let current: { urn: string } | undefined;

  await pulumi.runtime.setMocks({
    newResource: (args) => {
      // MockMonitor calls newResource synchronously from registerResource, right after the wrapper below set `current`.
      const urn = current!.urn;
      current = undefined;
      if (!args.custom) return { id: undefined, state: args.inputs };
      return (async () => {
        try {
          const inputs = unwrapSecrets(args.inputs);
          const { op, rec } = await apply(state, args.type, urn, args.name, inputs, a.runId, log);
          ops[urn] = op;
          return { id: rec.id, state: rec.outputs };
        } catch (e) {
          failures.push(`${urn}: ${(e as Error).message}`);
          throw e;
        }
      })();
    },
    call: (args) => { throw new Error(`invoke ${args.token} is not implemented by the e2e harness`); },
  }, a.project ?? "lab", a.stack, false);
  const monitor: any = pulumi.runtime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    current = { urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()) };
    return register(req, callback);
  };

  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.config ?? {})) config[`lab:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(a.secrets ?? {})) config[`lab:${k}`] = v;
  pulumi.runtime.setAllConfig(config, Object.keys(a.secrets ?? {}).map((k) => `lab:${k}`));

  clearProgramModules();
  // The SDK rethrows a failed registration from a promise nobody awaits: count it here instead of crashing mocha.
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => { rejections.push(e); };
  process.on("unhandledRejection", onRejection);
  let outputs: Record<string, unknown> = {};
  try {
    const program = a.program ?? path.join(REPO, "index.ts");
    const exported = require(program);
    try { outputs = (await settle(exported)) as Record<string, unknown>; } catch (e) { failures.push(`outputs: ${(e as Error).message}`); }
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  if (failures.length) throw new Error(`runLab ${a.stack} (${a.runId}) failed:\n${[...new Set(failures)].join("\n")}`);
  if (rejections.length) throw new Error(`runLab ${a.stack} (${a.runId}) failed: ${rejections.map((e) => (e as Error)?.message ?? String(e)).join("\n")}`);
  const counts: Counts = { created: 0, updated: 0, replaced: 0, same: 0 };
  for (const op of Object.values(ops)) counts[op === "create" ? "created" : op === "update" ? "updated" : op === "replace" ? "replaced" : "same"]++;
  return { outputs, counts, ops, resources: [...state.resources.values()] };
}

/**
 * Removes what the run made, in reverse creation order (dynamic resources and commands through their delete, then
 * containers, networks, volumes), and then anything still carrying its label. Images stay unless removeImages.
 */
export async function teardown(runId: string, opts: { removeImages?: boolean; log?: (l: string) => void } = {}): Promise<void> {
  const log = opts.log ?? (() => undefined);
  const state = stateOf(runId);
  const errors: string[] = [];
  // A network or volume still used by a container the state never recorded (created, then failed its wait) is
  // deleted again once the label sweep removed that container.
  const inUse: Recorded[] = [];
  for (const urn of [...state.order].reverse()) {
    const r = state.resources.get(urn);
    if (!r || r.type === IMAGE) continue;
    try { await deleteResource(r, log); } catch (e) {
      if ((r.type === NETWORK || r.type === VOLUME) && [403, 409].includes((e as any)?.statusCode)) inUse.push(r);
      else errors.push(`${urn}: ${(e as Error).message}`);
    }
  }
  const filters = { label: [`${E2E_LABEL}=${runId}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
  for (const r of inUse) {
    try { await deleteResource(r, log); } catch (e) { errors.push(`${r.urn}: ${(e as Error).message}`); }
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true });
  if (opts.removeImages) for (const tag of state.images) await docker.getImage(tag).remove().catch(ignoreGone);
  states.delete(runId);
  if (errors.length) throw new Error(`teardown ${runId}: ${errors.join("\n")}`);
}

/** Containers, networks and volumes on the engine still labelled with the run. */
export async function leftovers(runId: string): Promise<string[]> {
  const filters = { label: [`${E2E_LABEL}=${runId}`] };
  return [
    ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
    ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
    ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
  ];
}
