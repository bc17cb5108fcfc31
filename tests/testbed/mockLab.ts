// Runs a lab composition under pulumi.runtime.setMocks and records every registered resource with its
// inputs and the URNs it depends on (from the register requests the mock monitor receives).
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { unwrapSecrets } from "./pulumiValues";
import { createHash } from "crypto";
import { ONE_SHOT_LABEL } from "../../components/core/labContainer";

export interface Registered {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, any>;
  /** URNs this resource waits for (explicit dependsOn and input dependencies). */
  dependsOn: string[];
  /** Input paths whose change replaces the resource (replaceOnChanges). */
  replaceOnChanges: string[];
  deleteBeforeReplace: boolean;
}

export interface MockRun {
  resources: Registered[];
  byType(type: string): Registered[];
  byName(name: string): Registered;
  outputs: Record<string, unknown>;
  /** Output names whose values are marked secret. */
  secretOutputs: string[];
  /** Resource names in the order their register requests reached the monitor. */
  requestOrder: string[];
}

/** The id the mocks give the local build tagged `imageName` (a stand-in for the digest of its layers). */
export function mockImageId(imageName: string): string {
  return `sha256:${createHash("sha256").update(imageName).digest("hex")}`;
}

/** The monitor these mocks wrapped; another suite's setMocks replaces it, and then they install again. */
let installed: unknown;
const registered: Registered[] = [];
const requestOrder: string[] = [];

async function install(): Promise<void> {
  if (installed && pulumi.runtime.getMonitor() === installed) return;
  await pulumi.runtime.setMocks({
    newResource: (args) => ({
      id: `${args.name}-id`,
      // A local (never pushed) build: the docker provider reports its repoDigest as the image id, `sha256:<id>`.
      state: args.type === "docker:index/image:Image" ? { ...args.inputs, repoDigest: mockImageId(args.inputs.imageName) } : { ...args.inputs },
    }),
    call: () => ({}),
  }, "lab", "mocktest", false);
  const monitor: any = pulumi.runtime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  installed = monitor;
  monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
    requestOrder.push(req.getName());
    const inputs = unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject()));
    register(req, (err: any, res: any) => {
      if (!err) registered.push({ type: req.getType(), name: req.getName(), urn: res.getUrn(), inputs, dependsOn: req.getDependenciesList(), replaceOnChanges: req.getReplaceonchangesList(), deleteBeforeReplace: req.getDeletebeforereplace() });
      callback(err, res);
    });
  };
}

async function settle(value: unknown): Promise<{ value: unknown; secret: boolean }> {
  if (pulumi.Output.isInstance(value)) {
    const o = value as any;
    const [v, secret] = await Promise.all([o.promise(true), o.isSecret]);
    return { value: (await settle(v)).value, secret: secret || (await settle(v)).secret };
  }
  if (Array.isArray(value)) {
    const items = await Promise.all(value.map(settle));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (value && typeof value === "object" && !(value instanceof pulumi.Resource)) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await settle(v)] as const));
    return { value: Object.fromEntries(entries.map(([k, s]) => [k, s.value])), secret: entries.some(([, s]) => s.secret) };
  }
  return { value, secret: false };
}

/** Runs `compose` under mocks; resolves after every resource it registered has been recorded. */
export async function runMocked(compose: () => Record<string, unknown> | Promise<Record<string, unknown>>): Promise<MockRun> {
  await install();
  registered.length = 0;
  requestOrder.length = 0;
  const outputs = await compose();
  const settled: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [k, v] of Object.entries(outputs)) {
    const s = await settle(v);
    settled[k] = s.value;
    if (s.secret) secretOutputs.push(k);
  }
  // The last register requests (resources no output depends on): the SDK keeps every RPC it started until it
  // ends; waited for as tests/e2e/harness.ts does.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
  const resources = [...registered];
  return {
    resources, outputs: settled, secretOutputs, requestOrder: [...requestOrder],
    byType: (t) => resources.filter((r) => r.type === t),
    byName: (n) => {
      const r = resources.find((x) => x.name === n);
      if (!r) throw new Error(`no resource named ${n}; have ${resources.map((x) => x.name).join(", ")}`);
      return r;
    },
  };
}

const CONTAINER = "docker:index/container:Container";
export function containersOf(run: MockRun): Registered[] { return run.byType(CONTAINER); }

/** Every container: a healthcheck that can fail, a restart policy, wait-for-healthy, loopback ports. */
export function assertContainerHygiene(run: MockRun, bind = "127.0.0.1"): void {
  const published: number[] = [];
  const jobs = run.byType("pulumi-nodejs:dynamic/lab:ContainerJob");
  for (const c of containersOf(run)) {
    if ((c.inputs.labels ?? []).some((l: { label: string }) => l.label === ONE_SHOT_LABEL)) {
      // A one-shot job: created only, run to its end by a ContainerJob, never restarted, never required to run.
      assert.deepStrictEqual([c.inputs.restart, c.inputs.start, c.inputs.mustRun, c.inputs.wait], ["no", false, false, false], `${c.name}: one-shot job flags`);
      assert.strictEqual(c.inputs.healthcheck, undefined, `${c.name}: a job has no healthcheck`);
      assert.deepStrictEqual(c.inputs.ports ?? [], [], `${c.name}: a job publishes nothing`);
      assert.strictEqual(c.deleteBeforeReplace, true, `${c.name}: its replacement must delete the old container first`);
      assert.strictEqual(jobs.filter((j) => j.inputs.name === c.inputs.name).length, 1, `${c.name}: no ContainerJob runs it`);
      continue;
    }
    const hc = c.inputs.healthcheck;
    assert.ok(hc?.tests?.length >= 2, `${c.name} has no healthcheck`);
    assert.match(hc.tests[0], /^CMD(-SHELL)?$/, `${c.name} healthcheck form`);
    const cmd = hc.tests.slice(1).join(" ");
    assert.doesNotMatch(cmd, /\|\|\s*(true|exit 0|echo)|;\s*exit 0\s*$/, `${c.name} healthcheck cannot fail: ${cmd}`);
    assert.strictEqual(c.inputs.restart, "unless-stopped", `${c.name} restart policy`);
    assert.strictEqual(c.inputs.wait, true, `${c.name} is not waited for`);
    // The provider would update a healthcheck in place while the running container keeps the old one.
    assert.ok(c.replaceOnChanges.includes("healthcheck"), `${c.name}: a healthcheck change must replace the container`);
    // Seen with the real engine: a replacement created before the old one is deleted collides on the fixed name.
    assert.strictEqual(c.deleteBeforeReplace, true, `${c.name}: its replacement must delete the old container first`);
    assert.deepStrictEqual(c.inputs.dnsOpts, ["timeout:1", "attempts:1", "ndots:0"], `${c.name}: a vanished name must fail fast`);
    for (const p of c.inputs.ports ?? []) {
      assert.strictEqual(p.ip, bind, `${c.name} publishes ${p.external} on ${p.ip}`);
      published.push(p.external);
    }
  }
  assert.strictEqual(new Set(published).size, published.length, `published ports clash: ${published}`);
}

/** True when `r` waits (directly) for every resource in `on`. */
export function waitsFor(r: Registered, on: Registered[]): boolean {
  return on.every((o) => r.dependsOn.includes(o.urn));
}


/** The container with this Docker name. */
export function container(run: MockRun, name: string): Registered {
  const c = containersOf(run).find((x) => x.inputs.name === name);
  if (!c) throw new Error(`no container ${name}; have ${containersOf(run).map((x) => x.inputs.name).join(", ")}`);
  return c;
}

export const envOf = (c: Registered): Record<string, string> =>
  Object.fromEntries((c.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

/** Every plain output free of the secrets; the outputs holding them marked secret. */
export function assertNoPlaintextSecrets(run: MockRun, homework: string, secretValues: string[]): void {
  const out = run.outputs[homework] as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) {
    if (/Url$/.test(k)) continue;
    for (const s of secretValues) assert.ok(!JSON.stringify(v).includes(s), `output ${k} holds a plaintext secret`);
  }
  assert.deepStrictEqual(run.secretOutputs, [homework], "the URLs must be secret outputs");
}

